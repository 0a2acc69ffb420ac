/**
 * The app's log: electron-log's file transport into `main.log` in the app's log folder,
 * capped in size (at `maxBytes` the file becomes main.old.log and a new one starts, so at most
 * about twice that is kept). Behind main/app's Logger interface, so the app layer stays
 * Electron-free. The Node flavour of electron-log: it needs no IPC from renderers (ours log
 * nothing) and opens no channel a page could write into the log through.
 *
 * Entries are rate-limited (a churning attacker must not make us write all day); what was
 * left out is counted in the next entry written.
 */
import path from 'node:path';
import electronLog from 'electron-log/node';
import { formatLogEntry, type LogFields, type Logger } from '../app/logger';
import { TokenBucket } from '../common/token-bucket';

export const LOG_FILE_NAME = 'main.log';
export const DEFAULT_LOG_MAX_BYTES = 1024 * 1024;

export interface FileLoggerOptions {
  maxBytes?: number;
  /** Also print to the terminal (a dev checkout). */
  console?: boolean;
  /** Entries per second, and at once; default 20 and 200. */
  perSecond?: number;
  burst?: number;
}

export interface FileLogger extends Logger {
  readonly file: string;
}

let nextLogId = 1;

export function createFileLogger(directory: string, options: FileLoggerOptions = {}): FileLogger {
  const file = path.join(directory, LOG_FILE_NAME);
  const log = electronLog.create({ logId: `tincan-${nextLogId++}` });
  log.transports.file.resolvePathFn = () => file;
  log.transports.file.maxSize = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  // electron-log pads `{level}]` so the messages line up.
  log.transports.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  log.transports.console.level = options.console === true ? 'info' : false;
  const budget = new TokenBucket(options.perSecond ?? 20, options.burst ?? 200, performance.now());
  let suppressed = 0;
  const write = (level: 'info' | 'warn' | 'error', event: string, fields?: LogFields): void => {
    if (!budget.take(performance.now())) {
      suppressed += 1;
      return;
    }
    const extra: LogFields = suppressed > 0 ? { ...fields, suppressedBefore: suppressed } : (fields ?? {});
    suppressed = 0;
    log[level](formatLogEntry(event, extra));
  };
  return {
    file,
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

/**
 * Logs what would otherwise vanish in main: uncaught exceptions and unhandled rejections.
 * Returns the function that stops (tests; the app keeps it for its lifetime).
 */
export function logProcessErrors(logger: Logger, target: Pick<NodeJS.Process, 'on' | 'off'> = process): () => void {
  const onException = (error: Error): void =>
    logger.error('uncaught exception', { name: error.name, message: error.message.slice(0, 200) });
  const onRejection = (reason: unknown): void =>
    logger.error('unhandled rejection', { message: reason instanceof Error ? reason.message : String(reason).slice(0, 200) });
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}
