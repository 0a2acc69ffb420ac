/**
 * The main-process end of the bridge: one `ipcMain.handle` per channel in CHANNELS. Each
 * handler checks who is calling, validates the argument, calls the session and answers
 * with a Result. Nothing here throws across IPC: a failure is `{ ok: false, error }`.
 * Opening links and copying are rate-limited (the preload also wants a user gesture), and
 * the events channel's acknowledgements (flow control) come in on EVENTS_ACK_CHANNEL.
 */
import type { Clipboard, IpcMain, IpcMainEvent, IpcMainInvokeEvent, Shell } from 'electron';
import { CHANNELS, EVENTS_ACK_CHANNEL, fail, ok, type Result } from '../common/ipc-contract';
import { TokenBucket } from '../common/token-bucket';
import {
  validateClearHistoryRequest,
  validateCopyText,
  validateForgetRecentHost,
  validateFreePortRequest,
  validateHistoryContextRequest,
  validateHistoryPageRequest,
  validateHistoryViewRequest,
  validateHostRequest,
  validateJoinRequest,
  validateNoArgument,
  validateOpenLink,
  validateSearchHistoryRequest,
  validateSendRequest,
  validateSettingsUpdate,
  validateTopicRequest,
  validatePasswordRequest,
  validateRemovePersonRequest,
  validateViewState,
} from '../common/validate';
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

export type ChannelName = keyof typeof CHANNELS;
export type ChannelHandler = (argument: unknown) => Promise<Result<unknown>>;

/**
 * What each bridge method does with its (untrusted) argument, without the IPC around it:
 * validate, then act. Exported so a test harness can drive a session exactly as main does.
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
  return {
    getSnapshot: async (argument) => {
      const checked = validateNoArgument(argument, 'Reading the state');
      return checked.ok ? session.getSnapshot() : checked;
    },
    host: async (argument) => {
      const checked = validateHostRequest(argument);
      return checked.ok ? session.host(checked.value) : checked;
    },
    join: async (argument) => {
      const checked = validateJoinRequest(argument);
      if (!checked.ok) return checked;
      const { address, trust } = checked.value;
      return session.join(trust === undefined ? { address } : { address, trust });
    },
    cancelJoin: async (argument) => {
      const checked = validateNoArgument(argument, 'Cancelling a join');
      return checked.ok ? session.cancelJoin() : checked;
    },
    reconnectNow: async (argument) => {
      const checked = validateNoArgument(argument, 'Reconnecting');
      return checked.ok ? session.reconnectNow() : checked;
    },
    send: async (argument) => {
      const checked = validateSendRequest(argument);
      return checked.ok ? session.send(checked.value) : checked;
    },
    leave: async (argument) => {
      const checked = validateNoArgument(argument, 'Leaving');
      return checked.ok ? session.leave() : checked;
    },
    copyText: async (argument) => {
      const checked = validateCopyText(argument);
      if (!checked.ok) return checked;
      if (!copies.take(now())) return fail(TOO_MANY_COPIES_ERROR);
      try {
        await clipboard.writeText(checked.value);
        return ok(null);
      } catch {
        return fail('Could not copy to the clipboard.');
      }
    },
    openLink: async (argument) => {
      const checked = validateOpenLink(argument);
      if (!checked.ok) return checked;
      if (!links.take(now())) return fail(TOO_MANY_LINKS_ERROR);
      try {
        await shell.openExternal(checked.value);
        return ok(null);
      } catch {
        return fail('Could not open the link in your browser.');
      }
    },
    forgetRecentHost: async (argument) => {
      const checked = validateForgetRecentHost(argument);
      return checked.ok ? session.forgetRecentHost(checked.value) : checked;
    },
    findRooms: async (argument) => {
      const checked = validateNoArgument(argument, 'Looking for rooms');
      return checked.ok ? session.findRooms() : checked;
    },
    stopFindingRooms: async (argument) => {
      const checked = validateNoArgument(argument, 'Stopping the search for rooms');
      return checked.ok ? session.stopFindingRooms() : checked;
    },
    historyView: async (argument) => {
      const checked = validateHistoryViewRequest(argument);
      return checked.ok ? session.historyView(checked.value) : checked;
    },
    historyPage: async (argument) => {
      const checked = validateHistoryPageRequest(argument);
      return checked.ok ? session.historyPage(checked.value) : checked;
    },
    historyContext: async (argument) => {
      const checked = validateHistoryContextRequest(argument);
      return checked.ok ? session.historyContext(checked.value) : checked;
    },
    searchHistory: async (argument) => {
      const checked = validateSearchHistoryRequest(argument);
      return checked.ok ? session.searchHistory(checked.value) : checked;
    },
    saveTranscript: async (argument) => {
      const checked = validateNoArgument(argument, 'Saving the transcript');
      return checked.ok ? session.saveTranscript(chooseTranscriptFile) : checked;
    },
    clearHistory: async (argument) => {
      const checked = validateClearHistoryRequest(argument);
      return checked.ok ? session.clearHistory(checked.value) : checked;
    },
    updateSettings: async (argument) => {
      const checked = validateSettingsUpdate(argument);
      return checked.ok ? session.updateSettings(checked.value) : checked;
    },
    setViewState: async (argument) => {
      const checked = validateViewState(argument);
      return checked.ok ? session.setViewState(checked.value) : checked;
    },
    findFreePort: async (argument) => {
      const checked = validateFreePortRequest(argument);
      if (!checked.ok) return checked;
      const port = await findFreePort(checked.value.busyPort, checked.value.scope === 'lan');
      return port === null ? fail('No free port found: close a program that listens, then try again.') : ok(port);
    },
    setTopic: async (argument) => {
      const checked = validateTopicRequest(argument);
      return checked.ok ? session.setTopic(checked.value) : checked;
    },
    sendPassword: async (argument) => {
      const checked = validatePasswordRequest(argument);
      return checked.ok ? session.sendPassword(checked.value) : checked;
    },
    removePerson: async (argument) => {
      const checked = validateRemovePersonRequest(argument);
      return checked.ok ? session.removePerson(checked.value) : checked;
    },
  };
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
