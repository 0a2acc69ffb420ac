import { memo, useMemo, type MouseEvent } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { splitLinks } from '../lib/links';
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

function MessageText({ text }: { text: string }) {
  const parts = useMemo(() => splitLinks(text), [text]);
  return (
    <span className="text">
      {parts.map((part, index) =>
        part.kind === 'text' ? (
          part.text
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
            {part.text}
          </a>
        ),
      )}
    </span>
  );
}

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

export const TranscriptRow = memo(function TranscriptRow({ line }: { line: ChatLine }) {
  const time = (
    <time className="time" dateTime={new Date(line.at).toISOString()} title={formatFullTime(line.at)}>
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
          <span className="text">{line.text}</span>
        </li>
      );
  }
});
