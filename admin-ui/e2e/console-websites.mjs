// The console's Websites page, an admin's (issue 9; R1, R2, R14, R57-R59, R71): create a
// website with a refused entry first, then change the demo website's working intervals and see
// the widget's mode socket go offline live, and back when the website is open Always again.
import WebSocket from 'ws';
import { run, shot, check, signIn, BASE, ADMIN_PASSWORD, PATIENCE_MS } from './lib.mjs';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A weekday three days from today (UTC), so an hour on it is closed now whatever the hour. */
function aDayFarFromToday() {
  const today = (Math.floor(Date.now() / 86400000) + 3) % 7; // 1970-01-01 was a Thursday
  return DAYS[(today + 3) % 7];
}

/** The demo widget's mode socket (5.5): every `website_mode` frame, and a wait for one. */
function modeSocket() {
  const frames = [];
  const waiters = [];
  const socket = new WebSocket(`${BASE.replace(/^http/, 'ws')}/api/v1/websites/demo/ws`, { origin: 'http://localhost:3000' });
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data));
    if (frame.type !== 'website_mode') return;
    frames.push(frame);
    for (const w of [...waiters]) if (w.test(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
  });
  return {
    close: () => socket.terminate(),
    next: (test, what) => new Promise((resolve, reject) => {
      const seen = frames.find(test);
      if (seen) { frames.splice(frames.indexOf(seen), 1); resolve(seen); return; }
      const timer = setTimeout(() => reject(new Error(`no mode frame: ${what}; saw ${JSON.stringify(frames)}`)), PATIENCE_MS);
      waiters.push({ test, resolve: (f) => { clearTimeout(timer); frames.splice(frames.indexOf(f), 1); resolve(f); } });
    }),
  };
}

await run('console-websites', async ({ page: newPage, step }) => {
  const page = await newPage();
  const widget = modeSocket();
  try {
    const first = await widget.next(() => true, 'the first mode');
    check(first.reason !== 'outside_working_hours', 'the demo website starts open Always');

    step('the admin opens Websites');
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.getByTestId('section-websites').click();
    await page.getByTestId('website-demo').waitFor();
    await shot(page, '20-console-websites');

    step('a pasted URL is refused with a clear message (R2)');
    await page.getByTestId('new-website').click();
    await page.getByTestId('site-key').fill('shop');
    await page.getByTestId('site-name').fill('Shop <b>one</b>');
    await page.getByTestId('site-domains').fill('https://shop.example.com');
    await page.getByTestId('site-save').click();
    await page.getByTestId('site-error').getByText('no https://').waitFor();

    step('a new website is created and listed, its snippet shown (R57)');
    await page.getByTestId('site-domains').fill('shop.example.com\nlocalhost');
    await page.getByTestId('look-launcher').fill('Talk to us');
    await page.getByTestId('site-save').click();
    await page.getByTestId('site-saved').waitFor();
    await page.getByTestId('website-shop').getByText('Shop <b>one</b>').waitFor();
    const snippet = await page.getByTestId('site-snippet').inputValue();
    check(snippet.includes('data-website="shop"'), `the snippet names the key: ${snippet}`);
    const config = await (await fetch(`${BASE}/api/v1/websites/shop/config`)).json();
    check(config.appearance.launcher_label === 'Talk to us', 'the new website is live with its appearance');
    await shot(page, '21-console-website-created');

    step('working intervals that exclude now take the widget offline live (R58)');
    await page.getByTestId('website-demo').getByRole('button').click();
    await page.getByTestId('hours-always').uncheck();
    const range = page.getByTestId('hours-range');
    await range.first().waitFor();
    for (const day of DAYS.slice(0, 5)) await page.getByTestId(`range-0-${day}`).uncheck();
    await page.getByTestId(`range-0-${aDayFarFromToday()}`).check();
    await page.getByTestId('range-0-start').fill('10:00');
    await page.getByTestId('range-0-end').fill('11:00');
    await page.getByTestId('time-zone').fill('Europe/Prague');
    await page.getByTestId('site-save').click();
    await page.getByTestId('site-saved').waitFor();
    const offline = await widget.next((f) => f.reason === 'outside_working_hours', 'offline outside the working intervals');
    check(offline.mode === 'offline', 'the widget is offline');
    await page.getByTestId('website-demo').getByText('Europe/Prague').waitFor();
    await shot(page, '22-console-working-hours');

    step('Always again brings the widget back');
    await page.getByTestId('hours-always').check();
    await page.getByTestId('site-save').click();
    await widget.next((f) => f.reason === first.reason, 'back to the first mode');
  } finally {
    widget.close();
  }
});
