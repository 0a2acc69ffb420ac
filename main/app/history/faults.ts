/**
 * What went wrong with the history database, in the terms the store acts on: a locked file
 * belongs to another Tincan (refuse, touch nothing), a damaged one is moved aside, a full
 * disk or a failed write makes history unavailable. Node's sqlite errors carry SQLite's
 * (extended) result code as `errcode`; fs errors carry `code`.
 */

/** Every "history is unavailable" sentence starts so; the reason follows. */
export const UNAVAILABLE_PREFIX = 'History is unavailable: ';

export type Fault = 'locked' | 'damaged' | 'full' | 'read-only' | 'io' | 'cannot-open' | 'other';

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;

/** The file's schema is newer than this Tincan understands: neither damaged nor ours to change. */
export class NewerSchemaError extends Error {
  constructor(readonly found: number, readonly known: number) {
    super(`the history file has schema version ${found}; this Tincan knows up to ${known}`);
    this.name = 'NewerSchemaError';
  }
}

export function classifyFault(error: unknown): Fault {
  if (typeof error !== 'object' || error === null) return 'other';
  const { errcode, code } = error as { errcode?: unknown; code?: unknown };
  if (typeof errcode === 'number') {
    switch (errcode & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return 'locked';
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
        return 'damaged';
      case SQLITE_FULL:
        return 'full';
      case SQLITE_READONLY:
        return 'read-only';
      case SQLITE_IOERR:
        return 'io';
      case SQLITE_CANTOPEN:
        return 'cannot-open';
      default:
        return 'other';
    }
  }
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'full';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'read-only';
    case 'EIO':
      return 'io';
    default:
      return 'other';
  }
}

function detailOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { errstr, message } = error as { errstr?: unknown; message?: unknown };
    if (typeof errstr === 'string' && errstr.length > 0) return errstr;
    if (typeof message === 'string' && message.length > 0) return message;
  }
  return 'unknown error';
}

/** The sentence the user reads after "History is unavailable: ". */
export function describeFault(fault: Fault, error: unknown, file: string): string {
  if (error instanceof NewerSchemaError) {
    return `the history file (${file}) was written by a newer version of Tincan; it was left untouched.`;
  }
  switch (fault) {
    case 'locked':
      return `another Tincan is using the history file (${file}).`;
    case 'full':
      return 'the disk is full (or the history reached its size limit), so new lines are not being saved.';
    case 'read-only':
      return `the history file (${file}) cannot be written (${detailOf(error)}).`;
    case 'cannot-open':
      return `the history file (${file}) cannot be opened (${detailOf(error)}).`;
    case 'damaged':
      return `the history file (${file}) is damaged and could not be set aside.`;
    case 'io':
    case 'other':
      return `the history file could not be used (${detailOf(error)}).`;
  }
}
