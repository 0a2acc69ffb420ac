// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionStatus } from '../../main/common/ipc-contract';
import { ANNOUNCE_INTERVAL_MS } from '../../renderer/src/components/LiveAnnouncer';
import { INFO_NOTICE_MS } from '../../renderer/src/components/Notices';
import { FOLLOW_WINDOW_CHARS, FOLLOW_WINDOW_MIN_ROWS, FOLLOW_WINDOW_ROWS, PAGE_ROWS } from '../../renderer/src/hooks/useTranscriptWindow';
import { CLIP_CHARS } from '../../renderer/src/lib/long-line';
import { useChatStore } from '../../renderer/src/state/store';
import { connectToBridge } from '../../renderer/src/state/actions';
import { resetChatStore } from './chat-store';
import { FakeBridge, chatLine, installFakeBridge, statusEvent } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const SELF = '10.0.0.9:40000';
const joined: SessionStatus = {
  mode: 'joined',
  target: { host: '10.0.0.1', port: 60003 },
  connection: 'connected',
  self: SELF,
};
const hosting: SessionStatus = {
  mode: 'hosting',
  host: {
    port: 60003,
    scope: 'lan',
    shareAddresses: [
      { address: '192.168.1.20:60003', interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' },
      { address: '[fd00::20]:60003', interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' },
    ],
    roomName: 'Lab 3',
    advice: [],
  },
  connection: 'connected',
  self: '127.0.0.1:45000',
};

let app: RenderedApp | null = null;

afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

async function openRoom(status: SessionStatus = joined): Promise<RenderedApp> {
  const bridge = new FakeBridge();
  bridge.snapshot.status = status;
  app = await renderApp(bridge);
  return app;
}

function messageInput(): HTMLElement {
  return screen.getByRole('textbox', { name: 'Message' });
}

function rows(): HTMLElement[] {
  // Message rows only: date and other dividers are list items too.
  return within(screen.getByRole('log', { name: 'Messages' }))
    .queryAllByRole('listitem')
    .filter((item) => !item.classList.contains('divider'));
}

describe('chat screen: transcript', () => {
  it('shows messages as text, never as HTML', async () => {
    const { emit } = await openRoom();
    emit([{ type: 'lines', lines: [chatLine({ text: '<img src=x onerror=alert(1)><b>bold</b>' })] }]);
    const log = screen.getByRole('log', { name: 'Messages' });
    expect(within(log).getByText('<img src=x onerror=alert(1)><b>bold</b>')).toBeInTheDocument();
    expect(log.querySelector('img')).toBeNull();
    expect(log.querySelector('b')).toBeNull();
  });

  it('tells apart messages, joins, leaves, own lines and raw lines', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ kind: 'connected', peer: '10.0.0.2:5000', text: '' }),
          chatLine({ kind: 'message', peer: '10.0.0.2:5000', text: 'hi all' }),
          chatLine({ kind: 'message', peer: SELF, text: 'hello back', self: true }),
          chatLine({ kind: 'disconnected', peer: '10.0.0.2:5000', text: '' }),
          chatLine({ kind: 'raw', peer: '', text: 'Welcome to the pi' }),
        ],
      },
    ]);
    const [joinRow, message, own, leaveRow, raw] = rows();
    expect(joinRow).toHaveTextContent('10.0.0.2:5000 joined');
    expect(joinRow).toHaveClass('row-notice');
    expect(message).toHaveTextContent('10.0.0.2:5000hi all');
    expect(message!.querySelector('.sender')!.className).toMatch(/peer-hue-\d+/);
    expect(own).toHaveTextContent('Youhello back');
    expect(own).toHaveClass('row-self');
    expect(leaveRow).toHaveTextContent('10.0.0.2:5000 left');
    expect(raw).toHaveTextContent('Welcome to the pi');
    expect(message!.querySelector('time')).toHaveAttribute('datetime', '2026-11-27T14:05:09.000Z');
  });

  it('makes http(s) links clickable through the bridge, never by navigating', async () => {
    const { emit, bridge } = await openRoom();
    emit([{ type: 'lines', lines: [chatLine({ text: 'docs at https://example.com/x, ok' })] }]);
    const link = screen.getByRole('link', { name: 'https://example.com/x' });
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    await waitFor(() => expect(bridge.callsTo('openLink')).toEqual(['https://example.com/x']));
  });

  it('links only what is not sneaky, and shows where an international link really goes', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ text: 'pay at https://bank.example@evil.example/login now' }),
          chatLine({ text: 'see https://аpple.com/ and https://x.example/invoice\u202Efdp.exe' }),
          chatLine({ text: 'book at https://bücher.example/katalog' }),
        ],
      },
    ]);
    const log = screen.getByRole('log', { name: 'Messages' });
    const links = within(log).getAllByRole('link');
    expect(links).toHaveLength(1);
    expect(links[0]).toHaveTextContent('https://bücher.example/katalog');
    expect(links[0]).toHaveAttribute('href', 'https://xn--bcher-kva.example/katalog');
    expect(links[0]).toHaveAttribute('title', 'Opens xn--bcher-kva.example in your browser');
    expect(links[0]!.parentElement).toHaveTextContent('(xn--bcher-kva.example)');
    // The sneaky ones are there, as text the user can read.
    expect(log).toHaveTextContent('https://bank.example@evil.example/login');
    expect(log).toHaveTextContent('https://аpple.com/');
  });

  it('isolates every message and label, and says when lines were skipped', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ text: '\u202Eevil\u202C override' }),
          chatLine({ kind: 'raw', peer: '', text: 'raw \u2067line' }),
          chatLine({ kind: 'skipped', peer: '', text: '1,204 lines skipped while catching up' }),
        ],
      },
    ]);
    const [message, raw, skipped] = rows();
    expect(message!.querySelector('.text')).toHaveAttribute('dir', 'auto');
    expect(message!.querySelector('.sender')).toHaveAttribute('dir', 'auto');
    expect(raw!.querySelector('.text')).toHaveAttribute('dir', 'auto');
    expect(skipped).toHaveClass('row-skipped');
    expect(skipped).toHaveTextContent('1,204 lines skipped while catching up');
  });

  it('after a reload, the snapshot brings back the conversation, the people and the roster', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = hosting;
    bridge.snapshot.lines = [chatLine({ kind: 'connected', peer: '10.0.0.2:5000', text: '' }), chatLine({ text: 'before the crash' })];
    bridge.snapshot.roster = [
      { id: 1, peer: '127.0.0.1:45000', connectedAt: Date.now(), linesSent: 0 },
      { id: 2, peer: '10.0.0.2:5000', connectedAt: Date.now(), linesSent: 1 },
    ];
    app = await renderApp(bridge);
    expect(screen.getByText('before the crash')).toBeInTheDocument();
    expect(screen.getByRole('complementary', { name: 'Room details' })).toHaveTextContent('In the room (2)');
    expect(screen.getByRole('banner', { name: 'Connection' })).toHaveTextContent('2 people');
  });

  it('roster news that overtakes the snapshot is not lost', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = hosting;
    bridge.snapshot.roster = [{ id: 1, peer: '127.0.0.1:45000', connectedAt: Date.now(), linesSent: 0 }];
    let answer = (): void => undefined;
    bridge.snapshotGate = new Promise((resolve) => (answer = resolve));
    const uninstall = installFakeBridge(bridge);
    resetChatStore();
    const disconnect = connectToBridge();
    // Someone joins after main took the snapshot, and that news arrives before the snapshot does.
    bridge.emit([{ type: 'roster-changes', joined: [{ id: 2, peer: '10.0.0.2:5000', connectedAt: Date.now(), linesSent: 0 }], left: [], lineCounts: [] }]);
    answer();
    await waitFor(() => expect(useChatStore.getState().ready).toBe(true));
    expect(useChatStore.getState().roster.map((client) => client.id)).toEqual([1, 2]);
    disconnect();
    uninstall();
  });

  it('renders a bounded number of rows for a burst, with the last line shown', async () => {
    const { emit } = await openRoom();
    const burst = Array.from({ length: 5000 }, (_, i) => chatLine({ text: `line ${i}` }));
    emit([{ type: 'lines', lines: burst }]);
    expect(rows()).toHaveLength(FOLLOW_WINDOW_ROWS);
    expect(rows().at(-1)).toHaveTextContent('line 4999');
    expect(useChatStore.getState().lines).toHaveLength(5000);

    fireEvent.click(screen.getByRole('button', { name: `Show earlier messages (${5000 - FOLLOW_WINDOW_ROWS})` }));
    expect(rows()).toHaveLength(FOLLOW_WINDOW_ROWS + PAGE_ROWS);
  });

  it('shows a long line clipped, with a button that shows all of it and one that clips it again', async () => {
    const { emit } = await openRoom();
    const url = `https://example.com/${'p'.repeat(200)}`;
    // A link the cut goes through, the end of the line far past the cut.
    const text = `${'word '.repeat((CLIP_CHARS - 100) / 5)}${url} ${'x'.repeat(60_000 - CLIP_CHARS - 1 - url.length - 100)}THE END`;
    emit([{ type: 'lines', lines: [chatLine({ text })] }]);
    const row = rows().at(-1)!;
    expect(row.textContent.length).toBeLessThan(CLIP_CHARS + 100);
    expect(row).not.toHaveTextContent('THE END');
    // Cut through, the link would not lead where it shows: it is plain text until shown whole.
    expect(within(row).queryByRole('link')).toBeNull();

    const showAll = within(row).getByRole('button', { name: `Show all (${text.length.toLocaleString()} characters)` });
    expect(showAll).toHaveAttribute('aria-expanded', 'false');
    showAll.focus();
    expect(showAll).toHaveFocus();
    fireEvent.click(showAll);
    expect(row).toHaveTextContent('THE END');
    expect(within(row).getByRole('link')).toHaveAttribute('href', url);
    const showLess = within(row).getByRole('button', { name: 'Show less' });
    expect(showLess).toHaveAttribute('aria-expanded', 'true');

    fireEvent.click(showLess);
    expect(row).not.toHaveTextContent('THE END');
    expect(within(row).getByRole('button', { name: /^Show all/ })).toBeInTheDocument();
  });

  it('clips long raw lines too, and leaves short lines without a button', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [chatLine({ kind: 'raw', peer: '', text: `${'r'.repeat(9_000)}RAW END` }), chatLine({ text: 'short and sweet' })],
      },
    ]);
    const [raw, short] = rows().slice(-2);
    expect(raw).not.toHaveTextContent('RAW END');
    fireEvent.click(within(raw!).getByRole('button', { name: 'Show all (9,007 characters)' }));
    expect(raw).toHaveTextContent('RAW END');
    expect(within(short!).queryByRole('button')).toBeNull();
  });

  it('while following, renders fewer rows when they are long, so a flood of long lines costs what short ones do', async () => {
    const { emit } = await openRoom();
    // 40 lines of 60,000 characters: within the store's own caps, over the window's.
    emit([{ type: 'lines', lines: Array.from({ length: 40 }, (_, i) => chatLine({ text: `${i} ${'y'.repeat(60_000)}` })) }]);
    const shown = rows();
    expect(shown.length).toBeGreaterThanOrEqual(FOLLOW_WINDOW_MIN_ROWS);
    expect(shown.length).toBeLessThanOrEqual(Math.ceil(FOLLOW_WINDOW_CHARS / CLIP_CHARS) + 1);
    expect(shown.at(-1)).toHaveTextContent(/^.*39 y/);
    const characters = shown.reduce((sum, row) => sum + row.textContent.length, 0);
    expect(characters).toBeLessThan(FOLLOW_WINDOW_CHARS + shown.length * 100);
    // The rest is a click away.
    expect(screen.getByRole('button', { name: `Show earlier messages (${40 - shown.length})` })).toBeInTheDocument();
  });

  it('follows new lines until the user scrolls up, then offers a jump to the latest', async () => {
    const { emit } = await openRoom();
    emit([{ type: 'lines', lines: Array.from({ length: 50 }, (_, i) => chatLine({ text: `old ${i}` })) }]);
    const log = screen.getByRole('log', { name: 'Messages' });
    // happy-dom does no layout: give the scroller a size so "scrolled up" means something.
    Object.defineProperty(log, 'scrollHeight', { configurable: true, get: () => 2000 });
    Object.defineProperty(log, 'clientHeight', { configurable: true, get: () => 400 });
    log.scrollTop = 100;
    fireEvent.scroll(log);

    emit([{ type: 'lines', lines: [chatLine({ text: 'new 1' }), chatLine({ text: 'new 2' }), chatLine({ text: 'new 3' })] }]);
    // Paced (usePacedLines): this update follows the previous one closely.
    const jump = await screen.findByRole('button', { name: 'Jump to latest (3 new)' });
    // Paused: the new lines wait below instead of pulling the view down.
    expect(screen.queryByText('new 3')).toBeNull();

    fireEvent.click(jump);
    expect(screen.getByText('new 3')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Jump to latest/ })).toBeNull();
  });
});

