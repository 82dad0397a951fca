#!/usr/bin/env -S node --max-semi-space-size=4
// (The flag caps V8's young generation, for the worker's memory: src/worker-memory.ts.)
// Launcher: the CLI is compiled TypeScript under dist/ (`npm run build`).
const { main } = require('../dist/src/cli/main.js');
main(process.argv).then((code) => {
  process.exitCode = code;
});
