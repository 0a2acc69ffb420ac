import { Fragment, memo, useMemo, type MouseEvent } from 'react';
import type { ChatLine, MatchRange } from '../../../main/common/ipc-contract';
import type { MentionMatcher } from '../../../main/common/mentions';
import { splitMessage } from '../lib/highlight';
import { peerHueClass } from '../lib/peer-colour';
import { formatClock, formatFullTime } from '../lib/time';
import { openLink } from '../state/actions';

function onLinkClick(event: MouseEvent<HTMLAnchorElement>) {
  // The page must never navigate; the OS browser opens the link through main.
  event.preventDefault();
  const url = event.currentTarget.dataset.url;
  if (url) void openLink(url);
}

function preventNavigation(event: MouseEvent<HTMLAnchorElement>) {
  event.preventDefault();
}

/** Message text with its links, and `marks` (mentions, search matches) highlighted. */
export function MessageText({ text, marks, markClass = 'mention' }: { text: string; marks: readonly MatchRange[]; markClass?: string }) {
  const parts = useMemo(() => splitMessage(text, marks), [text, marks]);
  return (
    <span className="text">
      {parts.map((part, index) => {
        const content = part.marked ? <mark className={markClass}>{part.text}</mark> : part.text;
        return part.kind === 'text' ? (
          <Fragment key={index}>{content}</Fragment>
        ) : (
          <a
            key={index}
            href={part.url}
            data-url={part.url}
            rel="noreferrer noopener"
            onClick={onLinkClick}
            onAuxClick={preventNavigation}
            title={`Open ${part.url} in your browser`}
          >
            {content}
          </a>
        );
      })}
    </span>
  );
}

const NO_MARKS: readonly MatchRange[] = [];

function Sender({ line }: { line: ChatLine }) {
  if (line.self) {
    return (
      <span className="sender sender-self" title={line.peer}>
        you
      </span>
    );
  }
  return (
    <span className={`sender ${peerHueClass(line.peer)}`} title={line.peer}>
      {line.peer}
    </span>
  );
}

export interface TranscriptRowProps {
  line: ChatLine;
  /** The user's keywords: mentions in others' messages are highlighted. */
  mentions?: MentionMatcher | null;
  /** The row a search or a notification led to. */
  target?: boolean;
}

export const TranscriptRow = memo(function TranscriptRow({ line, mentions = null, target = false }: TranscriptRowProps) {
  const time = (
    <time className="time" dateTime={new Date(line.at).toISOString()} title={formatFullTime(line.at)}>
      {formatClock(line.at)}
    </time>
  );
  const marks = !line.self && line.kind === 'message' && mentions !== null && !mentions.empty ? mentions.find(line.text) : NO_MARKS;
  const extra = `${marks.length > 0 ? ' row-mention' : ''}${target ? ' row-target' : ''}`;
  switch (line.kind) {
    case 'message':
      return (
        <li className={`${line.self ? 'row row-message row-self' : 'row row-message'}${extra}`} data-seq={line.seq}>
          {time}
          <Sender line={line} />
          <MessageText text={line.text} marks={marks} />
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
            <Sender line={line} /> {line.kind === 'connected' ? 'joined' : 'left'}
          </span>
        </li>
      );
    case 'raw':
      return (
        <li className={`row row-raw${extra}`} data-seq={line.seq}>
          {time}
          <span className="text">{line.text}</span>
        </li>
      );
  }
});
