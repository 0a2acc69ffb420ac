// @vitest-environment happy-dom
/**
 * Consecutive lines from one person grouped under one name and time, and who said what shown
 * by a mark (initials or a shape) beside the hue, never by colour alone.
 */
import '@testing-library/jest-dom/vitest';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatLine, SessionStatus } from '../../main/common/ipc-contract';
import { PersonMark } from '../../renderer/src/components/PersonMark';
import { GROUP_GAP_MS, continuesGroup } from '../../renderer/src/lib/grouping';
import { PEER_SHAPES, initialsOf, peerHueIndex, peerShape } from '../../renderer/src/lib/peer-colour';
import { FakeBridge, chatLine } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const SELF = '10.0.0.9:40000';
const ALICE = '10.0.0.5:50123';
const BOB = '10.0.0.6:50124';
const joined: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, connection: 'connected', self: SELF };
const T0 = new Date(2026, 10, 27, 14, 5, 0).getTime();

let app: RenderedApp | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

function log(): HTMLElement {
  return screen.getByRole('log', { name: 'Messages' });
}

function rowOf(text: string): HTMLElement {
  return within(log()).getByText(text).closest('li')!;
}

describe('continuesGroup', () => {
  const a = (overrides: Partial<ChatLine> = {}): ChatLine => chatLine({ peer: ALICE, at: T0, ...overrides });

  it('joins messages by the same person a few minutes apart', () => {
    expect(continuesGroup(a(), a({ at: T0 + 1000 }))).toBe(true);
    expect(continuesGroup(a(), a({ at: T0 + GROUP_GAP_MS }))).toBe(true);
    expect(continuesGroup(a({ self: true, peer: SELF }), a({ self: true, peer: SELF, at: T0 + 1 }))).toBe(true);
  });

  it('starts a new block for another person, a long pause, or anything that is not a message', () => {
    expect(continuesGroup(undefined, a())).toBe(false);
    expect(continuesGroup(a(), a({ peer: BOB }))).toBe(false);
    expect(continuesGroup(a(), a({ at: T0 + GROUP_GAP_MS + 1 }))).toBe(false);
    // A clock that went backwards is not "within a few minutes".
    expect(continuesGroup(a(), a({ at: T0 - 1 }))).toBe(false);
    // Our own line from the same address the server gave someone before us is not theirs.
    expect(continuesGroup(a(), a({ self: true }))).toBe(false);
    expect(continuesGroup(a({ kind: 'connected', text: '' }), a())).toBe(false);
    expect(continuesGroup(a(), a({ kind: 'disconnected', text: '' }))).toBe(false);
    expect(continuesGroup(a({ kind: 'notice', peer: ALICE }), a())).toBe(false);
    // Raw lines have no sender to group by.
    expect(continuesGroup(a({ kind: 'raw', peer: '' }), a({ kind: 'raw', peer: '' }))).toBe(false);
    // Said before we came and said after: the catch-up's footer stands between them.
    expect(continuesGroup(a({ replayed: true }), a())).toBe(false);
  });
});

