/**
 * The main-process end of the bridge: one `ipcMain.handle` per channel in CHANNELS. Each
 * call is checked for who is calling, its argument is validated once, here, against the
 * channel's schema (REQUESTS), and the handler, typed against the bridge, gets the checked
 * value and answers with a Result. Nothing here throws across IPC: a failure is `{ ok: false, error }`.
 * Opening links and copying are rate-limited (the preload also wants a user gesture), and
 * the events channel's acknowledgements (flow control) come in on EVENTS_ACK_CHANNEL.
 */
import type { Clipboard, IpcMain, IpcMainEvent, IpcMainInvokeEvent, Shell } from 'electron';
import {
  CHANNELS,
  EVENTS_ACK_CHANNEL,
  fail,
  ok,
  parseRequest,
  type ChannelName,
  type RequestOf,
  type Responses,
  type Result,
} from '../common/ipc-contract';
import { TokenBucket } from '../common/token-bucket';
import type { ChatSession, TranscriptFileChooser } from '../app/session';
import { findFreePort } from '../chat/free-port';

export type BridgeSession = Pick<
  ChatSession,
  | 'getSnapshot'
  | 'host'
  | 'join'
  | 'cancelJoin'
  | 'reconnectNow'
  | 'send'
  | 'leave'
  | 'forgetRecentHost'
  | 'acknowledge'
  | 'findRooms'
  | 'stopFindingRooms'
  | 'historyView'
  | 'historyPage'
  | 'historyContext'
  | 'searchHistory'
  | 'saveTranscript'
  | 'clearHistory'
  | 'updateSettings'
  | 'setViewState'
  | 'setTopic'
  | 'sendPassword'
  | 'removePerson'
  | 'setIgnored'
>;

export interface IpcDependencies {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
  session: BridgeSession;
  clipboard: Pick<Clipboard, 'writeText'>;
  shell: Pick<Shell, 'openExternal'>;
  /** Where to save a transcript: the native save dialog (tests: a fixed path). */
  chooseTranscriptFile: TranscriptFileChooser;
  /** True when the call comes from our own page in our own window. */
  isTrustedSender: (event: IpcMainInvokeEvent | IpcMainEvent) => boolean;
  /** The clock of the rate limits (tests); default performance.now. */
  now?: () => number;
}

/** Links opened: 3 at once, then one a second. Copies: 8 at once, then 4 a second. */
export const LINK_RATE = { perSecond: 1, burst: 3 } as const;
export const COPY_RATE = { perSecond: 4, burst: 8 } as const;
export const TOO_MANY_LINKS_ERROR = 'Too many links opened at once: wait a moment, then click again.';
export const TOO_MANY_COPIES_ERROR = 'Too many copies at once: wait a moment, then try again.';

export const UNTRUSTED_SENDER_ERROR = 'This request did not come from the Tincan window.';
const INTERNAL_ERROR = 'Something went wrong inside Tincan; please try again.';

export type { ChannelName };
/** A channel's handler: its argument is already checked against the channel's schema. */
export type ChannelHandlers = { [K in ChannelName]: (request: RequestOf<K>) => Promise<Responses[K]> };
/** What the IPC layer calls: any argument at all, checked before the handler sees it. */
export type ChannelHandler = (argument: unknown) => Promise<Result<unknown>>;

/**
 * What each bridge method does with its checked argument, without the IPC around it.
 * Exported so a test harness can drive a session exactly as main does (see checkedHandlers).
 */
