// @vitest-environment happy-dom
/** The renderer's history, search, settings and attention UI against the fake bridge. */
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryViewLine, SearchHit, SessionStatus } from '../../main/common/ipc-contract';
import { connectToBridge } from '../../renderer/src/state/actions';
import { useChatStore } from '../../renderer/src/state/store';
import { resetChatStore } from './chat-store';
import { FakeBridge, chatLine, defaultTestPreferences, installFakeBridge, statusEvent } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const ROOM = { host: '10.0.0.1', port: 60003 };
const joined: SessionStatus = { mode: 'joined', target: ROOM, connection: 'connected', self: '10.0.0.9:40000' };

let app: RenderedApp | null = null;

afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

function stored(id: number, text: string, seq: number | null = null, overrides: Partial<HistoryViewLine> = {}): HistoryViewLine {
  return { id, roomId: 1, at: Date.UTC(2026, 11, 1, 14, 0, id % 60), sender: '10.0.0.7:50123', text, kind: 'message', ours: false, seq, ...overrides };
}

async function openRoom(setup: (bridge: FakeBridge) => void = () => undefined): Promise<RenderedApp> {
  const bridge = new FakeBridge();
  bridge.snapshot.status = joined;
  setup(bridge);
  app = await renderApp(bridge);
  return app;
}

function log(): HTMLElement {
  return screen.getByRole('log', { name: 'Messages' });
}

/** The text of each message row, dividers left out. */
function rowTexts(): string[] {
  return [...log().querySelectorAll('li[data-seq]')].map((row) => row.querySelector('.text')?.textContent ?? '');
}

/** Every list item: rows and dividers, in order. */
function items(): HTMLElement[] {
  return [...log().querySelectorAll<HTMLElement>('li')];
}

