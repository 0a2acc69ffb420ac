/**
 * One transcript row. Everything that came over the network is text, never markup; each
 * message and label is its own bidi island (`dir="auto"`, `unicode-bidi: isolate`), so an
 * override character cannot reorder the row around it, and stacked combining marks are
 * clipped to the row (transcript.css). A long line shows its first few lines and a button
 * for the rest: laying every long row out whole on each batch made typing lag in a flood.
 */
import { memo, useMemo, useState, type MouseEvent, type ReactNode } from 'react';
import type { ChatLine, MatchRange } from '../../../main/common/ipc-contract';
import { SELF_LABEL, personLabel, presentLine } from '../../../main/common/line-presenter';
import type { MentionMatcher } from '../../../main/common/mentions';
import { clipParts, splitMessage, type MarkedPiece } from '../lib/highlight';
import { clipPoint, countCharacters } from '../lib/long-line';
import { peerHueClass } from '../lib/peer-colour';
import { formatClock, formatFullTime, isoSecondOf } from '../lib/time';
import { editName, openLink } from '../state/actions';
import { PersonMark } from './PersonMark';

function onLinkClick(event: MouseEvent<HTMLAnchorElement>) {
  // The page must never navigate; the OS browser opens the link through main.
  event.preventDefault();
  const url = event.currentTarget.dataset.url;
  if (url) void openLink(url);
}

function preventNavigation(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
}

function Marked({ piece, markClass }: { piece: MarkedPiece; markClass: string }) {
  return piece.marked ? <mark className={markClass}>{piece.text}</mark> : piece.text;
}

export interface MessageTextProps {
  text: string;
  marks: readonly MatchRange[];
  markClass?: string;
  /** Show only the first this many characters (see clipPoint), ended by an ellipsis. */
  clipAt?: number | null;
}

/** Message text with its links (only those that are not sneaky), and `marks` (mentions, search matches) highlighted. */
export function MessageText({ text, marks, markClass = 'mention', clipAt = null }: MessageTextProps) {
  // Links and marks are found in the whole text, then cut: a clipped link is never opened half.
  const whole = useMemo(() => splitMessage(text, marks), [text, marks]);
  const parts = useMemo(() => (clipAt === null ? whole : clipParts(whole, clipAt)), [whole, clipAt]);
  return (
    <span className={clipAt === null ? 'text' : 'text text-clipped'} dir="auto">
      {parts.map((part, index) =>
        part.kind === 'text' ? (
          <Marked key={index} piece={part} markClass={markClass} />
        ) : (
          <span key={index} className="link">
            <a
              href={part.url}
              data-url={part.url}
              rel="noreferrer noopener"
              onClick={onLinkClick}
              onAuxClick={preventNavigation}
              title={`Opens ${part.host} in your browser`}
            >
              {part.pieces.map((piece, pieceIndex) => (
                <Marked key={pieceIndex} piece={piece} markClass={markClass} />
              ))}
            </a>
            {/* Written in another alphabet than the real (punycode) host: say where it goes. */}
            {part.unicodeHost && <span className="link-host"> ({part.host})</span>}
          </span>
        ),
      )}
      {clipAt !== null && '…'}
    </span>
  );
}

/**
 * A line's text, clipped to a few lines when it is long, with a button that shows all of it
 * (and one that clips it again). `render` draws the text up to a clip point, or whole (null).
 */
function LongLine({ text, render }: { text: string; render: (clipAt: number | null) => ReactNode }) {
  const [expanded, setExpanded] = useState(false);
  const clipAt = clipPoint(text);
  if (clipAt === null) return render(null);
  return (
    <span className="text-long">
      {render(expanded ? null : clipAt)}
      <button type="button" className="link-button show-all" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
        {expanded ? 'Show less' : `Show all (${countCharacters(text).toLocaleString()} characters)`}
      </button>
    </span>
  );
}

const NO_MARKS: readonly MatchRange[] = [];

/**
 * Who a line is by: the name with the address beside it in a quieter style, or the address
 * alone. The colour follows the address, so a rename keeps it; so does the mark beside it,
 * which says who without colour. `hidden`: said to screen readers only (a grouped row).
 * The words are the line presenter's; the spans only lay them out.
 */
