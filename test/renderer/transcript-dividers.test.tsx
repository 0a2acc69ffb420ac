// @vitest-environment happy-dom
/** Date dividers, the divider between visits, and what the top of the transcript claims. */
import '@testing-library/jest-dom/vitest';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryViewLine, SessionStatus } from '../../main/common/ipc-contract';
import { dayKey, formatDayLabel } from '../../renderer/src/lib/day';
import { formatClock } from '../../renderer/src/lib/time';
import { FakeBridge, chatLine } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const ROOM = { host: '10.0.0.1', port: 60003 };
const joined: SessionStatus = { mode: 'joined', target: ROOM, connection: 'connected', self: '10.0.0.9:40000' };
const hosting: SessionStatus = {
  mode: 'hosting',
  host: { port: 60003, scope: 'local', shareAddresses: [], roomName: null, advice: [] },
  connection: 'connected',
  self: '127.0.0.1:45000',
};

let app: RenderedApp | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

function stored(id: number, text: string, at: number, seq: number | null = null): HistoryViewLine {
  return { id, roomId: 1, at, sender: '10.0.0.7:50123', text, kind: 'message', ours: false, seq };
}

/** Every list item of the transcript as text: dividers as `--label--`, rows as their message. */
function items(): string[] {
  return [...screen.getByRole('log', { name: 'Messages' }).querySelectorAll('li')].map((item) =>
    item.classList.contains('divider') ? `--${item.textContent}--` : (item.querySelector('.text')?.textContent ?? ''),
  );
}

/** Noon, `daysAgo` local days before today. */
function noon(daysAgo: number, hour = 12, minute = 0): number {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo, hour, minute).getTime();
}

describe('day labels', () => {
  it('say Today, Yesterday, a day and month, and the year only for another year', () => {
    const now = new Date(2026, 11, 7, 9, 30).getTime();
    expect(formatDayLabel(new Date(2026, 11, 7, 0, 1).getTime(), now)).toBe('Today');
    expect(formatDayLabel(new Date(2026, 11, 6, 23, 59).getTime(), now)).toBe('Yesterday');
    expect(formatDayLabel(new Date(2026, 11, 3, 10, 0).getTime(), now)).toMatch(/^(3 December|December 3)$/);
    expect(formatDayLabel(new Date(2025, 11, 3, 10, 0).getTime(), now)).toMatch(/2025/);
    // Across a month and a year boundary.
    expect(formatDayLabel(new Date(2025, 11, 31, 18, 0).getTime(), new Date(2026, 0, 1, 8, 0).getTime())).toBe('Yesterday');
    expect(dayKey(new Date(2026, 11, 7, 0, 0).getTime())).toBe(dayKey(new Date(2026, 11, 7, 23, 59, 59).getTime()));
    expect(dayKey(new Date(2026, 11, 7, 23, 59, 59).getTime())).not.toBe(dayKey(new Date(2026, 11, 8, 0, 0).getTime()));
  });
});

describe('transcript dividers', () => {
  it('a date divider above each day, and "You left · back" between visits; the start is not called the start of the conversation', async () => {
    const older = noon(10, 9, 15);
    const left = noon(1, 10, 20);
    const back = noon(0, 10, 22);
    const live = chatLine({ text: 'this visit', at: back });
    const bridge = new FakeBridge();
    bridge.snapshot.status = joined;
    bridge.historyViewHandler = async () => ({
      ok: true,
      value: {
        room: ROOM,
        lines: [stored(1, 'ten days ago', older), stored(2, 'same day', older + 60_000), stored(3, 'yesterday', left), stored(4, 'this visit', back, live.seq)],
        hasMore: false,
        visitStartId: 3,
        liveSeq: live.seq,
      },
    });
    app = await renderApp(bridge);
    app.emit([{ type: 'lines', lines: [live] }]);
    await waitFor(() => expect(items()).toContain('this visit'));
    expect(items()).toEqual([
      `--${formatDayLabel(older, Date.now())}--`,
      'ten days ago',
      'same day',
      '--Yesterday--',
      'yesterday',
      `--You left ${formatClock(left)} · back ${formatClock(back)}--`,
      '--Today--',
      'this visit',
    ]);
    expect(screen.getByRole('separator', { name: `Earlier history above. You left ${formatClock(left)} · back ${formatClock(back)}` })).toBeInTheDocument();
    expect(screen.queryByText('This is the start of the conversation.')).toBeNull();
    expect(screen.getByText('The start of this room’s history on this computer.')).toBeInTheDocument();
  });

  it('only a host with no earlier visits sees "This is the start of the conversation"; a joiner is told what was before them', async () => {
    for (const [status, expected] of [
      [hosting, 'This is the start of the conversation.'],
      [joined, 'You joined here: messages sent before you arrived are not shown.'],
    ] as const) {
      const bridge = new FakeBridge();
      bridge.snapshot.status = status;
      app = await renderApp(bridge);
      app.emit([{ type: 'lines', lines: [chatLine({ text: 'first', at: noon(0) })] }]);
      await waitFor(() => expect(items()).toEqual(['--Today--', 'first']));
      expect(screen.getByText(expected)).toBeInTheDocument();
      app.dispose();
      app = null;
      cleanup();
    }
  });
});
