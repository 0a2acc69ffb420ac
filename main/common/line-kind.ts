/**
 * The one vocabulary of what a line is, used everywhere a line goes: the protocol parser,
 * the session's lines, the window, the history database (stored as these words) and the
 * notifications. Pure.
 */
export const LINE_KINDS = [
  /** `[IP:port] text`: a member said something. */
  'message',
  /** `[IP:port] (connected)`. */
  'connected',
  /** `[IP:port] (disconnected)`. */
  'disconnected',
  /** A line the server wrote itself (`Tincan: …`, see ServerNotice). */
  'notice',
  /** A line not in protocol form (or a notice that cannot be true, such as one about ourselves), shown as it came. */
  'raw',
  /** Main dropped lines because the window could not keep up; the text says how many. Never stored. */
  'skipped',
] as const;

export type LineKind = (typeof LINE_KINDS)[number];

/** The kinds a member's line has on the wire (main/chat/protocol.ts). */
export type ServerLineKind = Extract<LineKind, 'message' | 'connected' | 'disconnected'>;

/** The kinds history stores ('skipped' only stands in for lines the window missed). */
export type StoredLineKind = Exclude<LineKind, 'skipped'>;

/** A kind read back from a file (a newer version may write kinds this one does not know): those show as raw lines. */
export function readStoredKind(kind: unknown): StoredLineKind {
  return typeof kind === 'string' && kind !== 'skipped' && (LINE_KINDS as readonly string[]).includes(kind) ? (kind as StoredLineKind) : 'raw';
}
