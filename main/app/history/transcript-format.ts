/**
 * A stored line as one line of a plain-text transcript, the way the chat printed it, with
 * the local time in front: `2026-12-01 14:03:07 [10.0.0.5:50123] text`.
 */
import type { HistoryLine } from '../../common/history';
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
    case 'join':
      return `${time} [${line.sender}] ${CONNECTED_TEXT}`;
    case 'leave':
      return `${time} [${line.sender}] ${DISCONNECTED_TEXT}`;
    case 'system':
      return line.sender === '' ? `${time} ${line.text}` : `${time} [${line.sender}] ${line.text}`;
  }
}
