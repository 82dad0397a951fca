#!/usr/bin/env node
// Launcher: the CLI is compiled TypeScript under dist/ (`npm run build`).
const { main } = require('../dist/src/cli/main.js');
main(process.argv).then((code) => {
  process.exitCode = code;
});
