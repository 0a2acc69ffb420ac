/**
 * The TincanBridge the renderer sees as `window.tincan`: one named function per action, each
 * a single `ipcRenderer.invoke` on a fixed channel. The renderer never gets ipcRenderer
 * itself, so it cannot talk on any channel we did not list.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import {
  CHANNELS,
  EVENTS_CHANNEL,
  type BridgeEvent,
  type DiscoveredRoom,
  type ClearHistoryRequest,
  type HistoryContextRequest,
  type HistoryPage,
  type HistoryPageRequest,
  type HistoryView,
  type HistoryViewRequest,
  type LineContext,
  type SavedTranscript,
  type SearchHistoryRequest,
  type SearchResults,
  type SettingsUpdate,
  type ViewState,
  type HostInfo,
  type HostRequest,
  type JoinInfo,
  type JoinRequest,
  type Preferences,
  type Result,
  type SendRequest,
  type SendResponse,
  type Snapshot,
  type TincanBridge,
} from '../main/common/ipc-contract';

export type BridgeIpc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function createBridge(ipc: BridgeIpc): TincanBridge {
  // Typed once here; main validates every argument regardless.
  const call = <T>(channel: string, ...args: unknown[]): Promise<Result<T>> =>
    ipc.invoke(channel, ...args) as Promise<Result<T>>;
  return {
    getSnapshot: () => call<Snapshot>(CHANNELS.getSnapshot),
    host: (request: HostRequest) => call<HostInfo>(CHANNELS.host, request),
    join: (request: JoinRequest) => call<JoinInfo>(CHANNELS.join, request),
    cancelJoin: () => call<null>(CHANNELS.cancelJoin),
    send: (request: SendRequest) => call<SendResponse>(CHANNELS.send, request),
    leave: () => call<null>(CHANNELS.leave),
    copyText: (text: string) => call<null>(CHANNELS.copyText, text),
    openLink: (url: string) => call<null>(CHANNELS.openLink, url),
    forgetRecentHost: (address: string) => call<Preferences>(CHANNELS.forgetRecentHost, address),
    findRooms: () => call<DiscoveredRoom[]>(CHANNELS.findRooms),
    stopFindingRooms: () => call<null>(CHANNELS.stopFindingRooms),
    historyView: (request: HistoryViewRequest) => call<HistoryView>(CHANNELS.historyView, request),
    historyPage: (request: HistoryPageRequest) => call<HistoryPage>(CHANNELS.historyPage, request),
    historyContext: (request: HistoryContextRequest) => call<LineContext>(CHANNELS.historyContext, request),
    searchHistory: (request: SearchHistoryRequest) => call<SearchResults>(CHANNELS.searchHistory, request),
    saveTranscript: () => call<SavedTranscript | null>(CHANNELS.saveTranscript),
    clearHistory: (request: ClearHistoryRequest) => call<number | null>(CHANNELS.clearHistory, request),
    updateSettings: (request: SettingsUpdate) => call<Preferences>(CHANNELS.updateSettings, request),
    setViewState: (state: ViewState) => call<null>(CHANNELS.setViewState, state),
    onEvents: (listener: (events: BridgeEvent[]) => void) => {
      if (typeof listener !== 'function') throw new TypeError('onEvents needs a function.');
      // The IPC event object (with its sender) stays in the preload; the page gets the batch only.
      const forward = (_event: IpcRendererEvent, events: BridgeEvent[]): void => listener(events);
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
