/**
 * A reference model of the protocol's framing rules, written independently of LineDecoder:
 * the whole input at once, no streaming, no carry. Tests compare the server (which decodes
 * whatever chunks arrive) against it.
 *
 *  - `\n`, `\r\n`, `\r` and `\r\0` end a line.
 *  - Telnet: IAC IAC is a literal 0xFF byte; IAC WILL/WONT/DO/DONT x, IAC SB … IAC SE and any
 *    other IAC x are removed.
 *  - A line of more than `max` bytes is cut into pieces of at most `max`, each cut placed
 *    before the last character if that character is incomplete.
 *  - Each piece is decoded as UTF-8 and cleaned (sanitize.ts); if cleaning made it longer
 *    than `max` it is cut again on character boundaries; blank pieces are dropped.
 */
import { stripControls } from '../../main/chat/sanitize';

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

/** The raw lines (bytes between line ends, telnet removed); the last one only if the stream ended. */
export function rawLines(bytes: Uint8Array, ended: boolean): number[][] {
  const lines: number[][] = [];
  let line: number[] = [];
  let i = 0;
  const endLine = (): void => {
    lines.push(line);
    line = [];
  };
  while (i < bytes.length) {
    const b = bytes[i++]!;
    if (b === LF) endLine();
    else if (b === CR) {
      endLine();
      if (bytes[i] === LF || bytes[i] === NUL) i++;
    } else if (b !== IAC) line.push(b);
    else {
      const command = bytes[i++];
      if (command === IAC) line.push(IAC);
      else if (command !== undefined && command >= WILL && command <= DONT) i++;
      else if (command === SB) {
        // skipped up to IAC SE; an IAC followed by anything else (IAC included) stays inside
        while (i < bytes.length) {
          if (bytes[i++] === IAC && bytes[i++] === SE) break;
        }
      }
    }
  }
  if (ended) endLine();
  return lines;
}

/** The decoder's cut: `max` bytes, minus the last character if it is incomplete. */
function cutPoint(piece: number[]): number {
  const length = piece.length;
  for (let back = 1; back <= 4 && back <= length; back++) {
    const b = piece[length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back && back < length ? length - back : length;
  }
  return length;
}

function cleanPieces(raw: number[], max: number, out: string[]): void {
  const text = stripControls(Buffer.from(raw).toString('utf8'));
  let piece = '';
  let pieceBytes = 0;
  const flush = (): void => {
    if (piece.trim().length > 0) out.push(piece);
    piece = '';
    pieceBytes = 0;
  };
  for (const character of text) {
    const size = Buffer.byteLength(character);
    if (pieceBytes + size > max) flush();
    piece += character;
    pieceBytes += size;
  }
  flush();
}

/** The lines the room relays for this input, in order. */
export function expectedLines(bytes: Uint8Array, max: number, ended = false): string[] {
  const out: string[] = [];
  for (const line of rawLines(bytes, ended)) {
    let rest = line;
    while (rest.length >= max) {
      const cut = cutPoint(rest.slice(0, max));
      cleanPieces(rest.slice(0, cut), max, out);
      rest = rest.slice(cut);
    }
    if (rest.length > 0) cleanPieces(rest, max, out);
  }
  return out;
}
