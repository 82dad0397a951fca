// The stand-in tools on the sandbox host's PATH: `kubeadm`, a wrapper that runs the project's kubeadm stand-in with
// this Node.js. From the compiled project it runs the JavaScript; from the sources (tests) a small loader transpiles
// the TypeScript on the fly.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote } from '../../../../src/ssh/shell-quote';
import type { SandboxHostLayout } from './layout';

/** Environment variable naming the directory that plays the host's filesystem root. */
export const HOST_ROOT_ENV = 'COZY_SANDBOX_HOST_ROOT';

function typescriptLoader(): string {
  return [
    '// Loads TypeScript sources without a build: transpiled per file, no type checking.',
    "const { readFileSync } = require('node:fs');",
    `const ts = require(${JSON.stringify(require.resolve('typescript'))});`,
    "require.extensions['.ts'] = function load(module, filename) {",
    "  const source = readFileSync(filename, 'utf8');",
    '  const { outputText } = ts.transpileModule(source, {',
    '    fileName: filename,',
    '    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },',
    '  });',
    '  module._compile(outputText, filename);',
    '};',
    '',
  ].join('\n');
}

export function installStandinTools(layout: SandboxHostLayout): string {
  mkdirSync(layout.bin, { recursive: true });
  const fromSources = __filename.endsWith('.ts');
  const main = join(__dirname, 'kubeadm', fromSources ? 'main.ts' : 'main.js');
  const nodeArgs = [process.execPath];
  if (fromSources) {
    const loader = join(layout.bin, '.ts-loader.js');
    writeFileSync(loader, typescriptLoader());
    nodeArgs.push('-r', loader);
  }
  nodeArgs.push(main);
  const wrapper = join(layout.bin, 'kubeadm');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      '# kubeadm stand-in of the cozy-proxmox sandbox host (joins through the Kubernetes API; kwok plays the kubelet)',
      `${HOST_ROOT_ENV}=${shellQuote(layout.root)}`,
      `export ${HOST_ROOT_ENV}`,
      `exec ${nodeArgs.map(shellQuote).join(' ')} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}
