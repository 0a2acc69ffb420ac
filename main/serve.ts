#!/usr/bin/env node
// Entry point of the headless server (`npm run serve`, `tincan-server`).
import { runServerCli } from './server-cli';

void runServerCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
