// Builds the admin app (agent dashboard; later the supervisor console) into dist/, which the
// engine embeds and serves at /admin/. The build is deterministic, and dist/ is committed so
// `cargo run --release` needs no Node. `node build.mjs --check` builds in memory and fails when
// the committed dist/ differs from a fresh build of the sources (tests/admin_ui_bundle.rs).
import { build } from 'esbuild';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const check = process.argv.includes('--check');

const result = await build({
  entryPoints: { app: join(here, 'src/main.tsx') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: dist,
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: here,
});

const files = new Map();
for (const file of result.outputFiles) {
  files.set(file.path.slice(dist.length + 1), file.text);
}
files.set('index.html', await readFile(join(here, 'src/index.html'), 'utf8'));

if (check) {
  const stale = [];
  for (const [name, text] of files) {
    const committed = await readFile(join(dist, name), 'utf8').catch(() => null);
    if (committed !== text) stale.push(name);
  }
  if (stale.length > 0) {
    console.error(`admin-ui/dist is stale (${stale.join(', ')}): run npm run build --prefix admin-ui and commit dist/`);
    process.exit(1);
  }
  console.log('admin-ui/dist matches the sources');
} else {
  await mkdir(dist, { recursive: true });
  for (const [name, text] of files) await writeFile(join(dist, name), text);
  console.log(`built ${[...files.keys()].join(', ')}`);
}
