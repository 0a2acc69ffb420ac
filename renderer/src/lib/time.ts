// Built on first use (not on import) and reused: constructing a formatter per row is slow.
let clockFormat: Intl.DateTimeFormat | null = null;
let fullFormat: Intl.DateTimeFormat | null = null;

/** `14:05`, in the user's locale. */
export function formatClock(epochMs: number): string {
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  return clockFormat.format(epochMs);
}

/** `27 Nov 2026, 14:05:09`, for tooltips. */
export function formatFullTime(epochMs: number): string {
  fullFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return fullFormat.format(epochMs);
}

/** `just now`, `5 min`, `2 h 10 min`: how long someone has been in the room. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
