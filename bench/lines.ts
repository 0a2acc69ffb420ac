/**
 * The bench's line format and the two protocol dialects it understands, all in byte
 * arithmetic: the reader handles >10 million lines a second, so nothing here may
 * allocate a string per line.
 *
 * A bench line, as the sender writes it (fixed width so a reader finds every field by
 * offset from the line's end, whatever prefix the server put in front):
 *
 *   B SSSSS QQQQQQQQQQ TTTTTTTTTTTTTTTT ....\n
 *   | |     |          |                 `- '.' padding up to the scenario's line size
 *   | |     |          `- send time, ns since the run's shared monotonic base (16 digits)
 *   | |     `- per-sender sequence number, from 0 (10 digits)
 *   | `- sender id (5 digits)
 *   `- marker
 */

export type Dialect = 'tincan' | 'ncat';

const SENDER_AT = 2;
const SENDER_WIDTH = 5;
const SEQ_AT = SENDER_AT + SENDER_WIDTH + 1; // 8
const SEQ_WIDTH = 10;
const TS_AT = SEQ_AT + SEQ_WIDTH + 1; // 19
const TS_WIDTH = 16;
const FIELDS_END = TS_AT + TS_WIDTH; // 35

/** Smallest line (with its newline) that still has a space and one pad byte after the fields. */
export const MIN_LINE_BYTES = FIELDS_END + 3;

const CH_NL = 10;
const CH_SPACE = 32;
const CH_DOT = 46;
const CH_0 = 48;
const CH_B = 66;
const CH_LT = 60;
const CH_A = 97;
const CH_OPEN = 40;
const CH_CLOSE = 41;
const CH_C = 99;
const CH_D = 100;

export function writeDecimal(buf: Buffer, at: number, width: number, value: number): void {
  let v = value;
  for (let i = at + width - 1; i >= at; i--) {
    const q = Math.floor(v / 10);
    buf[i] = CH_0 + (v - q * 10);
    v = q;
  }
}

export function readDecimal(buf: Buffer, at: number, width: number): number {
  let v = 0;
  const end = at + width;
  for (let i = at; i < end; i++) v = v * 10 + (buf[i]! - CH_0);
  return v;
}

/** One sender's line template: marker, sender id and padding filled in once. */
export function lineTemplate(sender: number, lineBytes: number): Buffer {
  if (lineBytes < MIN_LINE_BYTES) throw new Error(`line size must be >= ${MIN_LINE_BYTES} bytes`);
  const t = Buffer.alloc(lineBytes, CH_DOT);
  t[0] = CH_B;
  t[1] = CH_SPACE;
  writeDecimal(t, SENDER_AT, SENDER_WIDTH, sender);
  t[SEQ_AT - 1] = CH_SPACE;
  t[TS_AT - 1] = CH_SPACE;
  t[FIELDS_END] = CH_SPACE;
  t[lineBytes - 1] = CH_NL;
  return t;
}

/** Writes `count` consecutive lines starting at `firstSeq`, all stamped `sentNs`. */
export function fillLines(template: Buffer, firstSeq: number, count: number, sentNs: number): Buffer {
  const size = template.length;
  const out = Buffer.allocUnsafe(size * count);
  for (let i = 0; i < count; i++) {
    const off = i * size;
    template.copy(out, off);
    writeDecimal(out, off + SEQ_AT, SEQ_WIDTH, firstSeq + i);
    writeDecimal(out, off + TS_AT, TS_WIDTH, sentNs);
  }
  return out;
}

/**
 * Where a received line's bench payload starts, or -1 if it is not a bench line.
 * `end` is the index of the line's newline (exclusive end); `payloadBytes` = lineBytes - 1.
 * Both dialects put `<prefix> ` before the payload, so the payload is the line's tail.
 * ncat prefixes each *read* rather than each line, so after the first line of a read
 * the rest arrive bare: a payload with no prefix at all counts too.
 */
export function payloadStart(buf: Buffer, start: number, end: number, payloadBytes: number): number {
  const p = end - payloadBytes;
  if (p < start || (p > start && buf[p - 1] !== CH_SPACE)) return -1;
  return buf[p] === CH_B && buf[p + 1] === CH_SPACE && buf[p + FIELDS_END] === CH_SPACE ? p : -1;
}

export function senderAt(buf: Buffer, p: number): number {
  return readDecimal(buf, p + SENDER_AT, SENDER_WIDTH);
}
export function seqAt(buf: Buffer, p: number): number {
  return readDecimal(buf, p + SEQ_AT, SEQ_WIDTH);
}
export function sentNsAt(buf: Buffer, p: number): number {
  return readDecimal(buf, p + TS_AT, TS_WIDTH);
}

/**
 * Is this line a "someone connected" notice?
 *  tincan: `[IP:port] (connected)`           -> tail is ` (connected)`
 *  ncat:   `<announce> IP is connected as <userN>.` -> `<announce> ` then a digit
 *          (`<announce> already connected: …` and `<announce> <userN> is disconnected.` are not)
 */
export function isConnectedNotice(dialect: Dialect, buf: Buffer, start: number, end: number): boolean {
  if (dialect === 'tincan') {
    return (
      end - start >= 13 &&
      buf[end - 1] === CH_CLOSE &&
      buf[end - 11] === CH_OPEN &&
      buf[end - 10] === CH_C &&
      buf[end - 12] === CH_SPACE
    );
  }
  if (end - start < 13 || buf[start] !== CH_LT || buf[start + 1] !== CH_A || buf[start + 10] !== CH_SPACE) return false;
  const c = buf[start + 11]!;
  return c >= CH_0 && c <= CH_0 + 9;
}

/**
 * Is this line Tincan's "someone left" notice, `[IP:port] (disconnected)`? Only counted in a
 * TLS join storm (see worker.ts): a TLS client whose ClientHello came after Tincan's 50 ms
 * silence rule is joined as a quiet plain client, fails its handshake on the notices, leaves
 * and is opened again.
 */
export function isDisconnectedNotice(dialect: Dialect, buf: Buffer, start: number, end: number): boolean {
  return dialect === 'tincan' && end - start >= 16 && buf[end - 1] === CH_CLOSE && buf[end - 14] === CH_OPEN &&
    buf[end - 13] === CH_D && buf[end - 15] === CH_SPACE;
}

/** How many clients receive each chat line: tincan echoes to the sender, ncat does not. */
export function receiversPerLine(dialect: Dialect, clients: number): number {
  return dialect === 'tincan' ? clients : clients - 1;
}

/**
 * Connected-notices each client should end up with, as a sorted list's first and last
 * value (the k-th client to be accepted gets one per later client; ncat also tells a
 * client about itself).
 */
export function noticeRange(dialect: Dialect, clients: number): { first: number; last: number } {
  return dialect === 'tincan' ? { first: 0, last: clients - 1 } : { first: 1, last: clients };
}

export function expectedNotices(dialect: Dialect, clients: number): number {
  const { first, last } = noticeRange(dialect, clients);
  return ((first + last) * clients) / 2;
}
