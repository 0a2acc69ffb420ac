/**
 * Where the app layer writes down what happened, for a person to read afterwards: clients
 * cut or refused and why, connection errors, flow control. Never message text. main/app stays
 * Electron-free: the shell passes an electron-log implementation (main/electron/log.ts).
 */

export type LogValue = string | number | boolean | null;
export type LogFields = Readonly<Record<string, LogValue>>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Writes nothing: tests and tools that do not keep a log. */
export const SILENT_LOGGER: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** `event key=value key="two words"`: one line per entry, easy to read and to grep. */
export function formatLogEntry(event: string, fields: LogFields = {}): string {
  const parts = [event];
  for (const [key, value] of Object.entries(fields)) {
    const text = String(value);
    parts.push(`${key}=${/^[\w.:[\]/-]*$/.test(text) && text.length > 0 ? text : JSON.stringify(text)}`);
  }
  return parts.join(' ');
}
