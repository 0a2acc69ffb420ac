// Built on first use (not on import) and reused: constructing a formatter per row is slow.
let clockFormat: Intl.DateTimeFormat | null = null;
let fullFormat: Intl.DateTimeFormat | null = null;

// A burst of lines shares a handful of seconds: each of these remembers the last second it
// formatted, so a row costs an Intl call only when the second changes.
let clockSecond = Number.NaN;
let clockText = '';
let fullSecond = Number.NaN;
let fullText = '';
let isoSecond = Number.NaN;
let isoText = '';

/** `14:05`, in the user's locale. */
export function formatClock(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== clockSecond) {
    clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    clockSecond = second;
    clockText = clockFormat.format(epochMs);
  }
  return clockText;
}

/** `27 Nov 2026, 14:05:09`, for tooltips. */
export function formatFullTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== fullSecond) {
    fullFormat ??= new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fullSecond = second;
    fullText = fullFormat.format(epochMs);
  }
  return fullText;
}

/** `2026-11-27T14:05:09.000Z` for a `<time dateTime>`: to the second, which is all a chat line needs. */
export function isoSecondOf(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoText = new Date(second * 1000).toISOString();
  }
  return isoText;
}

/** `just now`, `2 min ago`, `3 h ago`, `2 d ago`: how long since something happened. */
export function formatAgo(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}
