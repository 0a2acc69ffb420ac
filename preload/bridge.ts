/**
 * The TincanBridge the renderer sees as `window.tincan`: one named function per action, each
 * a single `ipcRenderer.invoke` on a fixed channel. The renderer never gets ipcRenderer
 * itself, so it cannot talk on any channel we did not list.
 *
 * Two more duties live here, where the page cannot skip them:
 *  - every event batch is acknowledged once the page's listeners ran, so main knows how far
 *    behind the window is (its flow control);
 *  - opening a link and copying text need a user gesture (a click or key press in the last
 *    few seconds): a page script alone cannot open browsers or fill the clipboard. Main
 *    rate-limits both as well.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import {
  CHANNELS,
  EVENTS_ACK_CHANNEL,
  EVENTS_CHANNEL,
  fail,
  type BridgeEvent,
  type DiscoveredRoom,
  type ClearHistoryRequest,
  type EventBatch,
  type FreePortRequest,
  type HistoryContextRequest,
  type HistoryPage,
  type HistoryPageRequest,
  type HistoryView,
  type HistoryViewRequest,
  type JoinResult,
  type LineContext,
  type SavedTranscript,
  type SearchHistoryRequest,
  type SearchResults,
  type SettingsUpdate,
  type TopicRequest,
  type PasswordRequest,
  type RemovePersonRequest,
  type ViewState,
  type HostInfo,
  type HostRequest,
  type JoinRequest,
  type Preferences,
  type Result,
  type SendRequest,
  type SendResponse,
  type SessionResult,
  type Snapshot,
  type TincanBridge,
} from '../main/common/ipc-contract';

export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'send' | 'on' | 'removeListener'>;

export const NO_GESTURE_LINK_ERROR = 'Links open only when you click them.';
export const NO_GESTURE_COPY_ERROR = 'Copying works only when you click Copy.';

/** The one part of the DOM's navigator this file reads (the preload's types have no DOM). */
interface UserActivationNavigator {
  userActivation?: { isActive?: unknown };
}

/** True while the page has transient user activation (HTML's "user gesture"). */
export function hasUserGesture(): boolean {
  const { navigator } = globalThis as { navigator?: UserActivationNavigator };
  return navigator?.userActivation?.isActive === true;
}

export interface BridgeOptions {
  /** Default: `navigator.userActivation.isActive`. */
  hasUserGesture?: () => boolean;
}

export function createBridge(ipc: BridgeIpc, options: BridgeOptions = {}): TincanBridge {
  const gesture = options.hasUserGesture ?? hasUserGesture;
  // Typed once here; main validates every argument regardless.
  const call = <T>(channel: string, ...args: unknown[]): Promise<T> => ipc.invoke(channel, ...args) as Promise<T>;
  const refused = (error: string): Promise<Result<null>> => Promise.resolve(fail(error));
  return {
    getSnapshot: () => call<Result<Snapshot>>(CHANNELS.getSnapshot),
    host: (request: HostRequest) => call<SessionResult<HostInfo>>(CHANNELS.host, request),
    join: (request: JoinRequest) => call<JoinResult>(CHANNELS.join, request),
    cancelJoin: () => call<SessionResult<null>>(CHANNELS.cancelJoin),
    reconnectNow: () => call<SessionResult<null>>(CHANNELS.reconnectNow),
    send: (request: SendRequest) => call<Result<SendResponse>>(CHANNELS.send, request),
    leave: () => call<SessionResult<null>>(CHANNELS.leave),
    copyText: (text: string) => (gesture() ? call<Result<null>>(CHANNELS.copyText, text) : refused(NO_GESTURE_COPY_ERROR)),
    openLink: (url: string) => (gesture() ? call<Result<null>>(CHANNELS.openLink, url) : refused(NO_GESTURE_LINK_ERROR)),
    forgetRecentHost: (address: string) => call<Result<Preferences>>(CHANNELS.forgetRecentHost, address),
    findRooms: () => call<Result<DiscoveredRoom[]>>(CHANNELS.findRooms),
    stopFindingRooms: () => call<Result<null>>(CHANNELS.stopFindingRooms),
    historyView: (request: HistoryViewRequest) => call<Result<HistoryView>>(CHANNELS.historyView, request),
    historyPage: (request: HistoryPageRequest) => call<Result<HistoryPage>>(CHANNELS.historyPage, request),
    historyContext: (request: HistoryContextRequest) => call<Result<LineContext>>(CHANNELS.historyContext, request),
    searchHistory: (request: SearchHistoryRequest) => call<Result<SearchResults>>(CHANNELS.searchHistory, request),
    saveTranscript: () => call<Result<SavedTranscript | null>>(CHANNELS.saveTranscript),
    clearHistory: (request: ClearHistoryRequest) => call<Result<number | null>>(CHANNELS.clearHistory, request),
    updateSettings: (request: SettingsUpdate) => call<Result<Preferences>>(CHANNELS.updateSettings, request),
    setViewState: (state: ViewState) => call<Result<null>>(CHANNELS.setViewState, state),
    findFreePort: (request: FreePortRequest) => call<Result<number>>(CHANNELS.findFreePort, request),
    setTopic: (request: TopicRequest) => call<Result<null>>(CHANNELS.setTopic, request),
    sendPassword: (request: PasswordRequest) => call<Result<null>>(CHANNELS.sendPassword, request),
    removePerson: (request: RemovePersonRequest) => call<Result<null>>(CHANNELS.removePerson, request),
    onEvents: (listener: (events: BridgeEvent[]) => void) => {
      if (typeof listener !== 'function') throw new TypeError('onEvents needs a function.');
      // The IPC event object (with its sender) stays in the preload; the page gets the events only.
      const forward = (_event: IpcRendererEvent, batch: EventBatch): void => {
        try {
          listener(batch.events);
        } finally {
          // Taken (or thrown away by a broken listener): either way main may send the next one.
          ipc.send(EVENTS_ACK_CHANNEL, batch.id);
        }
      };
      ipc.on(EVENTS_CHANNEL, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(EVENTS_CHANNEL, forward);
      };
    },
  };
}
