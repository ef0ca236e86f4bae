// Builds the widget: src/app/main.ts into dist/widget-app.js, then src/loader.ts into
// dist/widget.js with the app's content hash, so the loader asks for exactly the app it was
// built with. The engine serves both (src/http/widget_files.rs).
//
//   node build.mjs           write dist/
//   node build.mjs --check   type-check, build in memory; fail if dist/ differs or a size
//                            budget is broken

import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

/** The size budgets (issue 7), gzipped: the loader every visitor gets, and the whole app. */
export const LOADER_BUDGET = 5 * 1024;
export const TOTAL_BUDGET = 40 * 1024;

const here = new URL(".", import.meta.url).pathname;
const common = { bundle: true, minify: true, format: "iife", target: "es2020", write: false, legalComments: "none", charset: "utf8" };

async function bundle(entry, define = {}) {
  const result = await build({ ...common, entryPoints: [here + entry], define });
  return result.outputFiles[0].text;
}

const app = await bundle("src/app/main.ts");
const version = createHash("sha256").update(app).digest("hex").slice(0, 12);
const loader = await bundle("src/loader.ts", { __APP_VERSION__: JSON.stringify(version) });

const gz = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;
const sizes = { loader: gz(loader), app: gz(app) };
console.log(`widget.js ${sizes.loader} B gzipped (budget ${LOADER_BUDGET}); widget-app.js ${sizes.app} B; together ${sizes.loader + sizes.app} B (budget ${TOTAL_BUDGET})`);

const problems = [];
if (sizes.loader > LOADER_BUDGET) problems.push(`the loader is ${sizes.loader} B gzipped, over its ${LOADER_BUDGET} B budget`);
if (sizes.loader + sizes.app > TOTAL_BUDGET) problems.push(`loader and app are ${sizes.loader + sizes.app} B gzipped, over the ${TOTAL_BUDGET} B budget`);

if (process.argv.includes("--check")) {
  // esbuild strips types without checking them; tsc checks them.
  const tsc = spawnSync(here + "node_modules/.bin/tsc", ["-p", here], { encoding: "utf8" });
  if (tsc.status !== 0) problems.push(`type errors:\n${tsc.stdout}${tsc.stderr}`);
  for (const [name, fresh] of [["widget.js", loader], ["widget-app.js", app]]) {
    let committed = "";
    try {
      committed = readFileSync(here + "dist/" + name, "utf8");
    } catch {
      committed = "";
    }
    if (committed !== fresh) problems.push(`dist/${name} is not a fresh build of src/: run \`npm run build\` in widget/ and commit dist/`);
  }
} else {
  mkdirSync(here + "dist", { recursive: true });
  writeFileSync(here + "dist/widget.js", loader);
  writeFileSync(here + "dist/widget-app.js", app);
}

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
