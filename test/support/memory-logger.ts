/** A Logger that keeps its entries in memory, for tests that check what the app writes down. */
import { formatLogEntry, type LogFields, type Logger } from '../../main/app/logger';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  event: string;
  fields: LogFields;
}

export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];

  info(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', event, fields });
  }

  warn(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', event, fields });
  }

  error(event: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', event, fields });
  }

  /** Every entry as the log file would print it, one per line. */
  get text(): string {
    return this.entries.map((entry) => `[${entry.level}] ${formatLogEntry(entry.event, entry.fields)}`).join('\n');
  }

  events(level?: LogEntry['level']): string[] {
    return this.entries.filter((entry) => level === undefined || entry.level === level).map((entry) => entry.event);
  }
}
