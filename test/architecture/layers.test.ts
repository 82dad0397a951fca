// The layers run one way (config -> workflows -> activities -> clients), the product does not depend on the sandbox,
// and the image ships the product alone. Read from the sources' import statements and the build files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file imports (static, dynamic and type imports), as a path relative to the repository. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, resolve(dirname(file), s)));
}

const product = filesUnder(SRC);

test('no product file imports the sandbox package', () => {
  const offending = product.flatMap((f) => importsOf(f).filter((i) => !i.startsWith('src/')).map((i) => `${relative(ROOT, f)} -> ${i}`));
  expect(offending).toEqual([]);
  expect(product.length).toBeGreaterThan(150); // the walk found the sources
});

test('clients import nothing of the activity layer, the catalogue or the workflows', () => {
  const clients = ['proxmox', 'kubernetes', 'helm', 'ssh', 'monitoring'].flatMap((d) => filesUnder(join(SRC, d)));
  const upward = clients.flatMap((f) => importsOf(f).filter((i) => /^src\/(activities|catalogue|workflows)\//.test(i)).map((i) => `${relative(ROOT, f)} -> ${i}`));
  expect(upward).toEqual([]);
  expect(clients.length).toBeGreaterThan(20);
});

test('product code never asks whether it runs in the sandbox; only the reports read the simulated target\'s name', () => {
  const asking = product.filter((f) => /config\.sandbox\b|\bsandbox\s*[?:]\s*(true|false|boolean)/.test(readFileSync(f, 'utf8')));
  expect(asking.map((f) => relative(ROOT, f))).toEqual([]);
  const readers = product.filter((f) => /\.simulatedTarget\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f)).sort();
  expect(readers).toEqual(['src/client.ts', 'src/report/render-markdown.ts', 'src/workflows/run-tracker.ts']);
});

test('the image builds and installs the product alone', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; workspaces: string[] };
  expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(['@cozy-proxmox/sandbox']));
  for (const sandboxOnly of ['fastify', 'node-forge', '@cozy-proxmox/sandbox']) expect(pkg.dependencies[sandboxOnly]).toBeUndefined();
  expect(pkg.devDependencies['@cozy-proxmox/sandbox']).toBeDefined();
  expect(pkg.workspaces).toEqual(['packages/*']);
  const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  expect(build.include).toEqual(['src/**/*.ts']);
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  expect(dockerfile).toMatch(/RUN npm ci --workspaces=false\b/);
  expect(dockerfile).toMatch(/npm run build:product/);
  expect(dockerfile).toMatch(/npm prune --omit=dev --workspaces=false/);
  expect(dockerfile).not.toMatch(/COPY (packages|bench)\b/);
  expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')).toContain('packages');
});

/** The modules a file loads when it runs: `import type` and `import { type ... }`-only lines are erased by the compiler. */
function runtimeImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^import\s+(?!type\b)([^;]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/gms)]
    .filter((m) => !/^\{\s*(type\s+\w+\s*,?\s*)+\}$/.test(m[1].trim()))
    .map((m) => m[2]);
  return specs.map((s) => {
    const base = resolve(dirname(file), s);
    return relative(ROOT, statSync(base, { throwIfNoEntry: false })?.isDirectory() ? join(base, 'index.ts') : `${base}.ts`);
  });
}

test('no product module loads itself back through its imports (a cycle would leave a step definition half made)', () => {
  const graph = new Map(product.map((f) => [relative(ROOT, f), runtimeImportsOf(f)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  expect(cycles).toEqual([]);
  expect(graph.get('src/catalogue/index.ts')?.length).toBeGreaterThan(40); // the walk read the step list
});

test('workflow code loads only the pure parts of the catalogue, never a step module', () => {
  const workflows = filesUnder(join(SRC, 'workflows'));
  const loaded = new Set(workflows.flatMap((f) => importsOf(f).filter((i) => !i.startsWith('src/workflows/'))));
  const catalogue = [...loaded].filter((p) => p.startsWith('src/catalogue/')).sort();
  expect(catalogue).toEqual(['src/catalogue/attempts', 'src/catalogue/failure-types', 'src/catalogue/phases', 'src/catalogue/types']);
  expect([...loaded].filter((p) => /^src\/(activities|kubernetes|proxmox|helm|ssh)\//.test(p))).toEqual([]);
});
