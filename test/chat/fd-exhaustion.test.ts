/**
 * Descriptor exhaustion: the headless server under `prlimit --nofile=64` is flooded with more
 * connections than it can hold. Those already in keep chatting, it neither crashes nor spins,
 * and once some leave, newcomers get in again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cpuSeconds, openFds, spawnServer, type ServerProcess } from '../support/headless-server';
import { RawClient, frame } from '../support/raw-client';

const FD_LIMIT = 64;
let server: ServerProcess | null = null;
const sockets: RawClient[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  server?.kill();
  server = null;
});

/** Connects, says something, and tells whether it got in (its line was relayed) or was turned away. */
async function tryJoin(port: number, observer: RawClient | null, n: number): Promise<RawClient | null> {
  const client = await RawClient.connect(port);
  sockets.push(client);
  await client.write(`hi ${n}\n`);
  const line = frame(client, `hi ${n}`);
  await client.waitFor((c) => c.text.includes(line) || c.closed, `${line} or close`, 10_000);
  if (client.closed) {
    expect(client.text).toBe(''); // turned away without a word of the room
    return null;
  }
  if (observer) await observer.waitForText(line);
  return client;
}

describe('descriptor exhaustion (headless server with a low fd limit)', () => {
  it('keeps the room working, does not spin, and admits newcomers once descriptors free up', async () => {
    server = spawnServer(['--port', '0', '--host', '127.0.0.1'], { nofile: FD_LIMIT });
    const { port } = await server.listening();
    const pid = server.child.pid!;

    const inside: RawClient[] = [];
    let refused = 0;
    for (let n = 0; n < 3 * FD_LIMIT && refused < 20; n++) {
      const client = await tryJoin(port, inside[0] ?? null, n);
      if (client) inside.push(client);
      else refused++;
    }
    expect(refused).toBe(20);
    expect(inside.length).toBeGreaterThan(5);
    expect(inside.length).toBeLessThan(FD_LIMIT);
    expect(openFds(pid)).toBeGreaterThanOrEqual(FD_LIMIT - 2);

    // While more connections keep knocking, the server stays idle (no accept loop spinning).
    const before = cpuSeconds(pid);
    const started = Date.now();
    const knockers: Promise<unknown>[] = [];
    while (Date.now() - started < 1000) {
      knockers.push(RawClient.connect(port).then((c) => {
        sockets.push(c);
        return c.waitForClose(5000);
      }, () => undefined));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(knockers);
    const used = cpuSeconds(pid) - before;
    expect(used, `CPU seconds used by the server in ${Date.now() - started} ms`).toBeLessThan(0.4);
    expect(server.exitCode()).toBeNull();

    // Those inside still chat, byte for byte.
    const [first, second, last] = [inside[0]!, inside[1]!, inside[inside.length - 1]!];
    first.clear();
    second.clear();
    await last.write('still talking\n');
    await first.waitForText(frame(last, 'still talking'));
    await second.waitForText(frame(last, 'still talking'));
    expect(first.text).toBe(frame(last, 'still talking'));
    expect(second.text).toBe(frame(last, 'still talking'));

    // Some leave; newcomers get in again.
    const leavers = inside.splice(inside.length - 5, 5);
    for (const leaver of leavers) leaver.end();
    for (const leaver of leavers) await first.waitForText(frame(leaver, '(disconnected)'));
    const newcomers: RawClient[] = [];
    for (let n = 0; n < 3; n++) {
      const client = await tryJoin(port, first, 1000 + n);
      expect(client, `newcomer ${n} should get in`).not.toBeNull();
      newcomers.push(client!);
    }
    await newcomers[0]!.write('hello again\n');
    await second.waitForText(frame(newcomers[0]!, 'hello again'));

    // and it still shuts down cleanly
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await first.waitForEnd();
  });

  it('tells the operator that connections are being turned away for lack of descriptors', async () => {
    server = spawnServer(['--port', '0', '--host', '127.0.0.1'], { nofile: FD_LIMIT });
    const { port } = await server.listening();
    let refused = 0;
    const inside: RawClient[] = [];
    for (let n = 0; n < 3 * FD_LIMIT && refused < 5; n++) {
      const client = await tryJoin(port, inside[0] ?? null, n);
      if (client) inside.push(client);
      else refused++;
    }
    expect(refused).toBe(5);
    // server.ts promises: "accept errors (out of file descriptors) are counted and reported"
    await server.waitForStderr(/file descriptors|EMFILE/i, 3000);
  });
});
