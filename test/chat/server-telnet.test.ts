/**
 * Line ends per client: one that shows it speaks telnet (an IAC command, or lines ended in
 * CR LF) reads `\r\n`; everyone else keeps the bare `\n`, byte for byte, on the same server.
 */
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../support/cleanup';
import { frame } from '../support/raw-client';
import { useRooms } from '../support/room';
import { spawnTerminal } from '../support/terminal';
import { waitUntil } from '../support/wait';

const room = useRooms();
const defer = useCleanup();

const IAC = 0xff;
const WILL = 0xfb;
const DO = 0xfd;
/** What PuTTY and Windows telnet send on connect: negotiation before any text. */
const TELNET_HELLO = Buffer.from([IAC, DO, 0x03, IAC, WILL, 0x18, IAC, WILL, 0x1f, IAC, WILL, 0x20]);
const crlf = (text: string) => text.replaceAll('\n', '\r\n');

describe('ChatServer: CR LF for telnet, LF for everyone else', () => {
  it('a client that sends IAC reads CR LF from then on; a plain client on the same server keeps LF, byte for byte', async () => {
    const r = await room();
    const plain = await r.join();
    const telnet = await r.join();
    await plain.waitForLine(`[${telnet.label}] (connected)`);
    await telnet.write(TELNET_HELLO);
    await telnet.write('hi from putty\r\n');
    await plain.waitForLine(`[${telnet.label}] hi from putty`);
    await plain.write('hello both\n');
    await telnet.waitForText(crlf(frame(plain, 'hello both')));
    const late = await r.join();
    await late.write('late one\n');
    await plain.waitForLine(`[${late.label}] late one`);
    await telnet.waitForText(crlf(frame(late, 'late one')));
    telnet.clear();
    plain.end();
    await telnet.waitForText(crlf(frame(plain, '(disconnected)')));

    // everything the plain clients got: bare \n, exactly as before
    expect(plain.text).toBe(frame(telnet, '(connected)') + frame(telnet, 'hi from putty') + frame(plain, 'hello both') +
      frame(late, '(connected)') + frame(late, 'late one'));
    expect(late.text).toBe(frame(late, 'late one') + frame(plain, '(disconnected)'));
    expect(late.bytes.includes(0x0d)).toBe(false);
    expect(telnet.text).toBe(crlf(frame(plain, '(disconnected)')));
  });

  it('a client that ends its lines in CR LF (no IAC) reads CR LF after its first line; lines before it came as LF', async () => {
    const r = await room();
    const other = await r.join();
    const crlfClient = await r.join();
    await other.waitForLine(`[${crlfClient.label}] (connected)`);
    await other.write('before\n');
    await crlfClient.waitForText(frame(other, 'before'));
    await crlfClient.write('windows line\r\n');
    await crlfClient.waitForText(crlf(frame(crlfClient, 'windows line')));
    await other.write('after\n');
    await crlfClient.waitForText(crlf(frame(other, 'after')));
    expect(crlfClient.text).toBe(frame(other, 'before') + crlf(frame(crlfClient, 'windows line') + frame(other, 'after')));
    expect(other.text.includes('\r')).toBe(false);
  });

  it('a lone CR or a bare LF does not switch a client to CR LF', async () => {
    const r = await room();
    const a = await r.join();
    await a.write('one\rtwo\nthree\n');
    await a.waitForText(frame(a, 'three'));
    expect(a.text).toBe(frame(a, 'one') + frame(a, 'two') + frame(a, 'three'));
  });

  it('a telnet client behind on its output switches once it has caught up, never mid-backlog', async () => {
    const r = await room({ maxClientOutputBytes: 64 * 1024 * 1024 });
    const talker = await r.join();
    const telnet = await r.join();
    telnet.socket.pause(); // behind: its output queues up
    const body = 'q'.repeat(1000);
    for (let i = 0; i < 4096; i += 256) await talker.write(Array.from({ length: 256 }, (_, j) => `${i + j}:${body}\n`).join(''));
    await talker.waitForText(frame(talker, `4095:${body}`));
    await telnet.write(TELNET_HELLO);
    await talker.write('after the hello\n');
    await talker.waitForText(frame(talker, 'after the hello'));
    telnet.socket.resume();
    await telnet.waitForText('after the hello', 20_000);
    // caught up: now it reads CR LF
    await waitUntil(() => r.server.stats.clientsNow === 2, 'both still in');
    await talker.write('caught up\n');
    await telnet.waitForText(crlf(frame(talker, 'caught up')), 20_000);
    const text = telnet.text.slice(0, telnet.text.indexOf(frame(talker, 'caught up').slice(0, -1)));
    // every line is whole: each ends in exactly one of the two line ends, none is mixed
    for (const line of text.split('\n').slice(0, -1)) expect(line.startsWith(`[${talker.label}] `)).toBe(true);
    const flood = text.split('\n').filter((line) => line.includes(':q'));
    expect(flood).toHaveLength(4096);
  });
});

describe('ChatServer: the real telnet client', () => {
  it('joins, talks and hears the room; its CR LF lines are relayed to an nc-like client as plain lines', async () => {
    const r = await room();
    const plain = await r.join();
    const joins: string[] = [];
    r.server.on('join', (client) => joins.push(client.peer));
    const telnet = spawnTerminal('telnet', ['127.0.0.1', String(r.port)]);
    defer(() => telnet.kill());
    await telnet.waitFor('Connected to 127.0.0.1');
    await waitUntil(() => joins.length === 1, 'telnet to join');
    const label = joins[0]!;
    telnet.send('hello from telnet\n');
    await plain.waitForLine(`[${label}] hello from telnet`);
    await plain.write('hello telnet\n');
    await telnet.waitFor(`[${plain.label}] hello telnet`);
    await plain.waitForLine(`[${plain.label}] hello telnet`);
    expect(plain.text).toBe(frame(label, '(connected)') + frame(label, 'hello from telnet') + frame(plain, 'hello telnet'));
  });
});
