import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BRIDGE_GLOBAL,
  CHANNELS,
  EVENTS_ACK_CHANNEL,
  EVENTS_CHANNEL,
  type BridgeEvent,
  type EventBatch,
  type TincanBridge,
} from '../../main/common/ipc-contract';
import { NO_GESTURE_COPY_ERROR, NO_GESTURE_LINK_ERROR } from '../../preload/bridge';
import type { FakeElectron } from './fake-electron';

vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

let electron: FakeElectron;
let bridge: TincanBridge;

/** What Chromium's navigator.userActivation says: a click or key press in the last few seconds. */
function userGesture(isActive: boolean): void {
  vi.stubGlobal('navigator', { userActivation: { isActive } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

beforeEach(async () => {
  vi.resetModules();
  vi.clearAllMocks();
  userGesture(true);
  electron = (await import('electron')) as unknown as FakeElectron;
  await import('../../preload/index');
  const call = electron.contextBridge.exposeInMainWorld.mock.calls.at(-1) as unknown[] | undefined;
  expect(call?.[0]).toBe(BRIDGE_GLOBAL);
  bridge = call?.[1] as TincanBridge;
});

describe('preload', () => {
  it('exposes exactly the bridge functions, and no ipcRenderer', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(Object.keys(bridge).sort()).toEqual([...Object.keys(CHANNELS), 'onEvents'].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
    expect(Object.values(bridge)).not.toContain(electron.ipcRenderer);
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipc|invoke|send\b.*Sync/i);
  });

  it('maps each call to one invoke on its channel with its argument only', async () => {
    const { invoke } = electron.ipcRenderer;
    (invoke as unknown as { mockResolvedValue: (value: unknown) => void }).mockResolvedValue({ ok: true, value: 'answer' });
    await expect(bridge.getSnapshot()).resolves.toEqual({ ok: true, value: 'answer' });
    await bridge.host({ port: 60003, scope: 'lan' });
    await bridge.join({ address: '10.0.0.5' });
    await bridge.cancelJoin();
    await bridge.reconnectNow();
    await bridge.send({ text: 'hi' });
    await bridge.leave();
    await bridge.copyText('x');
    await bridge.openLink('https://example.com/');
    await bridge.forgetRecentHost('10.0.0.5:60003');
    // Extra arguments a page might pass are not forwarded.
    await (bridge.leave as (...args: unknown[]) => Promise<unknown>)('junk', { evil: true });
    expect(invoke.mock.calls).toEqual([
      [CHANNELS.getSnapshot],
      [CHANNELS.host, { port: 60003, scope: 'lan' }],
      [CHANNELS.join, { address: '10.0.0.5' }],
      [CHANNELS.cancelJoin],
      [CHANNELS.reconnectNow],
      [CHANNELS.send, { text: 'hi' }],
      [CHANNELS.leave],
      [CHANNELS.copyText, 'x'],
      [CHANNELS.openLink, 'https://example.com/'],
      [CHANNELS.forgetRecentHost, '10.0.0.5:60003'],
      [CHANNELS.leave],
    ]);
  });

  it('onEvents hands the page the batch without the IPC event, and unsubscribes once', () => {
    const received: BridgeEvent[][] = [];
    const unsubscribe = bridge.onEvents((events) => received.push(events));
    expect(electron.ipcRenderer.on).toHaveBeenCalledTimes(1);
    const [channel, forward] = electron.ipcRenderer.on.mock.calls[0] as unknown as [string, (event: unknown, batch: BridgeEvent[]) => void];
    expect(channel).toBe(EVENTS_CHANNEL);
    const ipcEvent = { sender: { secret: 'ipcRenderer' }, ports: [] };
    const events: BridgeEvent[] = [{ type: 'notice', level: 'info', message: 'hello' }];
    forward(ipcEvent, { id: 7, events } satisfies EventBatch as unknown as BridgeEvent[]);
    expect(received).toEqual([events]);
    // Taken: main hears so (its flow control).
    expect(electron.ipcRenderer.send).toHaveBeenCalledWith(EVENTS_ACK_CHANNEL, 7);

    unsubscribe();
    unsubscribe();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledTimes(1);
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(EVENTS_CHANNEL, forward);
  });

  it('onEvents refuses a non-function', () => {
    expect(() => bridge.onEvents('nope' as unknown as (events: BridgeEvent[]) => void)).toThrow(TypeError);
    expect(electron.ipcRenderer.on).not.toHaveBeenCalled();
  });

  it('acknowledges a batch even when the page’s listener throws', () => {
    bridge.onEvents(() => {
      throw new Error('broken page');
    });
    const [, forward] = electron.ipcRenderer.on.mock.calls[0] as unknown as [string, (event: unknown, batch: EventBatch) => void];
    expect(() => forward({}, { id: 3, events: [] })).toThrow('broken page');
    expect(electron.ipcRenderer.send).toHaveBeenCalledWith(EVENTS_ACK_CHANNEL, 3);
  });

  it('opens links and copies only during a user gesture; without one main is not even asked', async () => {
    const { invoke } = electron.ipcRenderer;
    userGesture(false);
    expect(await bridge.openLink('https://example.com/')).toEqual({ ok: false, error: NO_GESTURE_LINK_ERROR });
    expect(await bridge.copyText('secret')).toEqual({ ok: false, error: NO_GESTURE_COPY_ERROR });
    vi.stubGlobal('navigator', {});
    expect(await bridge.openLink('https://example.com/')).toEqual({ ok: false, error: NO_GESTURE_LINK_ERROR });
    vi.stubGlobal('navigator', { userActivation: { isActive: 'yes' } });
    expect(await bridge.copyText('x')).toEqual({ ok: false, error: NO_GESTURE_COPY_ERROR });
    expect(invoke).not.toHaveBeenCalled();

    userGesture(true);
    await bridge.openLink('https://example.com/');
    await bridge.copyText('x');
    expect(invoke.mock.calls).toEqual([
      [CHANNELS.openLink, 'https://example.com/'],
      [CHANNELS.copyText, 'x'],
    ]);
    // Other calls need no gesture: events and state arrive without clicks.
    userGesture(false);
    await bridge.getSnapshot();
    expect(invoke).toHaveBeenCalledTimes(3);
  });
});