describe('grouped rows in the transcript', () => {
  it('shows the name, mark and time once per block; a continuation keeps its time and sender for screen readers', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = joined;
    app = await renderApp(bridge);
    app.emit([
      {
        type: 'lines',
        lines: [
          chatLine({ peer: ALICE, text: 'one', at: T0 }),
          chatLine({ peer: ALICE, text: 'two', at: T0 + 20_000 }),
          chatLine({ peer: ALICE, text: 'three', at: T0 + 40_000 }),
          chatLine({ peer: ALICE, text: 'much later', at: T0 + 40_000 + GROUP_GAP_MS + 1 }),
          chatLine({ peer: BOB, text: 'bob speaks', at: T0 + 40_000 + GROUP_GAP_MS + 2 }),
          chatLine({ peer: BOB, kind: 'disconnected', text: '', at: T0 + 40_000 + GROUP_GAP_MS + 3 }),
          chatLine({ peer: BOB, kind: 'connected', text: '', at: T0 + 40_000 + GROUP_GAP_MS + 4 }),
          chatLine({ peer: BOB, text: 'bob is back', at: T0 + 40_000 + GROUP_GAP_MS + 5 }),
          chatLine({ peer: SELF, self: true, text: 'mine', at: T0 + 40_000 + GROUP_GAP_MS + 6 }),
          chatLine({ peer: SELF, self: true, text: 'mine too', at: T0 + 40_000 + GROUP_GAP_MS + 7 }),
        ],
      },
    ]);
    const heads = ['one', 'much later', 'bob speaks', 'bob is back', 'mine'];
    const continued = ['two', 'three', 'mine too'];
    for (const text of heads) {
      const row = rowOf(text);
      expect(row, text).not.toHaveClass('row-grouped');
      expect(row.querySelector('.time'), text).not.toHaveClass('time-grouped');
      expect(row.querySelector('.sender'), text).not.toHaveClass('visually-hidden');
    }
    for (const text of continued) {
      const row = rowOf(text);
      expect(row, text).toHaveClass('row-grouped');
      expect(row.querySelector('.person-mark'), text).toBeNull();
      // The time is still there (shown on hover or focus) with its full date for tooltips and screen readers.
      const time = row.querySelector('time')!;
      expect(time).toHaveClass('time-grouped');
      expect(time.getAttribute('dateTime')).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(time.getAttribute('title')).not.toBe('');
      // Who said it is still read aloud.
      expect(row.querySelector('.sender')).toHaveClass('visually-hidden');
    }
    expect(rowOf('two').querySelector('.sender')).toHaveTextContent(ALICE);
    expect(rowOf('mine too').querySelector('.sender')).toHaveTextContent('You');
    // Others' blocks start with their mark; our own rows say "you" instead.
    expect(rowOf('one').querySelector('.person-mark')).not.toBeNull();
    expect(rowOf('mine').querySelector('.person-mark')).toBeNull();
  });

  it('appending a line to a block changes no row already shown', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = joined;
    app = await renderApp(bridge);
    app.emit([{ type: 'lines', lines: [chatLine({ peer: ALICE, text: 'first', at: T0 }), chatLine({ peer: ALICE, text: 'second', at: T0 + 1 })] }]);
    const rows = log().querySelector('ol.rows')!;
    const before = [...rows.children];
    const changed: Node[] = [];
    const observer = new MutationObserver((records) => {
      for (const record of records) changed.push(record.target);
    });
    for (const row of before) observer.observe(row, { subtree: true, attributes: true, childList: true, characterData: true });
    app.emit([{ type: 'lines', lines: [chatLine({ peer: ALICE, text: 'third', at: T0 + 2 })] }]);
    // Paced (usePacedLines): this update follows the previous one closely.
    await waitFor(() => expect(rowOf('third')).toHaveClass('row-grouped'));
    observer.takeRecords();
    observer.disconnect();
    expect(changed).toEqual([]);
    expect([...rows.children].slice(0, before.length)).toEqual(before);
  });

  it('a name notice between two lines breaks the block (it is a row of its own)', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = joined;
    app = await renderApp(bridge);
    app.emit([
      {
        type: 'lines',
        lines: [
          chatLine({ peer: ALICE, text: 'before', at: T0 }),
          chatLine({ kind: 'notice', peer: ALICE, text: `Tincan: [${ALICE}] is now alice`, at: T0 + 1, notice: { kind: 'name', peer: ALICE, name: 'alice', previous: null } }),
          chatLine({ peer: ALICE, text: 'after', at: T0 + 2 }),
        ],
      },
    ]);
    expect(rowOf('after')).not.toHaveClass('row-grouped');
    expect(rowOf('after').querySelector('.person-mark')).toHaveTextContent('A');
  });
});

describe('PersonMark', () => {
  it('shows initials from a name, else a shape from the address', () => {
    expect(initialsOf('alice')).toBe('A');
    expect(initialsOf('  Ana   María López ')).toBe('AM');
    expect(initialsOf('élodie')).toBe('É');
    // A stack of combining marks is cut to a bounded initial.
    expect(initialsOf(`z${'\u0301'.repeat(5000)}`).length).toBeLessThanOrEqual(12);
    const { container, rerender } = render(<PersonMark peer={ALICE} name="alice bell" />);
    const mark = container.querySelector('.person-mark')!;
    expect(mark).toHaveTextContent('AB');
    expect(mark).toHaveAttribute('aria-hidden', 'true');
    rerender(<PersonMark peer={ALICE} name={null} />);
    expect(container.querySelector('.person-mark')).toHaveAttribute('data-mark', peerShape(ALICE));
    expect(container.querySelector('.person-mark svg path')).not.toBeNull();
  });

  it('tells apart people whose hues collide, by shape', () => {
    // Among people who share one hue, the shapes spread over all of them.
    const sameHue = Array.from({ length: 3000 }, (_, i) => `10.0.${i >> 8}.${i & 255}:50000`).filter((peer) => peerHueIndex(peer) === 7);
    expect(sameHue.length).toBeGreaterThan(50);
    const shapes = new Set(sameHue.map(peerShape));
    expect([...shapes].sort()).toEqual([...PEER_SHAPES].sort());
    // Ports one apart (the same computer reconnecting) rarely share both.
    let both = 0;
    for (let port = 50000; port < 50200; port += 1) {
      const a = `192.168.1.20:${port}`;
      const b = `192.168.1.20:${port + 1}`;
      if (peerHueIndex(a) === peerHueIndex(b) && peerShape(a) === peerShape(b)) both += 1;
    }
    expect(both).toBeLessThan(10);
  });
});
