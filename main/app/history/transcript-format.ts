/**
 * A stored line as one line of a plain-text transcript, in the line presenter's words, with
 * the local time in front: `2026-12-01 14:03:07 alice (10.0.0.5:50123): text`, or the address
 * alone when no name is known. History rows store no names: the export learns them from the
 * stored name lines as it goes (a NameBook), so a line said before any stored name line of
 * its sender keeps the bare address. A room whose name is
 * known starts with a heading that names it: `Tincan transcript of “Kitchen” (10.0.0.5:60003)`.
 */
import { joinHostPort } from '../../common/address';
import type { HistoryLine, HistoryRoom } from '../../common/history';
import { NameBook, presentLine } from '../../common/line-presenter';

const two = (value: number): string => String(value).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in the computer's time zone. */
export function formatLocalTimestamp(at: number): string {
  const date = new Date(at);
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

/**
 * One stored line of the transcript. `names`: what the lines before it told (it learns from
 * this one too); own lines keep their address, since a saved file is read by others.
 */
export function formatTranscriptLine(line: Pick<HistoryLine, 'at' | 'sender' | 'text' | 'kind'>, names: NameBook = new NameBook()): string {
  names.take(line);
  const { sentence } = presentLine({ kind: line.kind, peer: line.sender, text: line.text, self: false }, { name: names.nameOf(line.sender) });
  return `${formatLocalTimestamp(line.at)} ${sentence}`;
}

/** The first line of a named room's transcript; null when its name is not known. */
export function formatTranscriptHeading(room: Pick<HistoryRoom, 'host' | 'port' | 'name'>): string | null {
  if (room.name === null || room.name === '') return null;
  return `Tincan transcript of “${room.name}” (${joinHostPort(room.host, room.port)})`;
}
