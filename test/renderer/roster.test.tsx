// @vitest-environment happy-dom
/**
 * Everyone's roster: a joiner's from the wire (complete, or partial "seen since you joined"),
 * its wording ("joined 10:18 · last spoke 2 min ago") and relative times that move on their
 * own, and ignoring a person: their lines fold into a quiet "N lines hidden" row that can be
 * revealed, undone from the roster.
 */
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientInfo, SessionStatus } from '../../main/common/ipc-contract';
import { hiddenRuns } from '../../renderer/src/lib/hidden-lines';
import { ignorePerson, unignorePerson } from '../../renderer/src/state/actions';
import { MAX_IGNORED_PEOPLE } from '../../main/common/ipc-contract';
import { initialChatState, peopleCount, reduceEvents, useChatStore } from '../../renderer/src/state/store';
import { FakeBridge, chatLine } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const SELF = '10.0.0.9:40000';
const ALICE = '10.0.0.5:50123';
const BOB = '10.0.0.6:4000';
const joined: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, roomName: 'Lab 3', connection: 'connected', self: SELF };

let app: RenderedApp | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
  vi.useRealTimers();
});

async function openRoom(status: SessionStatus = joined): Promise<RenderedApp> {
  const bridge = new FakeBridge();
  bridge.snapshot.status = status;
  app = await renderApp(bridge);
  return app;
}

function people(): HTMLElement {
  return screen.getByRole('complementary', { name: 'People' });
}

function rowOf(text: string): HTMLElement {
  return within(people()).getAllByRole('listitem').find((item) => item.textContent.includes(text))!;
}

function log(): HTMLElement {
  return screen.getByRole('log', { name: 'Messages' });
}

const entry = (id: number, peer: string, extra: Partial<ClientInfo> = {}): ClientInfo => ({ id, peer, connectedAt: Date.now(), linesSent: 0, ...extra });

describe('a joiner\'s roster', () => {
  it('shows who /who listed, with names, the room\'s name in the header, and the right count', async () => {
    const { emit } = await openRoom();
    emit([{ type: 'roster', clients: [entry(1, ALICE, { name: 'alice' }), entry(2, BOB), entry(3, SELF)] }]);
    expect(within(people()).getByRole('heading', { name: 'In the room (3)' })).toBeInTheDocument();
    expect(within(rowOf(ALICE)).getByText('alice')).toHaveClass('sender-name');
    expect(rowOf(SELF)).toHaveTextContent('(you)');
    // Names from /who reach the transcript too.
    emit([{ type: 'lines', lines: [chatLine({ peer: ALICE, text: 'hello' })] }]);
    expect(within(log()).getByText('hello').closest('li')!.querySelector('.sender-name')).toHaveTextContent('alice');
    const header = screen.getByRole('banner', { name: 'Connection' });
    expect(header).toHaveTextContent('Lab 3');
    expect(header).toHaveTextContent('3 people');
  });

  it('says when it only holds the people seen since joining', async () => {
    const { emit } = await openRoom();
    emit([{ type: 'roster', partial: true, clients: [entry(1, SELF), entry(2, ALICE, { before: true, linesSent: 1, lastSpokeAt: Date.now() })] }]);
    expect(within(people()).getByRole('heading', { name: 'Seen since you joined (2)' })).toBeInTheDocument();
    expect(within(people()).getByText(/gives no list of who is here/)).toBeInTheDocument();
    expect(rowOf(ALICE)).toHaveTextContent('here before you · last spoke just now');
  });
});

describe('roster wording', () => {
  it('"joined 10:18 · last spoke 2 min ago", moving on its own without drawing the row again', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date(2026, 11, 7, 10, 20, 0));
    const { emit } = await openRoom();
    const joinedAt = new Date(2026, 11, 7, 10, 18, 0).getTime();
    emit([{ type: 'roster', clients: [entry(1, ALICE, { connectedAt: joinedAt, lastSpokeAt: joinedAt, linesSent: 1 }), entry(2, SELF, { connectedAt: joinedAt })] }]);
    const row = rowOf(ALICE);
    const meta = row.querySelector('.roster-meta')!;
    expect(meta.textContent).toMatch(/^joined .*10.18.* · last spoke 2 min ago$/);
    expect(rowOf(SELF).querySelector('.roster-meta')!.textContent).toMatch(/^joined .*10.18.*$/);
    const name = row.querySelector('.sender')!;
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(meta.textContent).toMatch(/last spoke 3 min ago$/);
    // The row itself was not replaced: only the label moved.
    expect(row.querySelector('.sender')).toBe(name);
    expect(rowOf(ALICE)).toBe(row);
  });

  it('the host\'s line count moves with the line in the same batch', async () => {
    const hosting: SessionStatus = {
      mode: 'hosting',
      host: { port: 60003, scope: 'local', shareAddresses: [], roomName: null, advice: [] },
      connection: 'connected',
      self: SELF,
    };
    const { emit } = await openRoom(hosting);
    emit([{ type: 'roster', clients: [entry(1, ALICE), entry(2, SELF)] }]);
    const panel = screen.getByRole('complementary', { name: 'Room details' });
    emit([
      { type: 'lines', lines: [chatLine({ peer: ALICE, text: 'one' })] },
      { type: 'roster-changes', joined: [], left: [], lineCounts: [{ id: 1, linesSent: 1, lastSpokeAt: Date.now() }] },
    ]);
    const row = within(panel).getAllByRole('listitem').find((item) => item.textContent.includes(ALICE))!;
    expect(row).toHaveTextContent('last spoke just now · 1 line');
  });
});

