// Runs the dashboard's unit tests (src/**/*.test.ts) with Node's test runner: esbuild bundles
// each into a temporary file, with just enough of a browser (`document`, `window`) for the
// state module. Exits non-zero when a test fails.
import { build } from 'esbuild';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
globalThis.window = globalThis;
globalThis.document = { visibilityState: 'visible', title: '', documentElement: {} };
const stored = new Map();
globalThis.sessionStorage = {
  getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, v), removeItem: (k) => stored.delete(k),
};
// The language module reads the saved language at load; tests run in English.
if (!('navigator' in globalThis)) globalThis.navigator = { language: 'en' };
const saved = new Map();
globalThis.localStorage = {
  getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => saved.set(k, v), removeItem: (k) => saved.delete(k),
};

const tests = (await readdir(join(here, 'src'), { recursive: true })).filter((f) => f.endsWith('.test.ts'));
const dir = await mkdtemp(join(tmpdir(), 'parley-admin-ui-'));
try {
  for (const file of tests) {
    const result = await build({
      entryPoints: [join(here, 'src', file)], bundle: true, platform: 'node', format: 'esm', write: false,
      jsx: 'automatic', jsxImportSource: 'preact', logLevel: 'warning', absWorkingDir: here,
    });
    const out = join(dir, file.replace(/[\\/]/g, '_') + '.mjs');
    await writeFile(out, result.outputFiles[0].text);
    await import(pathToFileURL(out).href);
  }
} finally {
  // node:test reports (and sets the exit code) once the imported tests have run.
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
