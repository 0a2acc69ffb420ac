import { useDeferredValue, useRef } from 'react';
import { useScrollAnchoring } from '../hooks/useScrollAnchoring';
import { useTranscriptWindow } from '../hooks/useTranscriptWindow';
import { useChatStore } from '../state/store';
import { TranscriptRow } from './TranscriptRow';

/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 24;

/** The conversation: a window of rows over the transcript, following the newest unless the user reads back. */
export function Transcript() {
  // Rendered as a deferred value: React renders new rows in slices it can interrupt, so a
  // burst never blocks typing; the store (and main's flow control) keep up regardless.
  const lines = useDeferredValue(useChatStore((s) => s.lines));
  const droppedLines = useChatStore((s) => s.droppedLines);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const view = useTranscriptWindow(lines);
  const { keepStill } = useScrollAnchoring(scrollerRef, view.visible, view.following);
  const hasEarlier = view.firstIndex > 0;

  const onScroll = () => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK_PX;
    if (view.following) {
      if (!atBottom) view.pause();
    } else if (atBottom) {
      keepStill(view.readOn());
    }
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
            <button type="button" className="link-button" onClick={() => keepStill(view.showEarlier())}>
              Show earlier messages ({view.firstIndex})
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
          {view.visible.map((line) => (
            <TranscriptRow key={line.seq} line={line} />
          ))}
        </ol>
      </div>
      {!view.following && (
        <button type="button" className="jump-latest" onClick={view.follow}>
          {view.newerCount > 0 ? `Jump to latest (${view.newerCount.toLocaleString()} new)` : 'Jump to latest'}
        </button>
      )}
    </div>
  );
}