describe('ignoring a person', () => {
  it('hides their lines as one quiet row, which can be revealed; undone from the roster', async () => {
    const { emit, bridge } = await openRoom();
    emit([{ type: 'roster', clients: [entry(1, ALICE, { name: 'alice' }), entry(2, SELF)] }]);
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ peer: ALICE, text: 'a1' }),
          chatLine({ peer: ALICE, text: 'a2' }),
          chatLine({ peer: BOB, text: 'b1' }),
          chatLine({ peer: ALICE, text: 'a3' }),
        ],
      },
    ]);
    fireEvent.click(within(rowOf(ALICE)).getByRole('button', { name: 'Ignore alice' }));
    // Paced (usePacedLines): the lines came just after the room opened.
    expect(await within(log()).findByText('2 lines hidden')).toBeInTheDocument();
    expect(within(log()).queryByText('a1')).toBeNull();
    expect(within(log()).getByText('1 line hidden')).toBeInTheDocument();
    expect(within(log()).getByText('b1')).toBeInTheDocument();
    expect(rowOf(ALICE)).toHaveTextContent('(ignored)');
    // Main hears of it, so alice's lines do not notify.
    expect(bridge.callsTo('setIgnored')).toEqual([{ peers: [ALICE] }]);
    // Kept: the store still holds every line.
    expect(useChatStore.getState().lines.map((line) => line.text)).toEqual(['a1', 'a2', 'b1', 'a3']);

    fireEvent.click(within(log()).getByRole('button', { name: 'Show 2 lines hidden' }));
    expect(within(log()).getByText('a1')).toBeInTheDocument();
    expect(within(log()).getByText('a2')).toBeInTheDocument();
    expect(within(log()).queryByText('a3')).toBeNull();
    // New lines from alice are hidden again.
    emit([{ type: 'lines', lines: [chatLine({ peer: ALICE, text: 'a4' })] }]);
    expect(await within(log()).findByText('2 lines hidden')).toBeInTheDocument();
    expect(within(log()).queryByText('a4')).toBeNull();

    fireEvent.click(within(rowOf(ALICE)).getByRole('button', { name: 'Stop ignoring alice' }));
    expect(bridge.callsTo('setIgnored')).toEqual([{ peers: [ALICE] }, { peers: [] }]);
    for (const text of ['a1', 'a2', 'a3', 'a4']) expect(within(log()).getByText(text)).toBeInTheDocument();
    expect(within(log()).queryByText(/hidden/)).toBeNull();
  });

  it('is bounded, per address, and never hides one\'s own lines or notices', () => {
    useChatStore.setState(initialChatState());
    for (let index = 0; index < MAX_IGNORED_PEOPLE + 10; index += 1) ignorePerson(`10.0.${index >> 8}.${index & 255}:1`);
    expect(useChatStore.getState().ignored.size).toBe(MAX_IGNORED_PEOPLE);
    unignorePerson('10.0.0.0:1');
    expect(useChatStore.getState().ignored.has('10.0.0.0:1')).toBe(false);
    const ignored = new Set([ALICE]);
    const lines = [
      chatLine({ peer: ALICE, text: 'x', self: true }),
      chatLine({ peer: ALICE, kind: 'connected', text: '' }),
      chatLine({ peer: ALICE, text: 'y' }),
    ];
    expect(hiddenRuns(lines, ignored, new Set())).toEqual({ starts: new Map([[2, [lines[2]!.seq]]]), inside: new Set() });
    expect(hiddenRuns(lines, new Set(), new Set())).toBeNull();
  });
});

describe('the joiner\'s head count', () => {
  it('comes from the roster once there is one', () => {
    const state = reduceEvents(initialChatState(), [
      { type: 'status', revision: 1, status: joined },
      { type: 'roster', clients: [entry(1, ALICE), entry(2, BOB), entry(3, SELF)] },
    ], 0);
    expect(peopleCount(state)).toBe(3);
  });
});
