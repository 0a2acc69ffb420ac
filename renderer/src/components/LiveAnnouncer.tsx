import { useEffect, useRef, useState } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { presentLine } from '../../../main/common/line-presenter';
import { useChatStore } from '../state/store';

/** A screen reader hears at most one summary per this many ms, however fast lines arrive. */
export const ANNOUNCE_INTERVAL_MS = 2000;

/** A line as one sentence for a screen reader, named where the room told the name. */
function describe(line: ChatLine, names: ReadonlyMap<string, string>): string {
  return presentLine(line, { name: names.get(line.peer) ?? null }).sentence;
}

/**
 * A polite live region for new lines, throttled: the transcript itself is not live, or a
 * burst would queue thousands of announcements.
 */
export function LiveAnnouncer() {
  const [message, setMessage] = useState('');
  const pendingRef = useRef<{ count: number; latest: ChatLine | null }>({ count: 0, latest: null });

  useEffect(() => {
    let timer: number | null = null;
    const flush = () => {
      timer = null;
      const { count, latest } = pendingRef.current;
      pendingRef.current = { count: 0, latest: null };
      if (!latest) return;
      const said = describe(latest, useChatStore.getState().names);
      setMessage(count === 1 ? said : `${count.toLocaleString()} new lines. Latest: ${said}`);
    };
    const unsubscribe = useChatStore.subscribe((state, previous) => {
      if (state.lines === previous.lines) return;
      const lastSeen = previous.lines[previous.lines.length - 1]?.seq ?? -Infinity;
      let count = 0;
      let latest: ChatLine | null = null;
      // Walk back from the end only as far as the new lines go.
      for (let index = state.lines.length - 1; index >= 0; index -= 1) {
        const line = state.lines[index]!;
        if (line.seq <= lastSeen) break;
        // Own messages need no announcement; the user just sent them.
        if (line.self) continue;
        count += 1;
        latest ??= line;
      }
      if (!latest) return;
      pendingRef.current = { count: pendingRef.current.count + count, latest };
      timer ??= window.setTimeout(flush, ANNOUNCE_INTERVAL_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, []);

  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      {message}
    </div>
  );
}
