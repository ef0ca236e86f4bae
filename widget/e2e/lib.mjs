// What every browser test of the widget shares: Chromium, a test page on another origin
// than the engine, an agent that speaks the protocol over a raw WebSocket, and checks that
// fail with a clear message. A script gets the engine's address in PARLEY_URL and an agent's
// session token in PARLEY_AGENT_TOKEN (tests/widget_browser.rs starts the engine).

import http from "node:http";
import { chromium } from "playwright-core";
import WebSocket from "ws";

export const ENGINE = required("PARLEY_URL");

export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/widget_browser.rs sets it)`);
  return value;
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Waits for `probe` to return something truthy (a guard against hanging, not a timer). */
export async function until(probe, what, patienceMs = 10000) {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A website's page, served from this process on a loopback port: `http://localhost:PORT`
 * (or any host name mapped to loopback), an origin other than the engine's. The query's
 * `scope`, `identity` and `language` become the snippet's data attributes, and `csp` a strict
 * Content-Security-Policy with nonces; the page's own CSS is hostile, so a widget that is not
 * isolated from it looks wrong. */
export async function websitePage() {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, "http://localhost");
    if (url.pathname === "/favicon.ico") return response.writeHead(404).end();
    const attributes = ["scope", "identity", "language"]
      .filter((name) => url.searchParams.has(name))
      .map((name) => ` data-${name}="${url.searchParams.get(name).replace(/[^\w.-]/g, "")}"`)
      .join("");
    const title = url.pathname.slice(1) || "home";
    const headers = { "content-type": "text/html; charset=utf-8" };
    // `?csp=1`: a strict policy that allows scripts and styles by nonce only.
    const nonce = url.searchParams.has("csp") ? "n0nce4widget" : "";
    if (nonce) {
      const engine = new URL(ENGINE);
      headers["content-security-policy"] =
        `default-src 'none'; script-src 'nonce-${nonce}' ${engine.origin}; style-src 'nonce-${nonce}'; ` +
        `connect-src ${engine.origin} ws://${engine.host}`;
    }
    const nonceAttribute = nonce ? ` nonce="${nonce}"` : "";
    response.writeHead(200, headers);
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style${nonceAttribute}>button, p, li { color: red !important; font-size: 40px !important; } * { box-sizing: content-box; }</style></head>
<body><main><h1>Page ${title}</h1><p id="hover-me">Pricing details</p></main>
<script async src="${ENGINE}/widget.js" data-website="demo"${attributes}${nonceAttribute}></script></body></html>`);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    url: (path = "/", host = "localhost") => `http://${host}:${port}${path}`,
    close: () => server.close(),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: required("PARLEY_CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--host-resolver-rules=MAP not-allowed.test 127.0.0.1"],
  });
}

/** A page of a new context; the engine's requests it made are listed in `requests`. */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.requests = [];
  page.on("request", (request) => page.requests.push(request.url()));
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  return page;
}

/** An agent's dashboard socket (5.3), Available: frames are kept until asked for. */
export async function agent(token = required("PARLEY_AGENT_TOKEN")) {
  const socket = new WebSocket(`${ENGINE.replace(/^http/, "ws")}/api/v1/agent/ws`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const frames = [];
  let wake = () => {};
  socket.on("message", (data) => {
    frames.push(JSON.parse(String(data)));
    wake();
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const client = {
    token,
    send: (frame) => socket.send(JSON.stringify(frame)),
    /** The next frame (dropping those before it) that matches `test`. */
    async next(test, what) {
      const deadline = Date.now() + 10000;
      for (;;) {
        const index = frames.findIndex(test);
        if (index >= 0) return frames.splice(0, index + 1).pop();
        if (Date.now() > deadline) throw new Error(`the agent got no ${what}; it got ${JSON.stringify(frames).slice(0, 2000)}`);
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    event: (kind) => client.next((f) => f.type === "event" && f.kind === kind, `${kind} event`),
    /** The next message the visitor wrote (the agent's own come back to it as events too). */
    fromVisitor: () =>
      client.next((f) => f.type === "event" && f.kind === "message" && f.author.kind === "visitor", "a visitor's message"),
    async presence(presence) {
      client.send({ type: "set_presence", presence });
      await client.next((f) => f.type === "presence" && f.presence === presence, `presence ${presence}`);
    },
    /** Takes the next offered chat; its id. */
    async accept() {
      const offer = await client.next((f) => f.type === "offer", "offer");
      client.send({ type: "accept_offer", chat_id: offer.chat_id });
      await client.next((f) => f.type === "chat_assigned", "chat_assigned");
      return offer.chat_id;
    },
    close: () => socket.close(),
  };
  await client.next((f) => f.type === "agent_hello", "agent_hello");
  return client;
}

/** Runs a test script: its failures are printed and make the process exit non-zero. */
export async function run(name, body) {
  const browser = await launch();
  try {
    await body(browser);
    console.log(`${name}: ok`);
  } catch (error) {
    console.error(`${name} failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
  process.exit(process.exitCode ?? 0);
}

/** The widget's parts, found through its open shadow root (Playwright pierces it). */
export const widget = {
  launcher: (page) => page.locator("#parley-widget-demo .launcher"),
  panel: (page) => page.locator("#parley-widget-demo .panel"),
  appLoaded: (page) => page.requests.some((url) => url.includes("/widget-app.js")),
};
