/**
 * A stored line as one line of a plain-text transcript, the way the chat printed it, with
 * the local time in front: `2026-12-01 14:03:07 [10.0.0.5:50123] text`. A room whose name is
 * known starts with a heading that names it: `Tincan transcript of “Kitchen” (10.0.0.5:60003)`.
 */
import { joinHostPort } from '../../common/address';
import type { HistoryLine, HistoryRoom } from '../../common/history';
import { CONNECTED_TEXT, DISCONNECTED_TEXT } from '../../chat/protocol';

const two = (value: number): string => String(value).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in the computer's time zone. */
export function formatLocalTimestamp(at: number): string {
  const date = new Date(at);
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`
  );
}

export function formatTranscriptLine(line: Pick<HistoryLine, 'at' | 'sender' | 'text' | 'kind'>): string {
  const time = formatLocalTimestamp(line.at);
  switch (line.kind) {
    case 'message':
      return `${time} [${line.sender}] ${line.text}`;
    case 'connected':
      return `${time} [${line.sender}] ${CONNECTED_TEXT}`;
    case 'disconnected':
      return `${time} [${line.sender}] ${DISCONNECTED_TEXT}`;
    case 'notice':
    case 'raw':
      return line.sender === '' ? `${time} ${line.text}` : `${time} [${line.sender}] ${line.text}`;
  }
}

/** The first line of a named room's transcript; null when its name is not known. */
export function formatTranscriptHeading(room: Pick<HistoryRoom, 'host' | 'port' | 'name'>): string | null {
  if (room.name === null || room.name === '') return null;
  return `Tincan transcript of “${room.name}” (${joinHostPort(room.host, room.port)})`;
}
