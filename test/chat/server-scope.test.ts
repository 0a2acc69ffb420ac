/**
 * Who may join a room "for everyone on my network": peers from a second network namespace
 * at addresses of the test's choosing (a documentation range behind a route stands for the
 * internet; the same ranges on the host's own subnet stand for a lab numbered from public space).
 */
import { describe, expect, it } from 'vitest';
import { formatPeer } from '../../main/chat/protocol';
import type { ChatServer } from '../../main/chat/server';
import type { RefusalReason } from '../../main/chat/types';
import { useCleanup } from '../support/cleanup';
import { linkedNamespace } from '../support/netns';
import { frame } from '../support/raw-client';
import { useRooms } from '../support/room';

const room = useRooms();
const defer = useCleanup();

const OUT_OF_SCOPE = "Tincan: this room only takes people on the host's local networks.\n";

async function namespace(host: string, peer: string, prefix: number) {
  const ns = await linkedNamespace(host, peer, prefix);
  defer(() => ns.close());
  return ns;
}

describe('ChatServer: peers from beyond the local networks', () => {
  it.each([
    ['a public IPv4 address', '10.80.0.1', '10.80.0.2', 24, '198.51.100.2'],
    ['a global IPv6 address', 'fd80::1', 'fd80::2', 64, '2001:db8:5::2'],
  ])('by default refuses %s beyond a router (told why, never announced)', async (_name, host, peer, prefix, remote) => {
    const ns = await namespace(host, peer, prefix);
    await ns.addRoutedAddress(remote);
    // every interface, so the observer can be on loopback
    const r = await room({}, '::');
    const refused: [string, RefusalReason][] = [];
    r.server.on('refused', (who, reason) => refused.push([who, reason]));
    const observer = await r.join('127.0.0.1');
    const received = await ns.talk(host, r.port, 'let me in\n', undefined, remote);
    expect(received).toBe(OUT_OF_SCOPE);
    expect(refused.map(([, reason]) => reason)).toEqual(['out-of-scope']);
    expect(refused[0]![0].startsWith(formatPeer(remote, 0).replace(/:0$/, ':'))).toBe(true);
    await observer.write('marker\n');
    await observer.waitForText(frame(observer, 'marker'));
    expect(observer.text).toBe(frame(observer, 'marker'));
    expect(r.server.stats.totalJoined).toBe(1);
    // The same namespace from its address on the host's own subnet is welcome.
    const talking = ns.talk(host, r.port, 'from next door\n');
    const label = await said(r.server);
    await r.server.close();
    expect(await talking).toBe(frame(label, 'from next door'));
  });

  it.each([
    ['IPv4 (a lab numbered from public space)', '198.51.100.1', '198.51.100.2', 24],
    ['IPv6 (a home\'s global /64)', '2001:db8:7::1', '2001:db8:7::2', 64],
  ])('by default accepts a public address on a subnet of its own interfaces: %s', async (_name, host, peer, prefix) => {
    const ns = await namespace(host, peer, prefix);
    const r = await room({}, host);
    const talking = ns.talk(host, r.port, 'same lab\n');
    const label = await said(r.server);
    expect(label).toBe(formatPeer(peer, Number(label.slice(label.lastIndexOf(':') + 1))));
    await r.server.close();
    expect(await talking).toBe(frame(label, 'same lab'));
  });

  it.each([
    ['private 10/8', '10.77.0.1', '10.77.0.2', 24],
    ['private 192.168/16', '192.168.77.1', '192.168.77.2', 24],
    ['CGNAT 100.64/10', '100.77.0.1', '100.77.0.2', 24],
    ['link-local 169.254/16', '169.254.77.1', '169.254.77.2', 24],
    ['unique local fd00::/8', 'fd77::1', 'fd77::2', 64],
  ])('by default accepts a peer from %s', async (_name, host, peer, prefix) => {
    const ns = await namespace(host, peer, prefix);
    const r = await room({}, host);
    const talking = ns.talk(host, r.port, 'hello from next door\n');
    const label = await said(r.server);
    expect(label).toBe(formatPeer(peer, Number(label.slice(label.lastIndexOf(':') + 1))));
    await r.server.close();
    expect(await talking).toBe(frame(label, 'hello from next door'));
  });

  it("with allowPeers 'any', a public address is welcome", async () => {
    const ns = await namespace('10.81.0.1', '10.81.0.2', 24);
    await ns.addRoutedAddress('198.51.100.9');
    const r = await room({ allowPeers: 'any' }, '10.81.0.1');
    const talking = ns.talk('10.81.0.1', r.port, 'from afar\n', undefined, '198.51.100.9');
    const label = await said(r.server);
    await r.server.close();
    expect(await talking).toBe(frame(label, 'from afar'));
  });

  it('with limitLoopback false, a peer off loopback is still held to the limit per address', async () => {
    const host = '10.78.0.1';
    const ns = await namespace(host, '10.78.0.2', 24);
    const r = await room({ maxConnectionsPerAddress: 1, limitLoopback: false }, host);
    const first = ns.talk(host, r.port, 'first in\n');
    const label = await said(r.server);
    const second = await ns.talk(host, r.port, 'second\n');
    expect(second).toBe('Tincan: too many connections from your address; close one and try again.\n');
    await r.server.close();
    expect(await first).toBe(frame(label, 'first in'));
  });

  it('rejects a bad allowPeers', async () => {
    await expect(room({ allowPeers: 'everyone' as 'any' })).rejects.toThrow(/allowPeers must be 'any' or 'local-networks'/);
  });
});

/** Resolves with the peer of the first client that says something. */
function said(server: ChatServer): Promise<string> {
  return new Promise((resolve) => server.once('message', (client) => resolve(client.peer)));
}
