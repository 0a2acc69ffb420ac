import { describe, expect, it } from 'vitest';
import { RosterFeed, type RosterServer } from '../../main/app/roster-feed';
import type { BridgeEvent } from '../../main/common/ipc-contract';
import { applyRosterChanges, type ClientInfo } from '../../main/common/roster';
import { useCleanup } from '../support/cleanup';
import { useRooms } from '../support/room';
import { connectTls, tlsOption } from '../support/tls';
import { waitUntil } from '../support/wait';

const defer = useCleanup();
const room = useRooms();

/** A feed over `server`, folded the way the renderer folds it. */
function watch(server: RosterServer) {
  let wakes = 0;
  const feed = new RosterFeed(server, () => (wakes += 1));
  defer(() => feed.close());
  let roster: ClientInfo[] = feed.clients();
  const events: BridgeEvent[] = [];
  return {
    feed,
    events,
    wakes: () => wakes,
    roster: () => roster,
    /** One batch's worth: what the feed contributes at a delivery. */
    collect(): BridgeEvent | null {
      const event = feed.collect();
      if (event?.type === 'roster-changes') roster = applyRosterChanges(roster, event);
      if (event !== null) events.push(event);
      return event;
    },
  };
}

describe('RosterFeed', () => {
  it('reports arrivals and departures as changes, and never a visit that began and ended between two batches', async () => {
    const testRoom = await room();
    const view = watch(testRoom.server);
    expect(view.feed.whole()).toEqual({ type: 'roster', clients: [] });
    const alice = await testRoom.join();
    const bob = await testRoom.join();
    expect(view.wakes()).toBeGreaterThanOrEqual(2);
    expect(view.collect()).toMatchObject({ type: 'roster-changes', joined: [{ peer: alice.label }, { peer: bob.label }], left: [] });
    expect(view.collect()).toBeNull();

    const carol = await testRoom.join();
    carol.destroy();
    await waitUntil(() => testRoom.server.clients().length === 2, 'Carol to leave');
    expect(view.collect()).toBeNull();

    bob.destroy();
    await waitUntil(() => testRoom.server.clients().length === 1, 'Bob to leave');
    expect(view.collect()).toMatchObject({ type: 'roster-changes', joined: [], left: [expect.any(Number)] });
    expect(view.roster().map((client) => client.peer)).toEqual([alice.label]);
    expect(view.feed.clients()).toEqual(testRoom.server.clients());
  });

  it('says who is connected in plain text and who over TLS (their lines travel in clear or not)', async () => {
    const testRoom = await room({ admitDelayMs: 50, tls: await tlsOption() });
    const view = watch(testRoom.server);
    const plain = await testRoom.connect();
    await plain.write('hi\n');
    const secure = await connectTls(testRoom);
    await waitUntil(() => testRoom.server.clients().length === 2, 'both to join');
    expect(view.collect()).toMatchObject({
      type: 'roster-changes',
      joined: [{ peer: plain.label, encrypted: false }, { peer: secure.label, encrypted: true }],
    });
    expect(view.feed.whole()).toMatchObject({ clients: [{ encrypted: false }, { encrypted: true }] });
  });

  it('counts a line in the batch that carries it, with when it was said, and reports only the counts that moved', async () => {
    const testRoom = await room();
    const alice = await testRoom.join();
    const bob = await testRoom.join();
    const view = watch(testRoom.server);
    // The server's list is read once, at the start; lines never read it again.
    view.feed.spoke(alice.label, 1000);
    expect(view.collect()).toMatchObject({ type: 'roster-changes', lineCounts: [{ linesSent: 1, lastSpokeAt: 1000 }] });
    for (let i = 0; i < 500; i += 1) view.feed.spoke(alice.label, 2000 + i);
    view.feed.spoke('10.9.9.9:1', 3000); // nobody the roster knows
    const event = view.collect();
    expect(event?.type === 'roster-changes' && event.lineCounts).toEqual([{ id: expect.any(Number) as unknown, linesSent: 501, lastSpokeAt: 2499 }]);
    expect(view.roster().find((client) => client.peer === alice.label)).toMatchObject({ linesSent: 501, lastSpokeAt: 2499 });
    // Only Alice talked: Bob's entry is the same object as before.
    expect(view.roster().find((client) => client.peer === bob.label)).toMatchObject({ linesSent: 0 });
    expect(view.roster().find((client) => client.peer === bob.label)?.lastSpokeAt).toBeUndefined();
    expect(view.collect()).toBeNull();
  });
});

describe('applyRosterChanges', () => {
  const client = (id: number, linesSent = 0): ClientInfo => ({ id, peer: `10.0.0.${id}:5000`, connectedAt: id, linesSent });

  it('applies departures, counts and arrivals, oldest first, without touching its input', () => {
    const before = [client(1), client(2), client(4)];
    const frozen = structuredClone(before);
    const after = applyRosterChanges(before, { joined: [client(3), client(5)], left: [2], lineCounts: [{ id: 4, linesSent: 9 }] });
    expect(after).toEqual([client(1), client(3), client(4, 9), client(5)]);
    expect(before).toEqual(frozen);
    // Unchanged entries are the same objects (cheap for React).
    expect(after[0]).toBe(before[0]);
  });

  it('ignores a repeated arrival and a departure it does not know', () => {
    expect(applyRosterChanges([client(1)], { joined: [client(1)], left: [7], lineCounts: [{ id: 8, linesSent: 1 }] })).toEqual([client(1)]);
  });
});
