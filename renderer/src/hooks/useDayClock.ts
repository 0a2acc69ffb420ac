import { useEffect, useState } from 'react';

/**
 * The time to label days against ("Today", "Yesterday"): read once, then again just after each
 * local midnight, so the labels turn over with the date without re-rendering every minute.
 */
export function useDayClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const current = new Date(now);
    const nextMidnight = new Date(current.getFullYear(), current.getMonth(), current.getDate() + 1).getTime();
    const timer = window.setTimeout(() => setNow(Date.now()), Math.max(1000, nextMidnight - now + 1000));
    return () => window.clearTimeout(timer);
  }, [now]);
  return now;
}
