import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_GLOBAL, CHANNELS, EVENTS_CHANNEL, type BridgeEvent, type TincanBridge } from '../../main/common/ipc-contract';
import type { FakeElectron } from './fake-electron';

vi.mock('electron', async () => (await import('./fake-electron')).createFakeElectron());

let electron: FakeElectron;
let bridge: TincanBridge;

beforeEach(async () => {
  vi.resetModules();
  vi.clearAllMocks();
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
    const batch: BridgeEvent[] = [{ type: 'notice', level: 'info', message: 'hello' }];
    forward(ipcEvent, batch);
    expect(received).toEqual([batch]);

    unsubscribe();
    unsubscribe();
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledTimes(1);
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(EVENTS_CHANNEL, forward);
  });

  it('onEvents refuses a non-function', () => {
    expect(() => bridge.onEvents('nope' as unknown as (events: BridgeEvent[]) => void)).toThrow(TypeError);
    expect(electron.ipcRenderer.on).not.toHaveBeenCalled();
  });
});
