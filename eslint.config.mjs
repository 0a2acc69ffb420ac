// ESLint (flat config): typescript-eslint's type-checked rules, React's hook rules, and the
// layer rules of the README's Layout table, so a wrong import fails `npm run lint` (part of
// `npm test`) instead of waiting for a reviewer.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node's built-in modules, with and without the `node:` prefix. */
const NODE_BUILTINS = ['node:*', 'assert', 'buffer', 'child_process', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/*', 'http', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'stream', 'timers', 'tls', 'url', 'util', 'worker_threads', 'zlib'];

const noImportsOf = (groups, message) => ['error', { patterns: [{ group: groups, message }] }];
/** Electron itself (`electron`, `electron/main`…), not a folder of ours that happens to be called electron. */
const noElectron = (message) => ['error', { patterns: [{ regex: '^electron(/.*)?$', message }] }];

/**
 * Who may import whom (paths from the repository root). `from` is what the `target` folder
 * must not import; the README's Layout section says the same in words.
 */
const LAYER_ZONES = [
  {
    target: './main/common',
    from: ['./main/chat', './main/app', './main/electron', './main/headless', './main/index.ts', './preload', './renderer'],
    message: 'main/common is pure code shared with the renderer: it imports only main/common.',
  },
  {
    target: './main/chat',
    from: ['./main/app', './main/electron', './main/headless', './main/index.ts', './preload', './renderer', './main/common/ipc-contract.ts'],
    message: 'main/chat is the protocol core: it imports Node, itself and pure helpers from main/common (never the IPC contract).',
  },
  {
    target: './main/app',
    from: ['./main/electron', './main/headless', './main/index.ts', './preload', './renderer'],
    message: 'main/app is plain Node: it may use main/chat and main/common, never the Electron shell or the renderer.',
  },
  {
    target: './main/headless',
    from: ['./main/electron', './main/index.ts', './preload', './renderer'],
    message: 'The headless server runs without Electron: it may use main/app, main/chat and main/common.',
  },
  {
    target: './main/electron',
    from: ['./main/headless', './main/index.ts', './preload', './renderer'],
    message: 'The Electron shell adapts main/app for Electron; it does not reach into the preload, the renderer or the headless server.',
  },
  {
    target: './preload',
    from: ['./main/chat', './main/app', './main/electron', './main/headless', './main/index.ts', './renderer'],
    message: 'The preload may import only main/common (the IPC contract).',
  },
  {
    target: './renderer',
    from: ['./main/chat', './main/app', './main/electron', './main/headless', './main/index.ts', './preload'],
    message: 'The renderer may import only main/common.',
  },
];

export default defineConfig([
  globalIgnores(['dist/', 'release/', 'node_modules/', 'test-results/', '.tools/', 'bench/*.c']),
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYER_ZONES }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'error',
      '@typescript-eslint/no-meaningless-void-operator': 'error',
      '@typescript-eslint/no-unnecessary-type-arguments': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  // ---- per layer: which globals and modules exist there -----------------------------------
  {
    files: ['main/common/**/*.ts'],
    rules: {
      'no-restricted-imports': noImportsOf([...NODE_BUILTINS, 'electron', 'react', 'react-dom', 'zustand'], 'main/common runs in the renderer and in main: no Node modules, no Electron, no UI libraries.'),
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'process', 'Buffer', 'require', '__dirname', 'global'],
    },
  },
  {
    files: ['main/chat/**/*.ts', 'main/app/**/*.ts', 'main/headless/**/*.ts'],
    rules: {
      'no-restricted-imports': noElectron('Only main/electron and the preload may import Electron; this layer runs under plain Node.'),
    },
  },
  {
    files: ['main/**/*.ts', 'preload/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['main/headless/**/*.ts'],
    // The headless server's only user interface is its console.
    rules: { 'no-console': 'off' },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': noImportsOf([...NODE_BUILTINS], 'A sandboxed preload may require nothing but electron.'),
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': noImportsOf([...NODE_BUILTINS, 'electron'], 'The renderer is a sandboxed web page: no Node modules, no Electron (talk to main through window.tincan).'),
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', '__dirname', 'global'],
    },
  },
  {
    files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts', 'vite.config.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      'no-console': 'off',
      // Fakes implement the app's async interfaces with synchronous bodies.
      '@typescript-eslint/require-await': 'off',
      // `expect(fake.method).toHaveBeenCalled()` hands over the spy; nothing calls it unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['test/renderer/**/*.tsx'],
    extends: [reactHooks.configs.flat.recommended],
  },
]);