describe('chat screen: composer', () => {
  it('lands focus in the message input and sends on Enter', async () => {
    const { bridge } = await openRoom();
    const input = messageInput();
    await waitFor(() => expect(input).toHaveFocus());
    fireEvent.change(input, { target: { value: 'hello there' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(bridge.callsTo('send')).toEqual([{ text: 'hello there' }]));
    expect(input).toHaveValue('');
  });

  it('does not send blank lines', async () => {
    const { bridge } = await openRoom();
    fireEvent.change(messageInput(), { target: { value: '   ' } });
    fireEvent.keyDown(messageInput(), { key: 'Enter' });
    expect(bridge.callsTo('send')).toEqual([]);
  });

  it('shows a multi-line paste first, and sends it as one message per line only when confirmed', async () => {
    const { bridge } = await openRoom();
    const input = messageInput() as HTMLInputElement;
    fireEvent.change(input, { target: { value: '> ' } });
    input.setSelectionRange(2, 2);
    fireEvent.paste(input, { clipboardData: { getData: () => 'first\nsecond\r\nthird' } });
    const lines = screen.getByRole('textbox', { name: /Send 3 lines\?/ });
    expect(lines).toHaveValue('> first\nsecond\r\nthird');
    expect(bridge.callsTo('send')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Send 3 lines' }));
    await waitFor(() => expect(bridge.callsTo('send')).toEqual([{ text: '> first\nsecond\r\nthird' }]));
    expect(messageInput()).toHaveValue('');
    // Each line goes into the Up-arrow history on its own.
    expect(useChatStore.getState().sentHistory).toEqual(['> first', 'second', 'third']);
  });

  it('a 200-line paste can be cancelled (Escape) and sends nothing', async () => {
    const { bridge } = await openRoom();
    const trace = Array.from({ length: 200 }, (_, i) => `    at frame${i} (file.js:${i}:1)`).join('\n');
    fireEvent.paste(messageInput(), { clipboardData: { getData: () => trace } });
    const lines = screen.getByRole('textbox', { name: /Send 200 lines\?/ });
    expect(lines).toHaveFocus();
    fireEvent.keyDown(lines, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: /Send 200 lines\?/ })).toBeNull();
    expect(bridge.callsTo('send')).toEqual([]);
    await waitFor(() => expect(messageInput()).toHaveFocus());
  });

  it('leaves a single-line paste to the input', async () => {
    const { bridge } = await openRoom();
    const paste = new Event('paste', { bubbles: true, cancelable: true });
    Object.defineProperty(paste, 'clipboardData', { value: { getData: () => 'just one line' } });
    messageInput().dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(false);
    expect(bridge.callsTo('send')).toEqual([]);
  });

  it('recalls earlier lines with Up and returns to the draft with Down', async () => {
    const { bridge } = await openRoom();
    const input = messageInput();
    for (const text of ['one', 'two']) {
      fireEvent.change(input, { target: { value: text } });
      fireEvent.keyDown(input, { key: 'Enter' });
    }
    await waitFor(() => expect(bridge.callsTo('send')).toHaveLength(2));
    fireEvent.change(input, { target: { value: 'draft' } });
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(input).toHaveValue('two');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(input).toHaveValue('one');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(input).toHaveValue('one');
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input).toHaveValue('two');
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(input).toHaveValue('draft');
    // A recalled line is sent like a typed one.
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(bridge.callsTo('send')).toEqual([{ text: 'one' }, { text: 'two' }, { text: 'two' }]));
  });

  it('gives the text back and explains when a send fails', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = joined;
    bridge.sendHandler = async () => ({ ok: false, error: 'Not connected right now: wait until the connection is back.' });
    app = await renderApp(bridge);
    fireEvent.change(messageInput(), { target: { value: 'important' } });
    fireEvent.keyDown(messageInput(), { key: 'Enter' });
    expect(await screen.findByRole('alert')).toHaveTextContent('Not connected right now');
    expect(messageInput()).toHaveValue('important');
  });

  it('stays usable while reconnecting: lines wait (the count shows), with Try now and Leave in a banner counting down', async () => {
    const { emit, bridge } = await openRoom();
    bridge.sendHandler = async () => ({ ok: true, value: { lines: 0, waiting: 1 } });
    emit([
      statusEvent({ ...joined, connection: 'reconnecting', self: null }),
      { type: 'reconnecting', attempt: 3, delayMs: 4000, reason: 'The host closed the connection.' },
    ]);
    expect(messageInput()).toBeEnabled();
    expect(screen.getByText('Connection lost: what you send now waits, and goes out once Tincan reconnects.')).toBeInTheDocument();
    const banner = screen.getByText(/Trying again/).closest('[role="status"]') as HTMLElement;
    expect(banner).toHaveTextContent(/Connection lost\. The host closed the connection\. Trying again in [34] s \(attempt 3\)/);
    expect(screen.getByText('Reconnecting…')).toBeInTheDocument();

    fireEvent.change(messageInput(), { target: { value: 'still there?' } });
    fireEvent.keyDown(messageInput(), { key: 'Enter' });
    await waitFor(() => expect(bridge.callsTo('send')).toEqual([{ text: 'still there?' }]));
    await waitFor(() => expect(messageInput()).toHaveValue(''));
    emit([statusEvent({ ...joined, connection: 'reconnecting', self: null, outbox: { lines: 2, bytes: 20 } })]);
    expect(banner).toHaveTextContent('2 lines wait to be sent.');
    expect(screen.getByText(/^2 lines wait to be sent once Tincan reconnects/)).toBeInTheDocument();

    fireEvent.click(within(banner).getByRole('button', { name: 'Try now' }));
    await waitFor(() => expect(bridge.callsTo('reconnectNow')).toHaveLength(1));
    fireEvent.click(within(banner).getByRole('button', { name: 'Leave' }));
    await waitFor(() => expect(bridge.callsTo('leave')).toHaveLength(1));
  });

  it('a send refused by the outbox bound says so and gives the line back', async () => {
    const { emit, bridge } = await openRoom();
    const refusal = 'Not sent: 1 line would not fit. While the connection is down, at most 50 lines wait to be sent (50 lines already waiting).';
    bridge.sendHandler = async () => ({ ok: false, error: refusal });
    emit([statusEvent({ ...joined, connection: 'reconnecting', self: null, outbox: { lines: 50, bytes: 400 } })]);
    fireEvent.change(messageInput(), { target: { value: 'one too many' } });
    fireEvent.keyDown(messageInput(), { key: 'Enter' });
    expect(await screen.findByRole('alert')).toHaveTextContent(refusal);
    expect(messageInput()).toHaveValue('one too many');
  });

  it('a host whose own connection is down gets Try now but no Leave in the banner (Stop hosting asks first)', async () => {
    const { emit } = await openRoom();
    const hosting: SessionStatus = {
      mode: 'hosting',
      host: { port: 60003, scope: 'local', shareAddresses: [], roomName: null, advice: [] },
      connection: 'reconnecting',
      self: null,
    };
    emit([statusEvent(hosting), { type: 'reconnecting', attempt: 1, delayMs: 500, reason: 'The connection to your own server closed.' }]);
    const banner = screen.getByText(/Trying again/).closest('[role="status"]') as HTMLElement;
    expect(within(banner).getByRole('button', { name: 'Try now' })).toBeEnabled();
    expect(within(banner).queryByRole('button', { name: 'Leave' })).toBeNull();
  });

  it('the input is usable again once connected, and the banner goes', async () => {
    const { emit } = await openRoom();
    emit([
      statusEvent({ ...joined, connection: 'reconnecting', self: null }),
      { type: 'reconnecting', attempt: 3, delayMs: 4000, reason: 'The host closed the connection.' },
    ]);
    emit([statusEvent(joined)]);
    expect(messageInput()).toBeEnabled();
    expect(screen.queryByText(/Trying again/)).toBeNull();
    expect(screen.queryByText(/Connection lost/)).toBeNull();
  });
});

