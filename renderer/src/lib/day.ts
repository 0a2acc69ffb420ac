/**
 * Calendar days for the transcript's date dividers ("Today", "Yesterday", "3 December"), in
 * the user's time zone. A burst of lines shares one day: the last day's bounds are remembered,
 * so most rows cost two comparisons, not a Date.
 */

let dayStart = Number.NaN;
let dayEnd = Number.NaN;
let dayKeyCached = '';
let labelFormat: Intl.DateTimeFormat | null = null;
let labelWithYearFormat: Intl.DateTimeFormat | null = null;

/** The local calendar day of `epochMs`, as `YYYY-M-D` (equal strings: the same day). */
export function dayKey(epochMs: number): string {
  if (epochMs >= dayStart && epochMs < dayEnd) return dayKeyCached;
  const date = new Date(epochMs);
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const end = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1);
  dayStart = start.getTime();
  dayEnd = end.getTime();
  dayKeyCached = `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
  return dayKeyCached;
}

/** `Today`, `Yesterday`, `3 December`, or `3 December 2025` for another year. */
export function formatDayLabel(epochMs: number, now: number): string {
  const date = new Date(epochMs);
  const today = new Date(now);
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(date, today)) return 'Today';
  if (sameDay(date, yesterday)) return 'Yesterday';
  if (date.getFullYear() === today.getFullYear()) {
    labelFormat ??= new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long' });
    return labelFormat.format(date);
  }
  labelWithYearFormat ??= new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
  return labelWithYearFormat.format(date);
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}