describe('history in the transcript', () => {
  it('a reload in a room restores it from the history, earlier visits above an "earlier" divider', async () => {
    const live = [chatLine({ text: 'this visit 1' }), chatLine({ text: 'this visit 2' })];
    const { emit, bridge } = await openRoom((bridge) => {
      bridge.historyViewHandler = async () => ({
        ok: true,
        value: {
          room: ROOM,
          lines: [stored(1, 'last week'), stored(2, 'yesterday'), stored(3, 'this visit 1', live[0]!.seq), stored(4, 'this visit 2', live[1]!.seq)],
          hasMore: false,
          visitStartId: 2,
          liveSeq: live[1]!.seq,
        },
      });
    });
    await waitFor(() => expect(rowTexts()).toEqual(['last week', 'yesterday', 'this visit 1', 'this visit 2']));
    expect(bridge.callsTo('historyView')).toEqual([{ beforeId: null }]);
    const divider = within(log()).getByRole('separator', { name: /^Earlier history above/ }).closest('li')!;
    expect(items().filter((item) => !item.classList.contains('divider-date')).indexOf(divider)).toBe(2);
    // Live copies of lines the history brought are not shown twice.
    emit([{ type: 'lines', lines: [...live, chatLine({ text: 'new line' })] }]);
    // Paced (usePacedLines): this update follows the history's closely.
    await waitFor(() => expect(rowTexts()).toEqual(['last week', 'yesterday', 'this visit 1', 'this visit 2', 'new line']));
  });

  it('pages older history from main as the user asks for earlier messages', async () => {
    await openRoom((bridge) => {
      bridge.historyViewHandler = async (request) =>
        request.beforeId === null
          ? { ok: true, value: { room: ROOM, lines: [stored(10, 'ten'), stored(11, 'eleven')], hasMore: true, visitStartId: 11, liveSeq: 0 } }
          : { ok: true, value: { room: ROOM, lines: [stored(8, 'eight'), stored(9, 'nine')], hasMore: false, visitStartId: 11, liveSeq: 0 } };
    });
    await waitFor(() => expect(rowTexts()).toEqual(['ten', 'eleven']));
    fireEvent.click(screen.getByRole('button', { name: 'Show earlier messages' }));
    await waitFor(() => expect(rowTexts()).toEqual(['eight', 'nine', 'ten', 'eleven']));
    expect(app!.bridge.callsTo('historyView')).toEqual([{ beforeId: null }, { beforeId: 10 }]);
    expect(screen.queryByRole('button', { name: 'Show earlier messages' })).toBeNull();
  });

  it('a history reset from main (cleared, retention changed) reloads what is shown', async () => {
    let cleared = false;
    const { emit } = await openRoom((bridge) => {
      bridge.historyViewHandler = async () => ({
        ok: true,
        value: { room: ROOM, lines: cleared ? [] : [stored(1, 'old')], hasMore: false, visitStartId: 1, liveSeq: 0 },
      });
    });
    await waitFor(() => expect(rowTexts()).toEqual(['old']));
    cleared = true;
    emit([{ type: 'history', status: { available: true, engine: 'fts5', persistent: true, retention: 'forever' }, reset: true }]);
    await waitFor(() => expect(rowTexts()).toEqual([]));
  });

  it('says plainly when history is unavailable; the chat screen still works', async () => {
    await openRoom((bridge) => {
      bridge.snapshot.history = { available: false, reason: 'another Tincan is using the history file (/h).', retention: 'forever' };
    });
    expect(screen.getByText(/History is unavailable: another Tincan is using the history file \(\/h\)\. The chat goes on/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    const save = screen.getByRole('menuitem', { name: /Save transcript…/ });
    expect(save).toHaveAttribute('aria-disabled', 'true');
    expect(save).toHaveTextContent('History is unavailable, so there is no transcript to save.');
    fireEvent.click(save);
    expect(screen.getByRole('menu', { name: 'More' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeEnabled();
  });
});

describe('history and the snapshot after a reload', () => {
  it('the snapshot’s recent lines show at once; the history then takes their place, a skipped stand-in goes, nothing twice', async () => {
    const one = chatLine({ text: 'one' });
    const skipped = chatLine({ kind: 'skipped', peer: '', text: '2 lines skipped while catching up' });
    const two = { seq: skipped.seq, text: 'two' };
    const twoAndAHalf = { seq: skipped.seq + 1, text: 'two and a half' };
    const three = chatLine({ seq: skipped.seq + 2, text: 'three' });
    let answer = (): void => undefined;
    const historyIn = new Promise<void>((resolve) => (answer = resolve));
    const { emit } = await openRoom((bridge) => {
      bridge.snapshot.lines = [one, skipped, three];
      bridge.historyViewHandler = async () => {
        await historyIn;
        const lines = [stored(1, 'one', one.seq), stored(2, two.text, two.seq), stored(3, twoAndAHalf.text, twoAndAHalf.seq), stored(4, 'three', three.seq)];
        return { ok: true, value: { room: ROOM, lines, hasMore: false, visitStartId: 0, liveSeq: three.seq } };
      };
    });
    expect(rowTexts()).toEqual(['one', '2 lines skipped while catching up', 'three']);
    answer();
    await waitFor(() => expect(rowTexts()).toEqual(['one', 'two', 'two and a half', 'three']));
    // Live copies (a batch that was in flight when the page reloaded) are not shown twice.
    const four = chatLine({ seq: three.seq + 1, text: 'four' });
    emit([{ type: 'lines', lines: [skipped, three, four] }]);
    // Paced (usePacedLines): this update follows the history's closely.
    await waitFor(() => expect(rowTexts()).toEqual(['one', 'two', 'two and a half', 'three', 'four']));
  });

  it('without history the snapshot’s lines restore the room', async () => {
    const lines = [chatLine({ text: 'kept by main' }), chatLine({ text: 'for the reload' })];
    const { bridge } = await openRoom((bridge) => {
      bridge.snapshot.lines = lines;
      bridge.snapshot.history = { available: false, reason: 'another Tincan is using the history file (/h).', retention: 'forever' };
      bridge.historyViewHandler = async () => ({ ok: false, error: 'History is unavailable.' });
    });
    await waitFor(() => expect(bridge.callsTo('historyView')).toHaveLength(1));
    expect(rowTexts()).toEqual(['kept by main', 'for the reload']);
  });

  it('history loaded before the snapshot arrived (a status overtook it) stays; the snapshot adds only what it lacks', async () => {
    const fake = new FakeBridge();
    const one = chatLine({ text: 'one' });
    const two = chatLine({ text: 'two' });
    const three = chatLine({ text: 'three' });
    fake.snapshot.status = joined;
    fake.snapshot.lines = [one, two, three];
    fake.historyViewHandler = async () => ({
      ok: true,
      value: { room: ROOM, lines: [stored(1, 'last week'), stored(2, 'one', one.seq), stored(3, 'two', two.seq)], hasMore: false, visitStartId: 1, liveSeq: two.seq },
    });
    let answer = (): void => undefined;
    fake.snapshotGate = new Promise((resolve) => (answer = resolve));
    const uninstall = installFakeBridge(fake);
    resetChatStore();
    const disconnect = connectToBridge();
    try {
      fake.emit([statusEvent(joined)]);
      await waitFor(() => expect(useChatStore.getState().lines.map((line) => line.text)).toEqual(['last week', 'one', 'two']));
      answer();
      await waitFor(() => expect(useChatStore.getState().ready).toBe(true));
      const state = useChatStore.getState();
      expect(state.lines.map((line) => line.text)).toEqual(['last week', 'one', 'two', 'three']);
      expect(state.lines.filter((line) => line.historyId !== undefined)).toHaveLength(3);
      expect(state.transcriptChars).toBe(state.lines.reduce((sum, line) => sum + line.text.length + line.peer.length, 0));
    } finally {
      disconnect();
      uninstall();
    }
  });
});

describe('unread and mentions', () => {
  it('puts the unread count in the title and an unread divider before the first unread line', async () => {
    const { emit } = await openRoom();
    const lines = [chatLine({ text: 'seen' }), chatLine({ text: 'first unread' }), chatLine({ text: 'second unread' })];
    emit([{ type: 'lines', lines }]);
    emit([{ type: 'unread', count: 2, mentions: 0, firstUnreadSeq: lines[1]!.seq }]);
    expect(document.title).toBe('(2) Tincan — 10.0.0.1:60003');
    const divider = within(log()).getByRole('separator', { name: 'Unread messages below' }).closest('li')!;
    expect(items()[items().indexOf(divider) + 1]).toHaveTextContent('first unread');
    emit([{ type: 'unread', count: 0, mentions: 0, firstUnreadSeq: null }]);
    expect(document.title).toBe('Tincan — 10.0.0.1:60003');
    expect(within(log()).queryByRole('separator', { name: 'Unread messages below' })).toBeNull();
  });

  it('the unread divider goes above the line standing in for skipped lines when the first unread one is among them', async () => {
    const { emit } = await openRoom();
    const seen = chatLine({ text: 'seen' });
    const skipped = chatLine({ kind: 'skipped', peer: '', text: '4 lines skipped while catching up' });
    const after = chatLine({ seq: skipped.seq + 4, text: 'after the gap' });
    emit([{ type: 'lines', lines: [seen, skipped, after] }]);
    emit([{ type: 'unread', count: 3, mentions: 0, firstUnreadSeq: skipped.seq + 2 }]);
    const divider = within(log()).getByRole('separator', { name: 'Unread messages below' }).closest('li')!;
    expect(items()[items().indexOf(divider) + 1]).toHaveTextContent('4 lines skipped while catching up');
    // A first unread line that fell off the front: the divider tops the lines after it.
    emit([{ type: 'unread', count: 3, mentions: 0, firstUnreadSeq: seen.seq - 1 }]);
    expect(items()[items().indexOf(within(log()).getByRole('separator', { name: 'Unread messages below' }).closest('li')!) + 1]).toHaveTextContent('seen');
    expect(within(log()).getAllByRole('separator', { name: 'Unread messages below' })).toHaveLength(1);
  });

  it('highlights the user’s keywords in others’ messages, on word boundaries', async () => {
    const { emit } = await openRoom((bridge) => {
      bridge.snapshot.preferences = defaultTestPreferences({ mentionKeywords: ['Ann'] });
    });
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ text: 'hey ANN, look at https://example.com/ann' }),
          chatLine({ text: 'Anna is here' }),
          chatLine({ text: 'ann (me)', self: true, peer: '10.0.0.9:40000' }),
        ],
      },
    ]);
    const [mention, notAMention, own] = [...log().querySelectorAll('li[data-seq]')];
    expect(mention).toHaveClass('row-mention');
    expect([...mention!.querySelectorAll('mark.mention')].map((mark) => mark.textContent)).toEqual(['ANN', 'ann']);
    expect(mention!.querySelector('a mark.mention')).not.toBeNull();
    expect(notAMention).not.toHaveClass('row-mention');
    expect(own!.querySelector('mark')).toBeNull();
  });

  it('tells main when the window loses the focus', async () => {
    const { bridge } = await openRoom();
    act(() => {
      window.dispatchEvent(new Event('blur'));
    });
    expect(bridge.callsTo('setViewState').at(-1)).toEqual({ focused: false, atBottom: true });
    act(() => {
      window.dispatchEvent(new Event('focus'));
    });
    expect(bridge.callsTo('setViewState').at(-1)).toEqual({ focused: true, atBottom: true });
  });

  it('a clicked notification brings its line into view, marked', async () => {
    const { emit } = await openRoom();
    const lines = [chatLine({ text: 'before' }), chatLine({ text: 'the one' }), chatLine({ text: 'after' })];
    emit([{ type: 'lines', lines }]);
    emit([{ type: 'jump', seq: lines[1]!.seq }]);
    await waitFor(() => expect(log().querySelector('.row-target')).toHaveTextContent('the one'));
  });
});

