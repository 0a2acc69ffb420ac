import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChatLine } from '../../../main/common/ipc-contract';
import { MentionMatcher, mentionWords } from '../../../main/common/mentions';
import { useDayClock } from '../hooks/useDayClock';
import { usePacedLines } from '../hooks/usePacedLines';
import { useScrollAnchoring } from '../hooks/useScrollAnchoring';
import { useTranscriptWindow } from '../hooks/useTranscriptWindow';
import { dayKey, formatDayLabel } from '../lib/day';
import { continuesGroup } from '../lib/grouping';
import { formatClock } from '../lib/time';
import { hiddenLinesText, hiddenRuns } from '../lib/hidden-lines';
import { loadOlderHistory, reportView, revealLines } from '../state/actions';
import { useChatStore } from '../state/store';
import { TranscriptRow } from './TranscriptRow';

/** Within this many pixels of the bottom counts as "at the bottom". */
const BOTTOM_SLACK_PX = 24;
/** Within this many pixels of the top, the next page of older history is fetched. */
const TOP_SLACK_PX = 40;
/** How long the row a notification led to stays highlighted. */
const TARGET_HIGHLIGHT_MS = 4000;

/**
 * Between the history of earlier visits and this one: a list item (the list holds only those)
 * holding the separator. The times are those of the last line before and the first line after,
 * the nearest the history knows of when the user left and came back.
 */
function EarlierDivider({ left, back }: { left: number | null; back: number | null }) {
  const said = left === null ? null : back === null ? `You left ${formatClock(left)}` : `You left ${formatClock(left)} · back ${formatClock(back)}`;
  return (
    <li className="divider divider-earlier">
      <span role="separator" aria-label={said === null ? 'Earlier history above' : `Earlier history above. ${said}`}>
        {said ?? 'Earlier history ↑'}
      </span>
    </li>
  );
}

/** Above the first line of each calendar day: "Today", "Yesterday", "3 December". */
function DateDivider({ at, now }: { at: number; now: number }) {
  const label = formatDayLabel(at, now);
  return (
    <li className="divider divider-date">
      <span role="separator" aria-label={label}>
        {label}
      </span>
    </li>
  );
}

/** Where an ignored person's lines were: how many, and a button that shows them. */
function HiddenLinesRow({ seqs }: { seqs: readonly number[] }) {
  return (
    <li className="row row-hidden" data-seq={seqs[0]}>
      <span className="hidden-text">{hiddenLinesText(seqs.length)}</span>{' '}
      <button type="button" className="link-button" aria-label={`Show ${hiddenLinesText(seqs.length)}`} onClick={() => revealLines(seqs)}>
        Show
      </button>
    </li>
  );
}

/** What the top of the transcript says when nothing older can be loaded: only a host's own room truly starts here. */
function startText(droppedLines: number, lines: readonly ChatLine[], earlierThrough: number | null, hosting: boolean): string {
  if (droppedLines > 0) return `${droppedLines.toLocaleString()} older lines were dropped to save memory.`;
  const first = lines[0];
  if (first === undefined) return 'No messages yet. Say hello!';
  if (earlierThrough !== null && first.seq <= earlierThrough) return 'The start of this room’s history on this computer.';
  return hosting ? 'This is the start of the conversation.' : 'You joined here: messages sent before you arrived are not shown.';
}

/** True when `line` is the first unread line, or the 'skipped' line standing in for it (main skips lines for a window that fell behind). */
function holdsSeq(line: ChatLine, next: ChatLine | undefined, seq: number): boolean {
  return line.seq === seq || (line.kind === 'skipped' && line.seq < seq && (next === undefined || next.seq > seq));
}

/**
 * Whether the "unread" divider goes above `lines[index]`: above the line holding the first
 * unread seq, or, when no line does (it fell off the front), above the first line after it.
 */
export function unreadStartsAt(lines: readonly ChatLine[], index: number, firstUnreadSeq: number): boolean {
  const line = lines[index];
  if (line === undefined) return false;
  if (holdsSeq(line, lines[index + 1], firstUnreadSeq)) return true;
  const previous = lines[index - 1];
  return line.seq > firstUnreadSeq && (previous === undefined || (previous.seq < firstUnreadSeq && !holdsSeq(previous, line, firstUnreadSeq)));
}

