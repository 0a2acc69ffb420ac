import type { TincanBridge } from '../../main/common/ipc-contract';

/**
 * The only place the renderer touches `window.tincan`. The preload puts the bridge there in
 * the app; tests assign a fake to `window.tincan` before calling into the renderer.
 */
export function getBridge(): TincanBridge {
  const bridge = (window as unknown as { tincan?: TincanBridge }).tincan;
  if (!bridge) throw new Error('window.tincan is missing: the preload script did not run.');
  return bridge;
}

export function hasBridge(): boolean {
  return typeof window !== 'undefined' && (window as unknown as { tincan?: unknown }).tincan !== undefined;
}