function Sender({ line, name, hidden = false }: { line: ChatLine; name: string | null; hidden?: boolean }) {
  if (line.self) {
    return (
      <span className={hidden ? 'sender sender-self visually-hidden' : 'sender sender-self'} dir="auto" title={line.peer}>
        {SELF_LABEL}
      </span>
    );
  }
  if (hidden) {
    return (
      <span className="sender visually-hidden" dir="auto">
        {personLabel(line.peer, name)}
      </span>
    );
  }
  return (
    <span className={`sender ${peerHueClass(line.peer)}`} dir="auto" title={line.peer}>
      {name === null ? (
        line.peer
      ) : (
        <>
          <span className="sender-name" dir="auto">
            {name}
          </span>{' '}
          <span className="sender-address">{line.peer}</span>
        </>
      )}
    </span>
  );
}

export interface TranscriptRowProps {
  line: ChatLine;
  /** The user's keywords: mentions in others' messages are highlighted. */
  mentions?: MentionMatcher | null;
  /** The row a search or a notification led to. */
  target?: boolean;
  /** The name of the person the line is by or about, when the server told it. */
  name?: string | null;
  /**
   * The row continues the message block of the row above (lib/grouping.ts): no name or mark,
   * and its time shows on hover or focus only (screen readers still hear both).
   */
  continued?: boolean;
}

export const TranscriptRow = memo(function TranscriptRow({ line, mentions = null, target = false, name = null, continued = false }: TranscriptRowProps) {
  const grouped = continued && line.kind === 'message';
  const time = (
    <time className={grouped ? 'time time-grouped' : 'time'} dateTime={isoSecondOf(line.at)} title={formatFullTime(line.at)}>
      {formatClock(line.at)}
    </time>
  );
  const marks = !line.self && line.kind === 'message' && mentions !== null && !mentions.empty ? mentions.find(line.text) : NO_MARKS;
  const { who, what } = presentLine(line, { name });
  const extra = `${marks.length > 0 ? ' row-mention' : ''}${target ? ' row-target' : ''}`;
  switch (line.kind) {
    case 'message':
      return (
        <li
          className={`${line.self ? 'row row-message row-self' : 'row row-message'}${grouped ? ' row-grouped' : ''}${line.replayed ? ' row-replayed' : ''}${extra}`}
          data-seq={line.seq}
        >
          {time}
          {!line.self && (grouped ? <span className="person-mark-space" aria-hidden="true" /> : <PersonMark peer={line.peer} name={name} />)}
          <Sender line={line} name={name} hidden={grouped} />
          <LongLine text={line.text} render={(clipAt) => <MessageText text={line.text} marks={marks} clipAt={clipAt} />} />
          {marks.length > 0 && <span className="visually-hidden"> (mentions you)</span>}
        </li>
      );
    case 'connected':
    case 'disconnected':
      return (
        <li className={`row row-notice row-${line.kind}${extra}`} data-seq={line.seq}>
          {time}
          <span className="notice-text">
            <span className="notice-icon" aria-hidden="true">
              {line.kind === 'connected' ? '→' : '←'}
            </span>
            {!line.self && <PersonMark peer={line.peer} name={name} />}
            <Sender line={line} name={name} /> {what}
          </span>
        </li>
      );
    case 'raw':
      return (
        <li className={`row row-raw${extra}`} data-seq={line.seq}>
          {time}
          <LongLine
            text={line.text}
            render={(clipAt) => (
              <span className={clipAt === null ? 'text' : 'text text-clipped'} dir="auto">
                {clipAt === null ? line.text : `${line.text.slice(0, clipAt)}…`}
              </span>
            )}
          />
        </li>
      );
    case 'notice':
      // The catch-up's header and footer frame the replayed lines.
      if (line.notice?.kind === 'replay-start' || line.notice?.kind === 'replay-end') {
        const start = line.notice.kind === 'replay-start';
        return (
          <li className={`divider ${start ? 'divider-replay' : 'divider-live'}`} data-seq={line.seq}>
            <span role="separator" aria-label={start ? 'Before you joined' : 'Live from here'}>
              {start ? 'Before you joined' : 'Live from here'}
            </span>
          </li>
        );
      }
      return (
        <li className={`row row-server${extra}`} data-seq={line.seq}>
          {time}
          <span className="notice-text" dir="auto">
            <span className="notice-source">{who}</span> {what}
          </span>
          {line.notice?.kind === 'name-refused' && (
            <button type="button" className="link-button" onClick={editName}>
              Choose another name
            </button>
          )}
        </li>
      );
    case 'skipped':
      return (
        <li className="row row-skipped" data-seq={line.seq}>
          {time}
          <span className="text">{line.text}</span>
        </li>
      );
  }
});
