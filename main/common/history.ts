/**
 * Shapes of the transcript history as main stores and serves it, and the limits on every
 * request for it. Pure (no node:, no DOM): the renderer shows these, main validates them.
 */
import type { StoredLineKind } from './line-kind';
import type { MatchRange } from './word-match';

export type { MatchRange };

/** How long lines are kept: for good, 30 days, or only in memory for this run of Tincan. */
export type Retention = 'forever' | 'days30' | 'session';
export const RETENTIONS: readonly Retention[] = ['forever', 'days30', 'session'];

export type { StoredLineKind };

export const HISTORY_LIMITS = {
  /** One page of older (or newer) lines. */
  maxPageLines: 200,
  /** Lines on each side of a search hit. */
  maxContextLines: 100,
  maxSearchResults: 200,
  defaultSearchResults: 50,
  /** Characters of a search query; longer queries are refused, not cut. */
  maxQueryChars: 256,
  /** Words of a query that take part in the search; the rest are ignored. */
  maxQueryTerms: 8,
  /** Characters of one query word. */
  maxTermChars: 64,
  /** A stored line's text; longer text is cut (the server already cuts lines at 8 KiB). */
  maxTextChars: 16 * 1024,
  maxSenderChars: 300,
  maxHostChars: 300,
  maxRoomNameChars: 200,
} as const;

/** A room is the server it lives on. */
export interface RoomAddress {
  host: string;
  port: number;
}

export interface HistoryRoom extends RoomAddress {
  id: number;
  /** Null until the room's name is known. */
  name: string | null;
  /** Epoch ms of the newest line stored for it (null when none yet). */
  lastAt: number | null;
}

export interface NewHistoryLine {
  /** Epoch ms when the line was received. */
  at: number;
  /** `IP:port` of whom the line is about; '' for a system line. */
  sender: string;
  text: string;
  kind: StoredLineKind;
  /** True when we sent it. */
  ours: boolean;
}

export interface HistoryLine extends NewHistoryLine {
  /** Increases with every stored line: the cursor for paging and jumping. */
  id: number;
  roomId: number;
}

export interface HistoryPage {
  room: HistoryRoom | null;
  /** Oldest first. */
  lines: HistoryLine[];
  /** More lines exist before lines[0] (pageBefore) or after the last one (pageAfter). */
  hasMore: boolean;
}

export interface LineContext {
  room: HistoryRoom;
  /** Oldest first; includes the target line. */
  lines: HistoryLine[];
  targetId: number;
  hasOlder: boolean;
  hasNewer: boolean;
}

export interface SearchRequest {
  query: string;
  /** Search this room only; all rooms when absent. */
  room?: RoomAddress;
  /** 1 … maxSearchResults; default defaultSearchResults. */
  limit?: number;
  /** Only lines older than this id: the cursor for the next page of results. */
  beforeId?: number;
}

export interface SearchHit {
  line: HistoryLine;
  room: HistoryRoom;
  matches: MatchRange[];
}

export type SearchEngine = 'fts5' | 'like';

export interface SearchResults {
  /** Newest first. */
  hits: SearchHit[];
  /** More hits exist older than the last one. */
  hasMore: boolean;
  /** The words that were searched for (after the query was split and bounded). */
  terms: string[];
  engine: SearchEngine;
}

export type HistoryStatus =
  | {
      available: true;
      engine: SearchEngine;
      /** False in 'session' retention: lines live in memory only. */
      persistent: boolean;
      retention: Retention;
    }
  | { available: false; reason: string; retention: Retention };
