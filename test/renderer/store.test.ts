import { beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent, SessionStatus } from '../../main/common/ipc-contract';
import {
  MAX_NOTICES,
  MAX_PRESENT_PEERS,
  MAX_TRANSCRIPT_CHARS,
  MAX_TRANSCRIPT_LINES,
  applyBridgeEvents,
  initialChatState,
  peopleCount,
  reduceEvents,
  useChatStore,
} from '../../renderer/src/state/store';
import { resetChatStore } from './chat-store';
import { chatLine, statusEvent } from './fake-bridge';

const joined: SessionStatus = {
  mode: 'joined',
  target: { host: '10.0.0.1', port: 60003 },
  connection: 'connected',
  self: '10.0.0.9:40000',
};

function reduce(events: BridgeEvent[], now = 1000) {
  applyBridgeEvents(events, now);
  return useChatStore.getState();
}

describe('chat store reducer', () => {
  beforeEach(() => resetChatStore());

  it('starts idle and empty, and reset brings it back', () => {
    expect(useChatStore.getState()).toMatchObject({ status: { mode: 'idle' }, lines: [], ready: false });
    reduce([{ type: 'lines', lines: [chatLine()] }]);
    expect(useChatStore.getState().lines).toHaveLength(1);
    resetChatStore();
    expect(useChatStore.getState().lines).toHaveLength(0);
  });

  it('appends lines from every lines event of a batch, in order', () => {
    const a = chatLine({ text: 'a' });
    const b = chatLine({ text: 'b' });
    const c = chatLine({ text: 'c' });
    const state = reduce([
      { type: 'lines', lines: [a, b] },
      statusEvent(joined),
      { type: 'lines', lines: [c] },
    ]);
    expect(state.lines.map((line) => line.text)).toEqual(['a', 'b', 'c']);
    expect(state.status).toEqual(joined);
  });

  it('keeps the transcript bounded and counts what it dropped', () => {
    const first = Array.from({ length: MAX_TRANSCRIPT_LINES - 10 }, () => chatLine());
    reduce([{ type: 'lines', lines: first }]);
    const more = Array.from({ length: 25 }, () => chatLine());
    const state = reduce([{ type: 'lines', lines: more }]);
    expect(state.lines).toHaveLength(MAX_TRANSCRIPT_LINES);
    expect(state.droppedLines).toBe(15);
    expect(state.lines[state.lines.length - 1]).toBe(more[24]);
    expect(state.lines[0]).toBe(first[15]);

    // A single batch bigger than the cap keeps only its own tail.
    const huge = Array.from({ length: MAX_TRANSCRIPT_LINES + 5 }, () => chatLine());
    const after = reduce([{ type: 'lines', lines: huge }]);
    expect(after.lines).toHaveLength(MAX_TRANSCRIPT_LINES);
    expect(after.lines[0]).toBe(huge[5]);
    expect(after.droppedLines).toBe(15 + MAX_TRANSCRIPT_LINES + 5);
  });

  it('caps the transcript in characters too: a few huge lines push the old ones out', () => {
    reduce([{ type: 'lines', lines: Array.from({ length: 100 }, () => chatLine({ text: 'small' })) }]);
    const huge = Array.from({ length: 200 }, () => chatLine({ text: 'h'.repeat(60_000) }));
    const state = reduce([{ type: 'lines', lines: huge }]);
    expect(state.transcriptChars).toBeLessThanOrEqual(MAX_TRANSCRIPT_CHARS);
    expect(state.transcriptChars).toBe(state.lines.reduce((sum, line) => sum + line.text.length + line.peer.length, 0));
    expect(state.lines.at(-1)).toBe(huge.at(-1));
    expect(state.lines.length).toBeLessThan(100);
    expect(state.droppedLines).toBe(300 - state.lines.length);
    // One line over the cap on its own is still shown.
    const giant = chatLine({ text: 'g'.repeat(MAX_TRANSCRIPT_CHARS + 10) });
    expect(reduce([{ type: 'lines', lines: [giant] }]).lines).toEqual([giant]);
  });

  it('skips a line it already has (a reloaded page gets some twice)', () => {
    const a = chatLine({ text: 'a' });
    const b = chatLine({ text: 'b' });
    reduce([{ type: 'lines', lines: [a, b] }]);
    const state = reduce([{ type: 'lines', lines: [a, b, chatLine({ text: 'c' })] }]);
    expect(state.lines.map((line) => line.text)).toEqual(['a', 'b', 'c']);
  });

  it('believes at most MAX_PRESENT_PEERS join notices from a host', () => {
    reduce([statusEvent(joined)]);
    const forged = Array.from({ length: MAX_PRESENT_PEERS + 500 }, (_, i) => chatLine({ kind: 'connected', peer: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:1`, text: '' }));
    const state = reduce([{ type: 'lines', lines: forged }]);
    expect(state.presentPeers.size).toBe(MAX_PRESENT_PEERS);
  });

  it('does not copy the transcript for a batch without lines', () => {
    reduce([{ type: 'lines', lines: [chatLine()] }]);
    const before = useChatStore.getState().lines;
    const after = reduce([{ type: 'roster', clients: [] }]).lines;
    expect(after).toBe(before);
  });

  it('counts a joiner’s room from connected/disconnected notices, never counting itself twice', () => {
    reduce([statusEvent(joined)]);
    expect(peopleCount(useChatStore.getState())).toBe(1);
    reduce([
      {
        type: 'lines',
        lines: [
          chatLine({ kind: 'connected', peer: '10.0.0.2:1', text: '' }),
          chatLine({ kind: 'connected', peer: '10.0.0.3:1', text: '' }),
          // Someone who was there before us shows up by talking.
          chatLine({ kind: 'message', peer: '10.0.0.4:1', text: 'hi' }),
          chatLine({ kind: 'message', peer: '10.0.0.9:40000', text: 'me', self: true }),
          chatLine({ kind: 'raw', peer: '', text: 'welcome banner' }),
        ],
      },
    ]);
    expect(peopleCount(useChatStore.getState())).toBe(4);
    reduce([{ type: 'lines', lines: [chatLine({ kind: 'disconnected', peer: '10.0.0.3:1', text: '' })] }]);
    expect(peopleCount(useChatStore.getState())).toBe(3);
    expect([...useChatStore.getState().presentPeers].sort()).toEqual(['10.0.0.2:1', '10.0.0.4:1']);
  });

  it('forgets the room’s people when the session goes idle', () => {
    reduce([statusEvent(joined), { type: 'lines', lines: [chatLine({ kind: 'connected', peer: '10.0.0.2:1' })] }]);
    const state = reduce([statusEvent({ mode: 'idle' })]);
    expect(state.presentPeers.size).toBe(0);
    expect(peopleCount(state)).toBeNull();
  });

  it('counts a host’s room from the roster', () => {
    const hosting: SessionStatus = {
      mode: 'hosting',
      host: { port: 60003, scope: 'lan', shareAddresses: [{ address: '192.168.1.20:60003', interfaceName: 'eth0', label: 'Ethernet (eth0)' }], roomName: null, advice: [] },
      connection: 'connected',
      self: '127.0.0.1:5000',
    };
    const roster = [
      { id: 1, peer: '127.0.0.1:5000', connectedAt: 1, linesSent: 0 },
      { id: 2, peer: '10.0.0.2:1', connectedAt: 2, linesSent: 3 },
    ];
    const state = reduce([statusEvent(hosting), { type: 'roster', clients: roster }]);
    expect(state.roster).toBe(roster);
    expect(peopleCount(state)).toBe(2);
  });

  it('keeps the newest status by main’s revision, whichever way a status arrives', () => {
    reduce([{ type: 'status', revision: 5, status: joined }]);
    // An older report (a late snapshot or answer) does not overwrite it.
    const state = reduce([{ type: 'status', revision: 4, status: { mode: 'idle' } }]);
    expect(state.status).toEqual(joined);
    expect(state.statusRevision).toBe(5);
    expect(reduce([{ type: 'status', revision: 6, status: { mode: 'idle' } }]).status).toEqual({ mode: 'idle' });
  });

  it('applies roster changes to the roster it has', () => {
    const alice = { id: 1, peer: '127.0.0.1:5000', connectedAt: 1, linesSent: 0 };
    const bob = { id: 2, peer: '10.0.0.2:1', connectedAt: 2, linesSent: 0 };
    reduce([{ type: 'roster', clients: [alice] }]);
    let state = reduce([{ type: 'roster-changes', joined: [bob], left: [], lineCounts: [{ id: 1, linesSent: 3 }] }], 7000);
    expect(state.roster).toEqual([{ ...alice, linesSent: 3 }, bob]);
    expect(state.rosterAt).toBe(7000);
    state = reduce([{ type: 'roster-changes', joined: [], left: [1], lineCounts: [] }]);
    expect(state.roster).toEqual([bob]);
  });

  it('records a reconnect with the time of the next try, and clears it once connected again', () => {
    reduce([statusEvent(joined)]);
    let state = reduce(
      [
        statusEvent({ ...joined, connection: 'reconnecting', self: null }),
        { type: 'reconnecting', attempt: 2, delayMs: 4000, reason: 'The host closed the connection.' },
      ],
      50_000,
    );
    expect(state.reconnecting).toEqual({ attempt: 2, delayMs: 4000, reason: 'The host closed the connection.', nextTryAt: 54_000 });
    state = reduce([statusEvent(joined)]);
    expect(state.reconnecting).toBeNull();
  });

  it('keeps only the latest notices', () => {
    for (let i = 0; i < MAX_NOTICES + 3; i += 1) reduce([{ type: 'notice', level: 'info', message: `n${i}` }]);
    const { notices } = useChatStore.getState();
    expect(notices.map((notice) => notice.message)).toEqual(
      Array.from({ length: MAX_NOTICES }, (_, i) => `n${i + 3}`),
    );
    expect(new Set(notices.map((notice) => notice.id)).size).toBe(MAX_NOTICES);
  });

  it('is pure: reduceEvents leaves its input state alone', () => {
    const state = initialChatState();
    const frozenLines = state.lines;
    const next = reduceEvents(state, [{ type: 'lines', lines: [chatLine({ kind: 'connected', peer: '1.2.3.4:5' })] }], 0);
    expect(state.lines).toBe(frozenLines);
    expect(state.lines).toHaveLength(0);
    expect(state.presentPeers.size).toBe(0);
    expect(next.presentPeers.size).toBe(1);
  });
});
