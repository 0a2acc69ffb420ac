#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point of the headless server (`npm run serve`, `tincan-server`). The V8 flag keeps
// the young generation small: a room is mostly idle connections, and the default (up to
// 32 MiB of nursery) would be most of the memory of a 20,000-client room. Keep it in step
// with SERVER_NODE_FLAGS in cli.ts (a test checks).
import { runServerCli } from './cli';

void runServerCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