/** The conversation: a window of rows over the transcript, following the newest unless the user reads back. */
export function Transcript() {
  // Paced and deferred (see usePacedLines), so a burst never blocks typing; the store (and
  // main's flow control) keep up regardless.
  const lines = usePacedLines();
  const droppedLines = useChatStore((s) => s.droppedLines);
  const paging = useChatStore((s) => s.paging);
  const firstUnreadSeq = useChatStore((s) => s.unread.firstUnreadSeq);
  const jump = useChatStore((s) => s.jump);
  const names = useChatStore((s) => s.names);
  const ignored = useChatStore((s) => s.ignored);
  const revealed = useChatStore((s) => s.revealed);
  const keywords = useChatStore((s) => s.preferences?.mentionKeywords);
  const displayName = useChatStore((s) => s.preferences?.displayName ?? '');
  const hosting = useChatStore((s) => s.status.mode === 'hosting');
  const now = useDayClock();
  const mentions = useMemo(() => {
    const words = mentionWords({ displayName, mentionKeywords: keywords ?? [] });
    return words.length > 0 ? new MentionMatcher(words) : null;
  }, [keywords, displayName]);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const rowsRef = useRef<HTMLOListElement>(null);
  const view = useTranscriptWindow(lines);
  const { keepStill } = useScrollAnchoring(scrollerRef, rowsRef, view.visible, view.following);
  const hasEarlier = view.firstIndex > 0;
  /** The jump whose highlight has run out. */
  const [spentJump, setSpentJump] = useState(0);
  const target = jump !== null && jump.nonce !== spentJump ? jump.seq : null;
  /** Older history was asked for: reveal it once it is in. */
  const revealWhenLoaded = useRef(false);

  const showEarlier = (): void => {
    if (view.firstIndex > 0) {
      keepStill(view.showEarlier());
      return;
    }
    if (!paging.hasMore || paging.loading) return;
    revealWhenLoaded.current = true;
    void loadOlderHistory().then((loaded) => {
      if (!loaded) revealWhenLoaded.current = false;
    });
  };

  // Older history arrived above: show it without moving what the user is reading.
  useLayoutEffect(() => {
    if (!revealWhenLoaded.current || view.firstIndex === 0) return;
    revealWhenLoaded.current = false;
    keepStill(view.showEarlier());
  });

  // A clicked notification: bring its line into view and mark it for a moment.
  useEffect(() => {
    if (jump === null) return;
    view.reveal(jump.seq);
    const timer = window.setTimeout(() => setSpentJump(jump.nonce), TARGET_HIGHLIGHT_MS);
    return () => window.clearTimeout(timer);
    // Only a new jump (its nonce) moves the view, not every change of the lines.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jump]);

  useLayoutEffect(() => {
    if (target === null) return;
    scrollerRef.current?.querySelector(`[data-seq="${target}"]`)?.scrollIntoView({ block: 'center' });
  }, [target]);

  useEffect(() => {
    if (view.following) reportView({ atBottom: true });
  }, [view.following]);

  const onScroll = () => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK_PX;
    if (view.following) {
      if (!atBottom) view.pause();
    } else if (atBottom) {
      keepStill(view.readOn());
    }
    reportView({ atBottom: atBottom && (view.following || view.newerCount === 0) });
    if (scroller.scrollTop <= TOP_SLACK_PX && scroller.scrollHeight > scroller.clientHeight && !view.following) {
      if (view.firstIndex === 0 && paging.hasMore && !paging.loading) showEarlier();
    }
  };

  const earlierThrough = paging.earlierThroughSeq;
  const hidden = useMemo(() => hiddenRuns(view.visible, ignored, revealed), [view.visible, ignored, revealed]);
  const rows = view.visible.map((line, index) => {
    // An ignored person's lines: one quiet row for each run of them.
    if (hidden?.inside.has(index)) return null;
    const hiddenRun = hidden?.starts.get(index);
    const previous = index > 0 ? view.visible[index - 1] : view.firstIndex > 0 ? lines[view.firstIndex - 1] : undefined;
    const earlierDivider = earlierThrough !== null && previous !== undefined && previous.seq <= earlierThrough && line.seq > earlierThrough;
    const newDay = previous === undefined || dayKey(previous.at) !== dayKey(line.at);
    const unreadDivider = firstUnreadSeq !== null && unreadStartsAt(lines, view.firstIndex + index, firstUnreadSeq);
    return (
      <Fragment key={line.seq}>
        {earlierDivider && <EarlierDivider left={previous.at} back={line.at} />}
        {newDay && <DateDivider at={line.at} now={now} />}
        {unreadDivider && (
          <li className="divider divider-unread">
            <span role="separator" aria-label="Unread messages below">
              Unread
            </span>
          </li>
        )}
        {hiddenRun === undefined ? (
          <TranscriptRow
            line={line}
            mentions={mentions}
            target={line.seq === target}
            name={names.get(line.peer) ?? null}
            // The window's first row heads its block even when the block began above it.
            continued={index > 0 && !earlierDivider && !newDay && !unreadDivider && continuesGroup(previous, line)}
          />
        ) : (
          <HiddenLinesRow seqs={hiddenRun} />
        )}
      </Fragment>
    );
  });
  const lastShown = view.visible[view.visible.length - 1];
  const earlierAtEnd = earlierThrough !== null && lastShown !== undefined && lastShown.seq <= earlierThrough && view.newerCount === 0;

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
        {hasEarlier || paging.hasMore ? (
          <div className="transcript-earlier">
            <button type="button" className="link-button" disabled={paging.loading && !hasEarlier} onClick={showEarlier}>
              {hasEarlier
                ? `Show earlier messages (${view.firstIndex})`
                : paging.loading
                  ? 'Loading earlier messages…'
                  : 'Show earlier messages'}
            </button>
          </div>
        ) : (
          <p className="transcript-start">{startText(droppedLines, lines, earlierThrough, hosting)}</p>
        )}
        <ol ref={rowsRef} className="rows">
          {rows}
          {earlierAtEnd && <EarlierDivider left={lastShown.at} back={null} />}
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