describe('chat screen: status bar and host panel', () => {
  it('shows mode, address, state and the joiner’s head count', async () => {
    const { emit } = await openRoom();
    const bar = screen.getByRole('banner', { name: 'Connection' });
    expect(bar).toHaveTextContent('Joined');
    expect(bar).toHaveTextContent('10.0.0.1:60003');
    expect(bar).toHaveTextContent('Connected');
    expect(bar).toHaveTextContent('Just you');
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ kind: 'connected', peer: '10.0.0.2:1', text: '' }),
          chatLine({ kind: 'connected', peer: '10.0.0.3:1', text: '' }),
        ],
      },
    ]);
    expect(bar).toHaveTextContent('3 people');
  });

  it('lists share addresses with Copy buttons and the live roster', async () => {
    const { emit, bridge } = await openRoom(hosting);
    const panel = screen.getByRole('complementary', { name: 'Room details' });
    fireEvent.click(within(panel).getByRole('button', { name: 'Copy [fd00::20]:60003' }));
    await waitFor(() => expect(bridge.callsTo('copyText')).toEqual(['[fd00::20]:60003']));
    expect(await within(panel).findByText('Copied')).toBeInTheDocument();

    emit([
      {
        type: 'roster',
        clients: [
          { id: 1, peer: '127.0.0.1:45000', connectedAt: Date.now() - 5 * 60_000, linesSent: 1, lastSpokeAt: Date.now() - 2 * 60_000 - 5000 },
          { id: 2, peer: '10.0.0.2:5000', connectedAt: Date.now(), linesSent: 12 },
        ],
      },
    ]);
    expect(within(panel).getByText('In the room (2)')).toBeInTheDocument();
    const roster = within(panel).getAllByRole('listitem').filter((item) => item.classList.contains('roster-row'));
    expect(roster[0]).toHaveTextContent('127.0.0.1:45000 (you)');
    expect(roster[0]).toHaveTextContent(/joined .+ · last spoke 2 min ago · 1 line$/);
    expect(roster[1]).toHaveTextContent('12 lines');
    expect(screen.getByRole('banner', { name: 'Connection' })).toHaveTextContent('2 people');
  });

  it('announces new lines politely, one summary per interval, and names the room in the title', async () => {
    const { emit } = await openRoom();
    expect(document.title).toBe('Tincan — 10.0.0.1:60003');
    vi.useFakeTimers();
    try {
      emit([{ type: 'lines', lines: [chatLine({ text: 'first' })] }]);
      emit([{ type: 'lines', lines: Array.from({ length: 99 }, (_, i) => chatLine({ text: `n${i}` })) }]);
      // Own lines are not announced.
      emit([{ type: 'lines', lines: [chatLine({ text: 'mine', self: true, peer: SELF })] }]);
      const region = document.querySelector('[aria-live="polite"]')!;
      expect(region.textContent).toBe('');
      act(() => {
        vi.advanceTimersByTime(ANNOUNCE_INTERVAL_MS);
      });
      expect(region.textContent).toBe('100 new lines. Latest: 10.0.0.7:50123: n98');
    } finally {
      vi.useRealTimers();
    }
  });

  it('announces a line by the name the room told, with the address kept', async () => {
    const { emit } = await openRoom();
    vi.useFakeTimers();
    try {
      const peer = '10.0.0.7:50123';
      emit([
        {
          type: 'lines',
          lines: [
            chatLine({ kind: 'notice', peer, text: `Tincan: [${peer}] is now alice`, notice: { kind: 'name', peer, name: 'alice', previous: null } }),
            chatLine({ peer, text: 'hi' }),
          ],
        },
      ]);
      act(() => {
        vi.advanceTimersByTime(ANNOUNCE_INTERVAL_MS);
      });
      expect(document.querySelector('[aria-live="polite"]')!.textContent).toBe('2 new lines. Latest: alice (10.0.0.7:50123): hi');
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows an info notice for a while and an error notice until dismissed', async () => {
    const { emit } = await openRoom();
    vi.useFakeTimers();
    try {
      emit([
        { type: 'notice', level: 'info', message: 'Reconnected to 10.0.0.1:60003.' },
        { type: 'notice', level: 'error', message: 'Could not save your preferences: disk full' },
      ]);
      expect(screen.getByText('Reconnected to 10.0.0.1:60003.')).toBeInTheDocument();
      act(() => {
        vi.advanceTimersByTime(INFO_NOTICE_MS);
      });
      expect(screen.queryByText('Reconnected to 10.0.0.1:60003.')).toBeNull();
      expect(screen.getByRole('alert')).toHaveTextContent('disk full');
    } finally {
      vi.useRealTimers();
    }
  });

  it('Stop hosting in an empty room returns to the start screen at once and says the room is closed', async () => {
    const { bridge } = await openRoom(hosting);
    expect(screen.getByRole('banner', { name: 'Connection' })).toHaveTextContent('Open to your network');
    fireEvent.click(screen.getByRole('button', { name: 'Stop hosting' }));
    await screen.findByRole('button', { name: 'Start hosting' });
    expect(bridge.callsTo('leave')).toHaveLength(1);
    expect(screen.getByText('You stopped hosting. The room is closed.')).toBeInTheDocument();
  });

  it('Stop hosting with people in the room asks first, says how many, and can be cancelled', async () => {
    const { bridge, emit } = await openRoom(hosting);
    emit([
      {
        type: 'roster',
        clients: [
          { id: 1, peer: '127.0.0.1:45000', connectedAt: Date.now(), linesSent: 0 },
          { id: 2, peer: '10.0.0.2:5000', connectedAt: Date.now(), linesSent: 0 },
          { id: 3, peer: '10.0.0.3:5000', connectedAt: Date.now(), linesSent: 0 },
        ],
      },
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Stop hosting' }));
    const confirm = screen.getByRole('group', { name: 'Stop hosting?' });
    expect(confirm).toHaveTextContent('2 people will be disconnected.');
    expect(within(confirm).getByRole('button', { name: 'Keep hosting' })).toHaveFocus();
    fireEvent.keyDown(confirm, { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Stop hosting?' })).toBeNull();
    expect(bridge.callsTo('leave')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Stop hosting' }));
    fireEvent.click(screen.getByRole('button', { name: 'Disconnect and stop' }));
    await screen.findByRole('button', { name: 'Start hosting' });
    expect(bridge.callsTo('leave')).toHaveLength(1);
    expect(screen.getByText('You stopped hosting. The room is closed and 2 people were disconnected.')).toBeInTheDocument();
  });

  it('a host for this computer only reads so in the status bar', async () => {
    await openRoom({ ...hosting, host: { ...hosting.host, scope: 'local' } });
    expect(screen.getByRole('banner', { name: 'Connection' })).toHaveTextContent('Only this computer');
  });
});
