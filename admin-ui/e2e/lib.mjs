// Helpers of the dashboard's browser tests: Chromium through playwright-core, a visitor speaking
// the protocol over plain HTTP and a WebSocket, and screenshots a reviewer can look at.
// A Rust test (tests/dashboard_browser.rs) starts the engine and runs each script with
// PARLEY_URL, PARLEY_CHROMIUM and the passwords in its environment.
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = process.env.PARLEY_URL;
export const AGENT_PASSWORD = process.env.PARLEY_AGENT_PASSWORD;
export const SUPERVISOR_PASSWORD = process.env.PARLEY_SUPERVISOR_PASSWORD;
export const ADMIN_PASSWORD = process.env.PARLEY_ADMIN_PASSWORD;
const BACKEND = process.env.PARLEY_BACKEND ?? 'sqlite';
/** A guard against hanging, not a timing assertion. */
export const PATIENCE_MS = 10000;
const ORIGIN = 'http://localhost:3000';
/** The visitors' sockets, closed when the script ends so Node can exit. */
const openSockets = new Set();
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

if (!BASE) {
  console.error('PARLEY_URL is not set: run this script from its Rust test (tests/dashboard_browser.rs)');
  process.exit(2);
}

/** Runs `body` with a fresh Chromium; any failure is reported with the step it happened in. */
export async function run(name, body) {
  const browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  });
  const step = { current: 'start' };
  const cspViolations = [];
  const pages = [];
  try {
    await body({
      browser,
      step: (text) => { step.current = text; },
      page: async () => {
        const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
        const page = await context.newPage();
        pages.push(page);
        page.setDefaultTimeout(PATIENCE_MS);
        page.on('console', (m) => {
          if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
        });
        page.on('pageerror', (e) => cspViolations.push(`page error: ${e.message}`));
        return page;
      },
    });
    if (cspViolations.length > 0) throw new Error(`the page broke its rules:\n${cspViolations.join('\n')}`);
    console.log(`${name}: passed`);
  } catch (e) {
    console.error(`${name}: failed at "${step.current}": ${e.stack ?? e}`);
    process.exitCode = 1;
    // What each page showed when the test failed, beside the other screenshots.
    for (const [i, page] of pages.entries()) {
      await shot(page, `failed-${name}-${i}`).catch(() => undefined);
    }
  } finally {
    for (const socket of openSockets) socket.terminate();
    await browser.close();
  }
  // Nothing else may keep the script alive: its verdict is final.
  process.exit(process.exitCode ?? 0);
}

export async function shot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}-${BACKEND}.png`) });
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Signs in on the dashboard's login form. */
export async function signIn(page, username, password = AGENT_PASSWORD) {
  await page.goto(`${BASE}/admin/`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('connection').and(page.locator('.connection-online')).waitFor();
}

export async function setPresence(page, value) {
  await page.getByTestId('presence').selectOption(value);
  await page.locator(`.presence-${value.split(':')[0]}`).waitFor();
}

/** A REST call as a signed-in user (bearer token), for the set-up a supervisor or admin would do. */
export async function asUser(username, password) {
  const response = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  check(response.ok, `login of ${username}: ${JSON.stringify(body)}`);
  return async (method, path, json) => {
    const r = await fetch(`${BASE}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${body.token}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await r.text();
    check(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** A visitor on the demo website: starts a chat over REST and follows it on its socket. */
export async function visitor(name) {
  const response = await fetch(`${BASE}/api/v1/websites/demo/chats`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
    body: JSON.stringify({ name, page_url: 'http://localhost:3000/pricing', page_title: 'Pricing' }),
  });
  const chat = await response.json();
  check(response.status === 201, `start chat: ${JSON.stringify(chat)}`);
  const frames = [];
  const waiters = [];
  const socket = new WebSocket(
    `${BASE.replace(/^http/, 'ws')}/api/v1/chats/${chat.chat_id}/ws?token=${chat.visitor_token}&after_seq=0`,
    { headers: { Origin: ORIGIN } },
  );
  openSockets.add(socket);
  socket.on('close', () => openSockets.delete(socket));
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    frames.push(frame);
    for (const w of [...waiters]) if (w.test(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  let key = 0;
  return {
    chatId: chat.chat_id,
    frames,
    say(text) {
      socket.send(JSON.stringify({ type: 'send_message', text, client_key: `v-${++key}` }));
    },
    send(frame) {
      socket.send(JSON.stringify(frame));
    },
    /** The first frame, past or future, that passes `test`. */
    frame(test, what) {
      const found = frames.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`visitor ${name} never received ${what}`)), PATIENCE_MS);
        waiters.push({ test, resolve: (f) => { clearTimeout(timer); resolve(f); } });
      });
    },
    close() { socket.close(); },
  };
}
