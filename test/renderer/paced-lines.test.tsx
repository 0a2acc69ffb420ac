// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_HOLD_MS, PACE_MS, RAPID_KEYS_MS, TYPING_PAUSE_MS, usePacedLines } from '../../renderer/src/hooks/usePacedLines';
import { useChatStore, type TranscriptLine } from '../../renderer/src/state/store';
import { resetChatStore } from './chat-store';
import { chatLine } from './fake-bridge';

/** Shows what the transcript would be handed. */
function Probe() {
  return (
    <ul>
      {usePacedLines().map((line) => (
        <li key={line.seq}>{line.text}</li>
      ))}
    </ul>
  );
}

/** The texts of the lines handed over so far. */
function handed(): string[] {
  return screen.queryAllByRole('listitem').map((item) => item.textContent);
}

/** A line arrives in the store, as a batch from main would bring it. */
function arrive(text: string): void {
  act(() => {
    const line: TranscriptLine = chatLine({ text });
    useChatStore.setState((state) => ({ lines: [...state.lines, line] }));
  });
}

/** Lets `ms` of (fake) time pass, running the timers and React's work that falls in it. */
async function pass(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

function key(): void {
  act(() => {
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame', 'performance'] });
  resetChatStore();
  render(<Probe />);
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('the transcript’s paced lines', () => {
  it('shows a line after a quiet moment at once, and later ones at most once per PACE_MS', async () => {
    await pass(PACE_MS * 2);
    arrive('first');
    await pass(0);
    expect(handed()).toEqual(['first']);

    arrive('second');
    arrive('third');
    await pass(PACE_MS / 2);
    expect(handed()).toEqual(['first']);
    await pass(PACE_MS / 2 + 20);
    expect(handed()).toEqual(['first', 'second', 'third']);
  });

  it('holds an update while keys come in quick succession, but never longer than MAX_HOLD_MS', async () => {
    await pass(PACE_MS * 2);
    arrive('before typing');
    await pass(0);
    expect(handed()).toEqual(['before typing']);

    // Rapid typing: a key every RAPID_KEYS_MS / 2.
    const step = RAPID_KEYS_MS / 2;
    key();
    await pass(step);
    arrive('during typing');
    let waited = 0;
    for (; waited < MAX_HOLD_MS - 2 * step; waited += step) {
      key();
      await pass(step);
      expect(handed()).toEqual(['before typing']);
    }
    // The room stays visible: the hold ends by MAX_HOLD_MS whatever the keys do.
    for (; waited < MAX_HOLD_MS + step; waited += step) {
      key();
      await pass(step);
    }
    expect(handed()).toEqual(['before typing', 'during typing']);
  });

  it('shows what waited once the typing pauses', async () => {
    await pass(PACE_MS * 2);
    key();
    await pass(RAPID_KEYS_MS / 2);
    key();
    arrive('while typing');
    await pass(RAPID_KEYS_MS / 2);
    expect(handed()).toEqual([]);
    await pass(TYPING_PAUSE_MS);
    expect(handed()).toEqual(['while typing']);
  });
});
