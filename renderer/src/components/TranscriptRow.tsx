/**
 * One transcript row. Everything that came over the network is text, never markup; each
 * message and label is its own bidi island (`dir="auto"`, `unicode-bidi: isolate`), so an
 * override character cannot reorder the row around it, and stacked combining marks are
 * clipped to the row (transcript.css).
 */
import { memo, useMemo, type MouseEvent } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { findLinks } from '../../../main/common/links';
import { peerHueClass } from '../lib/peer-colour';
import { formatClock, formatFullTime, isoSecondOf } from '../lib/time';
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

function MessageText({ text }: { text: string }) {
  const parts = useMemo(() => findLinks(text), [text]);
  return (
    <span className="text" dir="auto">
      {parts.map((part, index) =>
        part.kind === 'text' ? (
          part.text
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
              {part.text}
            </a>
            {/* Written in another alphabet than the real (punycode) host: say where it goes. */}
            {part.unicodeHost && <span className="link-host"> ({part.host})</span>}
          </span>
        ),
      )}
    </span>
  );
}

function Sender({ line }: { line: ChatLine }) {
  if (line.self) {
    return (
      <span className="sender sender-self" dir="auto" title={line.peer}>
        you
      </span>
    );
  }
  return (
    <span className={`sender ${peerHueClass(line.peer)}`} dir="auto" title={line.peer}>
      {line.peer}
    </span>
  );
}

export const TranscriptRow = memo(function TranscriptRow({ line }: { line: ChatLine }) {
  const time = (
    <time className="time" dateTime={isoSecondOf(line.at)} title={formatFullTime(line.at)}>
      {formatClock(line.at)}
    </time>
  );
  switch (line.kind) {
    case 'message':
      return (
        <li className={line.self ? 'row row-message row-self' : 'row row-message'} data-seq={line.seq}>
          {time}
          <Sender line={line} />
          <MessageText text={line.text} />
        </li>
      );
    case 'connected':
    case 'disconnected':
      return (
        <li className={`row row-notice row-${line.kind}`} data-seq={line.seq}>
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
        <li className="row row-raw" data-seq={line.seq}>
          {time}
          <span className="text" dir="auto">
            {line.text}
          </span>
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
