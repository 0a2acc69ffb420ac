import { act, cleanup, render, waitFor, type RenderResult } from '@testing-library/react';
import { afterEach } from 'vitest';
import { App } from '../../renderer/src/components/App';
import { connectToBridge } from '../../renderer/src/state/actions';
import { useChatStore } from '../../renderer/src/state/store';
import { resetChatStore } from './chat-store';
import type { BridgeEvent, Preferences, SessionStatus } from '../../main/common/ipc-contract';
import { FakeBridge, defaultTestPreferences, installFakeBridge } from './fake-bridge';

export interface RenderedApp extends RenderResult {
  bridge: FakeBridge;
  /** Delivers a batch of events inside act(). */
  emit(events: BridgeEvent[]): void;
  dispose(): void;
}

/** Renders the whole App against a fresh store and `bridge`, once its snapshot is in. */
export async function renderApp(bridge: FakeBridge = new FakeBridge()): Promise<RenderedApp> {
  resetChatStore();
  const uninstall = installFakeBridge(bridge);
  const disconnect = connectToBridge();
  const result = render(<App />);
  await waitFor(() => {
    if (!useChatStore.getState().ready) throw new Error('the snapshot has not arrived');
  });
  return {
    ...result,
    bridge,
    emit: (events) => act(() => bridge.emit(events)),
    dispose: () => {
      result.unmount();
      disconnect();
      uninstall();
    },
  };
}

/**
 * For a test file: a function that renders the App in `status` with the test preferences
 * (changed by `preferences`); whatever it rendered is disposed of after each test.
 */
export function appRendererPerTest(defaults: Partial<Preferences> = {}): (status: SessionStatus, preferences?: Partial<Preferences>) => Promise<RenderedApp> {
  let app: RenderedApp | null = null;
  afterEach(() => {
    app?.dispose();
    app = null;
    cleanup();
  });
  return async (status, preferences = {}) => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = status;
    bridge.snapshot.preferences = defaultTestPreferences({ ...defaults, ...preferences });
    app = await renderApp(bridge);
    return app;
  };
}
