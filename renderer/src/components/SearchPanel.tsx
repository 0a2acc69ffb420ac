import { useEffect, useRef, type KeyboardEvent } from 'react';
import { joinHostPort } from '../../../main/common/address';
import type { HistoryRoom, SearchHit } from '../../../main/common/ipc-contract';
import { HISTORY_LIMITS } from '../../../main/common/history';
import { presentLine } from '../../../main/common/line-presenter';
import { formatFullTime } from '../lib/time';
import { closeSearch, openInContext, runSearch, setSearchQuery, setSearchScope } from '../state/actions';
import { useChatStore } from '../state/store';
import { MessageText } from './TranscriptRow';

/** Typing pauses this long before the search runs by itself. */
const TYPING_PAUSE_MS = 250;

/** The room's name with its address: anyone can announce any name, the address tells rooms apart. */
function roomLabel(room: HistoryRoom): string {
  const address = joinHostPort(room.host, room.port);
  return room.name === null || room.name === '' ? address : `${room.name} · ${address}`;
}

/** Ctrl/Cmd+F: searches this room's history or every room's; Enter or a click shows a hit in context. */
export function SearchPanel() {
  const search = useChatStore((s) => s.search);
  const inRoom = useChatStore((s) => s.status.mode !== 'idle');
  // The names this room told (a hit from another room shows its address alone: an address there is someone else).
  const names = useChatStore((s) => s.names);
  const thisRoomOnly = search.scope === 'room' && inRoom;
  const inputRef = useRef<HTMLInputElement>(null);
  const resultsRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (search.open) inputRef.current?.focus();
  }, [search.open]);

  useEffect(() => {
    if (!search.open) return;
    const timer = window.setTimeout(() => void runSearch(), TYPING_PAUSE_MS);
    return () => window.clearTimeout(timer);
  }, [search.open, search.query, search.scope]);

  if (!search.open) return null;
  const hits = search.results?.hits ?? [];

  const focusResult = (index: number): void => {
    const buttons = resultsRef.current?.querySelectorAll<HTMLButtonElement>('button.search-hit');
    buttons?.[Math.max(0, Math.min(index, buttons.length - 1))]?.focus();
  };

  const onInputKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      closeSearch();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const first = hits[0];
      if (first !== undefined && search.results !== null && !search.loading) void openInContext(first);
      else void runSearch();
    } else if (event.key === 'ArrowDown' && hits.length > 0) {
      event.preventDefault();
      focusResult(0);
    }
  };

  const onResultKey = (event: KeyboardEvent<HTMLButtonElement>, index: number): void => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      focusResult(index + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (index === 0) inputRef.current?.focus();
      else focusResult(index - 1);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      closeSearch();
    }
  };

  return (
    <section className="search-panel" role="search" aria-label="Search messages">
      <div className="search-bar">
        <input
          ref={inputRef}
          type="search"
          className="search-input"
          aria-label="Search messages"
          placeholder="Search messages"
          maxLength={HISTORY_LIMITS.maxQueryChars}
          value={search.query}
          onChange={(event) => setSearchQuery(event.currentTarget.value)}
          onKeyDown={onInputKey}
        />
        <div className="search-scope" role="radiogroup" aria-label="Where to search">
          <label>
            <input type="radio" name="search-scope" checked={search.scope === 'room'} disabled={!inRoom} onChange={() => setSearchScope('room')} />
            This room
          </label>
          <label>
            <input type="radio" name="search-scope" checked={search.scope === 'all'} onChange={() => setSearchScope('all')} />
            All rooms
          </label>
        </div>
        <button type="button" className="icon-button" aria-label="Close search" title="Close (Esc)" onClick={closeSearch}>
          ×
        </button>
      </div>
      <div className="search-status" role="status">
        {search.loading
          ? 'Searching…'
          : search.error !== null
            ? search.error
            : search.results === null
              ? ''
              : hits.length === 0
                ? 'Nothing found.'
                : `${hits.length.toLocaleString()}${search.results.hasMore ? '+' : ''} found`}
      </div>
      {hits.length > 0 && (
        <ol className="search-results" ref={resultsRef} aria-label="Search results">
          {hits.map((hit: SearchHit, index) => (
            <li key={hit.line.id}>
              <button type="button" className="search-hit" onClick={() => void openInContext(hit)} onKeyDown={(event) => onResultKey(event, index)}>
                {/* Labelled, so two addresses side by side do not leave one guessing which is the room. */}
                <span className="search-hit-meta">
                  <span>
                    <span className="search-hit-label">Room</span> <span className="search-hit-room">{roomLabel(hit.room)}</span>
                  </span>
                  <span>
                    <span className="search-hit-label">From</span>{' '}
                    <span className="search-hit-sender">
                      {presentLine({ kind: hit.line.kind, peer: hit.line.sender, text: hit.line.text, self: hit.line.ours }, { name: thisRoomOnly ? (names.get(hit.line.sender) ?? null) : null }).who}
                    </span>
                  </span>
                  <span>
                    <span className="search-hit-label">When</span> <time dateTime={new Date(hit.line.at).toISOString()}>{formatFullTime(hit.line.at)}</time>
                  </span>
                </span>
                <MessageText text={hit.line.text} marks={hit.matches} markClass="match" />
              </button>
            </li>
          ))}
          {search.results?.hasMore && (
            <li>
              <button type="button" className="link-button" disabled={search.loading} onClick={() => void runSearch(true)}>
                More results
              </button>
            </li>
          )}
        </ol>
      )}
    </section>
  );
}
