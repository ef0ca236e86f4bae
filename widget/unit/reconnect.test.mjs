// Unit tests of the widget's reconnect timing (issue 10): an engine that stops gracefully
// closes with 1012 after `server_closing`; the widget comes back after the time it asked for,
// with a little jitter, not after a failure's backoff. Run with `node --test unit/`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";

const here = new URL("..", import.meta.url).pathname;
const bundled = await build({
  stdin: { contents: 'export { reconnectDelayMs, backoffMs, SERVICE_RESTART } from "./src/protocol.ts";', resolveDir: here, loader: "ts" },
  bundle: true,
  format: "esm",
  write: false,
});
const protocol = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);

test("issue 10: after 1012 the widget waits what the engine asked, plus under half a second", () => {
  assert.equal(protocol.SERVICE_RESTART, 1012);
  for (let i = 0; i < 50; i++) {
    // However many failures came before: a graceful stop is not one of them.
    const delay = protocol.reconnectDelayMs(1012, 1000, 6);
    assert.ok(delay >= 1000 && delay < 1500, `${delay}`);
    const now = protocol.reconnectDelayMs(1012, 0, 0);
    assert.ok(now >= 0 && now < 500, `${now}`);
  }
});

test("any other close backs off as before", () => {
  for (let i = 0; i < 50; i++) {
    const delay = protocol.reconnectDelayMs(1006, 1000, 6);
    assert.ok(delay >= 5000 && delay <= 10000, `${delay}`);
  }
});
