/**
 * Where the built pieces live, relative to the built main file (dist/main/index.js). The
 * same relative layout holds in a dev checkout and inside a packaged app.asar.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface AppPaths {
  preload: string;
  rendererIndex: string;
  /** file:// URL of rendererIndex, the only page allowed to call the bridge. */
  rendererUrl: string;
}

export function appPaths(mainDirectory: string): AppPaths {
  const preload = path.join(mainDirectory, '..', 'preload', 'index.js');
  const rendererIndex = path.join(mainDirectory, '..', 'renderer', 'index.html');
  return { preload, rendererIndex, rendererUrl: pathToFileURL(rendererIndex).href };
}
