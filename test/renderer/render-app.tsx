import { act, render, waitFor, type RenderResult } from '@testing-library/react';
import { App } from '../../renderer/src/components/App';
import { connectToBridge } from '../../renderer/src/state/actions';
import { useChatStore } from '../../renderer/src/state/store';
import { resetChatStore } from './chat-store';
import type { BridgeEvent } from '../../main/common/ipc-contract';
import { FakeBridge, installFakeBridge } from './fake-bridge';

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
