/**
 * Electron entry point (package.json "main" -> dist/main/index.js). All the work lives in
 * main/electron/app.ts; this file only hands it the real Electron module and its location,
 * and writes main's uncaught errors into the log.
 */
import * as electron from 'electron';
import { startTincan } from './electron/app';
import { createFileLogger, logProcessErrors } from './electron/log';

startTincan(electron, __dirname, {
  createLogger: (directory, packaged) => {
    const logger = createFileLogger(directory, { console: !packaged });
    logProcessErrors(logger);
    return logger;
  },
});
