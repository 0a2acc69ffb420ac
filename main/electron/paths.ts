/**
 * Where the built pieces live, relative to the built main file (dist/main/index.js). The
 * same relative layout holds in a dev checkout (`npm start`) and inside a packaged app.asar.
 */
import path from 'node:path';
import { RENDERER_URL } from './app-protocol';

export interface AppPaths {
  preload: string;
  /** dist/renderer: the only folder the app:// scheme serves from. */
  rendererDirectory: string;
  /** The page's URL (app://tincan/index.html), the only page allowed to call the bridge. */
  rendererUrl: string;
}

export function appPaths(mainDirectory: string): AppPaths {
  return {
    preload: path.join(mainDirectory, '..', 'preload', 'index.js'),
    rendererDirectory: path.join(mainDirectory, '..', 'renderer'),
    rendererUrl: RENDERER_URL,
  };
}
