/// <reference types="vitest/config" />
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import electron from 'vite-plugin-electron/simple';

const here = __dirname;
const isVitest = process.env.VITEST !== undefined;

// One config builds all three parts: the renderer (root: renderer/ -> dist/renderer),
// the Electron main process (main/index.ts -> dist/main/index.js) plus the headless
// server (main/headless/serve.ts -> dist/main/serve.js), and the preload (one CommonJS bundle,
// since a sandboxed preload may require nothing but 'electron').
// Vitest reads this file too; the Electron plugin stays out of test runs.
export default defineConfig({
  root: isVitest ? here : path.join(here, 'renderer'),
  base: './',
  build: {
    outDir: path.join(here, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome140',
  },
  plugins: [
    react(),
    isVitest
      ? []
      : electron({
          main: {
            entry: {
              index: path.join(here, 'main/index.ts'),
              serve: path.join(here, 'main/headless/serve.ts'),
              // The history store's worker thread (HistoryService loads it from next to index.js).
              'history-worker': path.join(here, 'main/app/history/worker.ts'),
            },
            vite: {
              build: {
                outDir: path.join(here, 'dist/main'),
                emptyOutDir: true,
                target: 'node20',
                minify: false,
                rolldownOptions: { external: ['electron'] },
              },
            },
          },
          preload: {
            input: path.join(here, 'preload/index.ts'),
            vite: {
              build: {
                outDir: path.join(here, 'dist/preload'),
                emptyOutDir: true,
              },
            },
          },
        }),
  ],
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    reporters: ['default', path.join(here, 'test/summary-reporter.ts')],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
