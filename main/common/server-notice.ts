/**
 * What a line the server wrote itself says. Pure: main/chat/server-lines.ts reads such lines
 * (parseServerNotice), the session puts the result on a 'notice' ChatLine, the window shows it.
 */

/** A line starting with `Tincan: ` (no member's line can: theirs start with `[`), as the app reads it. */
export type ServerNotice =
  /** `peer` took (`previous` null), changed or dropped (`name` null) its name. */
  | { kind: 'name'; peer: string; name: string | null; previous: string | null }
  /** `/name` could not be done; `reason` is the rest of the line. */
  | { kind: 'name-refused'; reason: string }
  /** The topic now (null: cleared). */
  | { kind: 'topic'; topic: string | null }
  /** Catch-up starts: `count` lines follow, as they went out. */
  | { kind: 'replay-start'; count: number }
  | { kind: 'replay-end' }
  /** Any other line of the server's: shown as it is. */
  | { kind: 'notice'; text: string };