export function createChannelHandlers({
  session,
  clipboard,
  shell,
  chooseTranscriptFile,
  now = () => performance.now(),
}: Pick<IpcDependencies, 'session' | 'clipboard' | 'shell' | 'chooseTranscriptFile' | 'now'>): Record<ChannelName, ChannelHandler> {
  const links = new TokenBucket(LINK_RATE.perSecond, LINK_RATE.burst, now());
  const copies = new TokenBucket(COPY_RATE.perSecond, COPY_RATE.burst, now());
  const handlers: ChannelHandlers = {
    getSnapshot: () => session.getSnapshot(),
    host: (request) => session.host(request),
    join: (request) => session.join(request),
    cancelJoin: () => session.cancelJoin(),
    reconnectNow: () => session.reconnectNow(),
    send: (request) => session.send(request),
    leave: () => session.leave(),
    copyText: async (text) => {
      if (!copies.take(now())) return fail(TOO_MANY_COPIES_ERROR);
      try {
        await clipboard.writeText(text);
        return ok(null);
      } catch {
        return fail('Could not copy to the clipboard.');
      }
    },
    openLink: async (url) => {
      if (!links.take(now())) return fail(TOO_MANY_LINKS_ERROR);
      try {
        await shell.openExternal(url);
        return ok(null);
      } catch {
        return fail('Could not open the link in your browser.');
      }
    },
    forgetRecentHost: (address) => session.forgetRecentHost(address),
    findRooms: () => session.findRooms(),
    stopFindingRooms: () => session.stopFindingRooms(),
    historyView: (request) => session.historyView(request),
    historyPage: (request) => session.historyPage(request),
    historyContext: (request) => session.historyContext(request),
    searchHistory: (request) => session.searchHistory(request),
    saveTranscript: () => session.saveTranscript(chooseTranscriptFile),
    clearHistory: (request) => session.clearHistory(request),
    updateSettings: (request) => session.updateSettings(request),
    setViewState: (state) => session.setViewState(state),
    findFreePort: async ({ busyPort, scope }) => {
      const port = await findFreePort(busyPort, scope === 'lan');
      return port === null ? fail('No free port found: close a program that listens, then try again.') : ok(port);
    },
    setTopic: (request) => session.setTopic(request),
    sendPassword: (request) => session.sendPassword(request),
    removePerson: (request) => session.removePerson(request),
    setIgnored: (request) => session.setIgnored(request),
  };
  return checkedHandlers(handlers);
}

/** Each handler behind its channel's schema: the one place an IPC argument is validated. */
function checkedHandlers(handlers: ChannelHandlers): Record<ChannelName, ChannelHandler> {
  const checked = {} as Record<ChannelName, ChannelHandler>;
  for (const name of Object.keys(CHANNELS) as ChannelName[]) {
    const handler = handlers[name] as (request: unknown) => Promise<Result<unknown>>;
    checked[name] = async (argument) => {
      const request = parseRequest(name, argument);
      return request.ok ? handler(request.value) : request;
    };
  }
  return checked;
}

/** Registers every channel (and the acknowledgements); returns the function that removes them again. */
export function registerIpcHandlers(dependencies: IpcDependencies): () => void {
  const { ipcMain, isTrustedSender, session } = dependencies;
  const onAcknowledge = (event: IpcMainEvent, id: unknown): void => {
    try {
      if (isTrustedSender(event)) session.acknowledge(id);
    } catch {
      // a disposed frame: nothing to acknowledge for
    }
  };
  ipcMain.on(EVENTS_ACK_CHANNEL, onAcknowledge);
  const handlers = createChannelHandlers(dependencies);
  const channels = Object.keys(CHANNELS) as ChannelName[];
  for (const name of channels) {
    const handler = handlers[name];
    ipcMain.handle(CHANNELS[name], async (event, ...args: unknown[]): Promise<Result<unknown>> => {
      try {
        if (!isTrustedSender(event)) return fail(UNTRUSTED_SENDER_ERROR);
        // Every call carries at most one argument; more is a caller we do not know.
        if (args.length > 1) return fail('Too many arguments.');
        return await handler(args[0]);
      } catch {
        return fail(INTERNAL_ERROR);
      }
    });
  }
  return () => {
    for (const name of channels) ipcMain.removeHandler(CHANNELS[name]);
    ipcMain.removeListener(EVENTS_ACK_CHANNEL, onAcknowledge);
  };
}
