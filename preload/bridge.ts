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
  REQUESTS,
  fail,
  type BridgeEvent,
  type ChannelName,
  type EventBatch,
  type Result,
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
  const refused = (error: string): Promise<Result<null>> => Promise.resolve(fail(error));
  // One method per channel, named like it: its one argument as the page gave it, none for a
  // call that takes none (extra arguments are not forwarded). The types are the contract's
  // (TincanBridge); main validates every argument regardless.
  const methods: Record<string, (request?: unknown) => Promise<unknown>> = {};
  for (const name of Object.keys(CHANNELS) as ChannelName[]) {
    const channel = CHANNELS[name];
    const takesNone = REQUESTS[name].type === 'undefined';
    methods[name] = (request?: unknown) => (takesNone ? ipc.invoke(channel) : ipc.invoke(channel, request)) as Promise<unknown>;
  }
  const { copyText, openLink } = methods as Pick<TincanBridge, 'copyText' | 'openLink'>;
  return {
    ...(methods as Omit<TincanBridge, 'onEvents'>),
    copyText: (text: string) => (gesture() ? copyText(text) : refused(NO_GESTURE_COPY_ERROR)),
    openLink: (url: string) => (gesture() ? openLink(url) : refused(NO_GESTURE_LINK_ERROR)),
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