describe('search', () => {
  const hit: SearchHit = {
    line: stored(42, 'the budget meeting moved', null, { at: Date.UTC(2026, 10, 2, 9, 30, 0) }),
    room: { id: 2, host: '10.0.0.2', port: 60003, name: null, lastAt: null },
    matches: [[11, 18]],
  };

  it('Ctrl+F searches this room or all rooms; results show room, time and highlighted matches; Enter shows the hit in context', async () => {
    const { bridge } = await openRoom((bridge) => {
      bridge.searchHandler = async () => ({ ok: true, value: { hits: [hit], hasMore: false, terms: ['meeting'], engine: 'fts5' } });
      bridge.historyContextHandler = async () => ({
        ok: true,
        value: {
          room: hit.room,
          lines: [stored(41, 'agenda first'), hit.line, stored(43, 'see you there')],
          targetId: 42,
          hasOlder: false,
          hasNewer: false,
        },
      });
    });
    fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    const input = screen.getByRole('searchbox', { name: 'Search messages' });
    expect(input).toHaveFocus();
    fireEvent.click(screen.getByRole('radio', { name: 'All rooms' }));
    fireEvent.change(input, { target: { value: 'meeting' } });
    const result = await screen.findByRole('button', { name: /the budget meeting moved/ });
    expect(bridge.callsTo('searchHistory').at(-1)).toEqual({ query: 'meeting', scope: 'all' });
    expect(result).toHaveTextContent('10.0.0.2:60003');
    expect(result.querySelector('time')).toHaveAttribute('datetime', '2026-11-02T09:30:00.000Z');
    expect(result.querySelector('mark.match')).toHaveTextContent('meeting');

    fireEvent.keyDown(input, { key: 'Enter' });
    const context = await screen.findByRole('log', { name: 'Messages around the search result' });
    await waitFor(() => expect(within(context).getAllByRole('listitem')).toHaveLength(3));
    expect(bridge.callsTo('historyContext')).toEqual([{ lineId: 42 }]);
    expect(context.querySelector('.row-target')).toHaveTextContent('the budget meeting moved');
    expect(screen.queryByRole('searchbox')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Back to the conversation' }));
    expect(screen.getByRole('log', { name: 'Messages' })).toBeInTheDocument();
    expect(useChatStore.getState().context).toBeNull();
  });

  it('a result from a named room shows its name and its address', async () => {
    const named: SearchHit = { ...hit, room: { ...hit.room, name: 'Kitchen' } };
    await openRoom((bridge) => {
      bridge.searchHandler = async () => ({ ok: true, value: { hits: [named], hasMore: false, terms: ['meeting'], engine: 'fts5' } });
    });
    fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search messages' }), { target: { value: 'meeting' } });
    const result = await screen.findByRole('button', { name: /the budget meeting moved/ });
    expect(result.querySelector('.search-hit-room')).toHaveTextContent('Kitchen · 10.0.0.2:60003');
  });

  it('a result labels which room, who and when, so the two addresses are not a guess', async () => {
    const named: SearchHit = { ...hit, room: { ...hit.room, name: 'Kitchen' } };
    await openRoom((bridge) => {
      bridge.searchHandler = async () => ({ ok: true, value: { hits: [named, { ...hit, line: { ...hit.line, id: 43, ours: true } }], hasMore: false, terms: ['meeting'], engine: 'fts5' } });
    });
    fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search messages' }), { target: { value: 'meeting' } });
    const [theirs, ours] = await screen.findAllByRole('button', { name: /the budget meeting moved/ });
    expect([...theirs!.querySelectorAll('.search-hit-label')].map((label) => label.textContent)).toEqual(['Room', 'From', 'When']);
    expect(theirs).toHaveTextContent('Room Kitchen · 10.0.0.2:60003');
    expect(theirs).toHaveTextContent('From 10.0.0.7:50123');
    expect(theirs).toHaveTextContent(/When \S+ \d/);
    expect(ours).toHaveTextContent('From You');
  });

  it("a result from this room names its sender as the room told, the address kept; all rooms' results keep the address alone", async () => {
    const { emit } = await openRoom((bridge) => {
      bridge.searchHandler = async () => ({ ok: true, value: { hits: [hit], hasMore: false, terms: ['meeting'], engine: 'fts5' } });
    });
    const peer = '10.0.0.7:50123';
    emit([{ type: 'lines', lines: [chatLine({ kind: 'notice', peer, text: `Tincan: [${peer}] is now alice`, notice: { kind: 'name', peer, name: 'alice', previous: null } })] }]);
    fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search messages' }), { target: { value: 'meeting' } });
    const result = await screen.findByRole('button', { name: /the budget meeting moved/ });
    expect(result.querySelector('.search-hit-sender')).toHaveTextContent('alice (10.0.0.7:50123)');
    // Another room's 10.0.0.7:50123 may be someone else.
    fireEvent.click(screen.getByRole('radio', { name: 'All rooms' }));
    await waitFor(() => expect(screen.getByRole('button', { name: /the budget meeting moved/ }).querySelector('.search-hit-sender')!.textContent).toBe(peer));
  });

  it('a failed search says why', async () => {
    await openRoom((bridge) => {
      bridge.searchHandler = async () => ({ ok: false, error: 'History is unavailable: the disk is full.' });
    });
    fireEvent.keyDown(window, { key: 'f', metaKey: true });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search messages' }), { target: { value: 'x' } });
    expect(await screen.findByText('History is unavailable: the disk is full.')).toBeInTheDocument();
  });
});

describe('settings, do not disturb, save transcript', () => {
  it('changes retention, notification privacy, mentions only and keywords; clearing asks first', async () => {
    const { bridge } = await openRoom();
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('menuitem', { name: /Settings…/ }));
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    fireEvent.click(within(dialog).getByRole('radio', { name: /This session only/ }));
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'Show' }), { target: { value: 'full' } });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Only when I am mentioned' }));
    const keywords = within(dialog).getByRole('textbox', { name: /Words that mention me/ });
    fireEvent.change(keywords, { target: { value: 'Ann, Annie ,  ' } });
    fireEvent.blur(keywords);
    await waitFor(() =>
      expect(bridge.callsTo('updateSettings')).toEqual([
        { historyRetention: 'session' },
        { notificationPrivacy: 'full' },
        { mentionsOnly: true },
        { mentionKeywords: ['Ann', 'Annie'] },
      ]),
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Clear all history…' }));
    expect(bridge.callsTo('clearHistory')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(bridge.callsTo('clearHistory')).toEqual([{ scope: 'all' }]));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('the ⋯ menu: arrow keys move, Escape closes and gives focus back, Ctrl+, opens Settings', async () => {
    await openRoom();
    const more = screen.getByRole('button', { name: 'More' });
    expect(more).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(more);
    const menu = screen.getByRole('menu', { name: 'More' });
    const items = within(menu).getAllByRole('menuitem');
    expect(items.map((item) => item.textContent)).toEqual(['Save transcript…', 'Settings…Ctrl+,']);
    expect(items[0]).toHaveFocus();
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(items[1]).toHaveFocus();
    fireEvent.keyDown(menu, { key: 'ArrowDown' });
    expect(items[0]).toHaveFocus();
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(more).toHaveFocus();

    fireEvent.keyDown(window, { key: ',', ctrlKey: true });
    expect(screen.getByRole('dialog', { name: 'Settings' })).toBeInTheDocument();
  });

  it('says why desktop notifications do not show, from the snapshot and when it changes', async () => {
    const { emit } = await openRoom((bridge) => {
      bridge.snapshot = { ...bridge.snapshot, notificationProblem: 'macOS shows notifications only for a signed Tincan.' };
    });
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('menuitem', { name: /Settings…/ }));
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    expect(within(dialog).getByText('macOS shows notifications only for a signed Tincan.')).toBeInTheDocument();
    emit([{ type: 'notifications', problem: 'Windows did not show the notification.' }]);
    expect(within(dialog).getByText('Windows did not show the notification.')).toBeInTheDocument();
  });

  it('do not disturb is a toggle in the status bar', async () => {
    const { bridge } = await openRoom();
    const toggle = screen.getByRole('button', { name: 'Do not disturb' });
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    fireEvent.click(toggle);
    await waitFor(() => expect(toggle).toHaveAttribute('aria-pressed', 'true'));
    expect(bridge.callsTo('updateSettings')).toEqual([{ doNotDisturb: true }]);
  });

  it('save transcript asks main (which shows the native dialog) and says where it went', async () => {
    const { bridge } = await openRoom((bridge) => {
      bridge.saveTranscriptHandler = async () => ({ ok: true, value: { file: '/home/ann/room.txt', lines: 3, bytes: 120 } });
    });
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('menuitem', { name: /Save transcript…/ }));
    expect(await screen.findByText('Saved 3 lines to /home/ann/room.txt.')).toBeInTheDocument();
    expect(bridge.callsTo('saveTranscript')).toEqual([undefined]);
  });
});
