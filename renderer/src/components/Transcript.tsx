import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { splitLinks } from '../lib/links';
import { peerHueClass } from '../lib/peer-colour';
import { formatClock, formatFullTime } from '../lib/time';
import { openLink } from '../state/actions';
import { useChatStore } from '../state/store';

/** Rows rendered while following the newest lines; older ones are a click away. */
export const FOLLOW_WINDOW_ROWS = 300;
/** Rows added per "Show earlier messages" or per scroll past the bottom of a paused view. */
const PAGE_ROWS = 300;
/** A paused view never renders more than this; rows fall off the far end as it grows. */
const MAX_WINDOW_ROWS = 1500;
/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 24;

/** First index whose seq is >= `seq` (lines are in seq order). */
function lowerBound(lines: readonly ChatLine[], seq: number): number {
  let low = 0;
  let high = lines.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (lines[mid]!.seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Seqs of the first and last line shown while the user reads older lines. */
interface PausedWindow {
  startSeq: number;
  endSeq: number;
}

/** Where a row was before a render that changes rows above it, to keep it still on screen. */
interface ScrollAnchor {
  seq: number;
  offsetTop: number;
}

export function Transcript() {
  const lines = useChatStore((s) => s.lines);
  const droppedLines = useChatStore((s) => s.droppedLines);
  const [paused, setPaused] = useState<PausedWindow | null>(null);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const anchorRef = useRef<ScrollAnchor | null>(null);

  const { visible, firstIndex, endIndex } = useMemo(() => {
    if (paused === null) {
      const first = Math.max(0, lines.length - FOLLOW_WINDOW_ROWS);
      return { visible: lines.slice(first), firstIndex: first, endIndex: lines.length };
    }
    const first = lowerBound(lines, paused.startSeq);
    const end = lowerBound(lines, paused.endSeq + 1);
    return { visible: lines.slice(first, end), firstIndex: first, endIndex: end };
  }, [lines, paused]);

  const newerCount = lines.length - endIndex;
  const hasEarlier = firstIndex > 0;

  const rowOffset = (seq: number): number | null => {
    const row = scrollerRef.current?.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
    return row ? row.offsetTop : null;
  };

  const rememberAnchor = (seq: number) => {
    const offsetTop = rowOffset(seq);
    anchorRef.current = offsetTop === null ? null : { seq, offsetTop };
  };

  // Where the last row was after the previous render of a paused view: if rows above it
  // change (old lines dropped at the 10,000 cap), the view is moved back to keep it still.
  const lastRowRef = useRef<ScrollAnchor | null>(null);

  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    if (paused === null) {
      lastRowRef.current = null;
      scroller.scrollTop = scroller.scrollHeight;
      return;
    }
    const anchor = anchorRef.current ?? lastRowRef.current;
    anchorRef.current = null;
    if (anchor) {
      const offsetTop = rowOffset(anchor.seq);
      if (offsetTop !== null && offsetTop !== anchor.offsetTop) scroller.scrollTop += offsetTop - anchor.offsetTop;
    }
    const last = visible[visible.length - 1];
    const lastOffset = last ? rowOffset(last.seq) : null;
    lastRowRef.current = last && lastOffset !== null ? { seq: last.seq, offsetTop: lastOffset } : null;
  }, [visible, paused]);

  // The scroller shrinks when a banner or notice appears; a following view stays pinned.
  const followingRef = useRef(true);
  useLayoutEffect(() => {
    followingRef.current = paused === null;
  }, [paused]);
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (followingRef.current) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    return () => observer.disconnect();
  }, []);

  const follow = useCallback(() => {
    anchorRef.current = null;
    setPaused(null);
  }, []);

  const showEarlier = () => {
    const first = visible[0];
    const last = visible[visible.length - 1];
    if (!first || !last) return;
    const startIndex = Math.max(0, firstIndex - PAGE_ROWS);
    const endSeq = visible.length + (firstIndex - startIndex) > MAX_WINDOW_ROWS
      ? lines[startIndex + MAX_WINDOW_ROWS - 1]!.seq
      : last.seq;
    rememberAnchor(first.seq);
    setPaused({ startSeq: lines[startIndex]!.seq, endSeq });
  };

  const onScroll = () => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK_PX;
    const first = visible[0];
    const last = visible[visible.length - 1];
    if (!first || !last) return;
    if (paused === null) {
      if (!atBottom) setPaused({ startSeq: first.seq, endSeq: last.seq });
      return;
    }
    if (!atBottom) return;
    if (newerCount === 0) {
      follow();
      return;
    }
    // Reading on past the bottom of a paused view: reveal the next page, let the top fall off.
    const endIndexNext = Math.min(lines.length, endIndex + PAGE_ROWS);
    const startIndexNext = Math.max(firstIndex, endIndexNext - MAX_WINDOW_ROWS);
    rememberAnchor(last.seq);
    setPaused({ startSeq: lines[startIndexNext]!.seq, endSeq: lines[endIndexNext - 1]!.seq });
  };

  return (
    <div className="transcript">
      <div
        ref={scrollerRef}
        className="transcript-scroller"
        role="log"
        aria-label="Messages"
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
      >
        {hasEarlier ? (
          <div className="transcript-earlier">
            <button type="button" className="link-button" onClick={showEarlier}>
              Show earlier messages ({firstIndex})
            </button>
          </div>
        ) : (
          <p className="transcript-start">
            {droppedLines > 0
              ? `${droppedLines.toLocaleString()} older lines were dropped to save memory.`
              : lines.length === 0
                ? 'No messages yet. Say hello!'
                : 'This is the start of the conversation.'}
          </p>
        )}
        <ol className="rows">
          {visible.map((line) => (
            <TranscriptRow key={line.seq} line={line} />
          ))}
        </ol>
      </div>
      {paused !== null && (
        <button type="button" className="jump-latest" onClick={follow}>
          {newerCount > 0 ? `Jump to latest (${newerCount.toLocaleString()} new)` : 'Jump to latest'}
        </button>
      )}
    </div>
  );
}

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
