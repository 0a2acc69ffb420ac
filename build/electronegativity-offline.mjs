// Loaded with `node --import` in front of electronegativity's CLI (see audit-electron.mjs).
// The CLI first tries to download fresh translations with `got`; offline, on Node 24, got's
// p-cancelable throws "The onCancel handler was attached after the promise settled" from a
// timer and the whole audit dies before it scans anything. Here `got` resolves to a stub that
// fails at once, which the CLI handles as designed: it keeps its bundled English messages.
// Only that one import is redirected; the scanner and its checks run untouched.
import { registerHooks } from 'node:module';

const offlineGot = new URL('./electronegativity-offline-got.cjs', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'got' && context.parentURL?.includes('/@doyensec/electronegativity/')) {
      return { url: offlineGot, format: 'commonjs', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});
