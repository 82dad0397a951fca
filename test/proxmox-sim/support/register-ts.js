// Lets a plain `node` child process load the TypeScript sources (transpiled on the fly, no type checking), so a
// test can run packages/sandbox/src/proxmox-sim/main.ts as its own process without a build step.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  const source = readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};
