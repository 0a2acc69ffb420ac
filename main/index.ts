/**
 * Electron entry point (package.json "main" -> dist/main/index.js). All the work lives in
 * main/electron/app.ts; this file only hands it the real Electron module and its location.
 */
import * as electron from 'electron';
import { startTincan } from './electron/app';

startTincan(electron, __dirname);
