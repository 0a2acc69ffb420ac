/**
 * The main window's size and position between runs. Pure apart from the file read/write:
 * the display layout comes in as data so a window saved on a monitor that is gone opens
 * on one that is there.
 */
import * as v from 'valibot';
import { readJsonFile, type JsonFileWriter } from '../app/json-file';
import { lenient } from '../common/schema';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Absent: let the system place the window. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1000, height: 700 } as const;
/** Small enough for an 800×600 screen with a taskbar, big enough for the layout. */
export const MIN_WINDOW_SIZE = { width: 640, height: 480 } as const;
/** How much of the title bar must be on a screen for the saved position to count as visible. */
const MIN_VISIBLE_PIXELS = 64;

/** A saved coordinate or size: a finite number of sane magnitude. */
const pixels = v.pipe(
  v.number(),
  v.check((value: number) => Number.isFinite(value) && Math.abs(value) < 1e6),
);

/** The file as read back: lenient, a bad field is its default (no position: the system places the window). */
const SAVED_WINDOW = v.pipe(
  v.unknown(),
  v.transform((value) => (typeof value === 'object' && value !== null ? value : {})),
  v.object({
    x: lenient(v.optional(pixels), () => undefined),
    y: lenient(v.optional(pixels), () => undefined),
    width: lenient(pixels, () => DEFAULT_WINDOW_SIZE.width),
    height: lenient(pixels, () => DEFAULT_WINDOW_SIZE.height),
    maximized: lenient(v.boolean(), () => false),
  }),
);

function overlap(a: Rectangle, b: Rectangle): { width: number; height: number } {
  return {
    width: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    height: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Turns whatever was saved into bounds that fit: size clamped between the minimum and the
 * largest work area, position kept only if enough of the window's top lands on a display.
 */
export function restoreWindowState(saved: unknown, workAreas: readonly Rectangle[]): WindowState {
  const result: WindowState = { ...DEFAULT_WINDOW_SIZE, maximized: false };
  const largest = workAreas.reduce(
    (best, area) => ({ width: Math.max(best.width, area.width), height: Math.max(best.height, area.height) }),
    { width: 0, height: 0 },
  );
  const maxWidth = largest.width > 0 ? Math.max(MIN_WINDOW_SIZE.width, largest.width) : Number.POSITIVE_INFINITY;
  const maxHeight = largest.height > 0 ? Math.max(MIN_WINDOW_SIZE.height, largest.height) : Number.POSITIVE_INFINITY;
  const clampSize = (): void => {
    result.width = Math.round(Math.min(Math.max(result.width, MIN_WINDOW_SIZE.width), maxWidth));
    result.height = Math.round(Math.min(Math.max(result.height, MIN_WINDOW_SIZE.height), maxHeight));
  };
  const record = v.parse(SAVED_WINDOW, saved);
  result.width = record.width;
  result.height = record.height;
  clampSize();
  result.maximized = record.maximized;
  if (record.x !== undefined && record.y !== undefined) {
    const titleBar: Rectangle = { x: Math.round(record.x), y: Math.round(record.y), width: result.width, height: MIN_VISIBLE_PIXELS };
    const visible = workAreas.some((area) => {
      const shared = overlap(titleBar, area);
      return shared.width >= MIN_VISIBLE_PIXELS && shared.height >= MIN_VISIBLE_PIXELS / 2;
    });
    if (visible) {
      result.x = titleBar.x;
      result.y = titleBar.y;
    }
  }
  return result;
}

export async function loadWindowState(filePath: string, workAreas: readonly Rectangle[]): Promise<WindowState> {
  return restoreWindowState(await readJsonFile(filePath), workAreas);
}

/** Saves through `file`, whose writes are chained: an older size never lands after a newer one. */
export function saveWindowState(file: JsonFileWriter, bounds: Rectangle, maximized: boolean): Promise<void> {
  const state: WindowState = { ...bounds, maximized };
  return file.write(state);
}
