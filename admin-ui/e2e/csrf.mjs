// Issue 10, CSRF in a real browser: an agent signed in on the dashboard visits another site,
// whose page posts a form (and a fetch) to the engine. Neither creates anything: the session
// cookie is SameSite=Strict (not sent cross-site), and a cross-site write that carried it would
// be refused with csrf_refused. The dashboard's own writes go through.
import { run, check, signIn, asUser, AGENT_PASSWORD, BASE } from './lib.mjs';

const EVIL = 'http://evil.test';

await run('csrf', async ({ page: newPage, step }) => {
  const page = await newPage();
  step('sign in on the dashboard');
  await signIn(page, 'agent');

  step('a page of another site posts a form to the engine');
  await page.route(`${EVIL}/**`, (route) => route.fulfill({
    contentType: 'text/html',
    body: !route.request().url().endsWith('/form') ? '<!doctype html><p>Another site</p>' : `<!doctype html><form id="f" method="post" enctype="text/plain" action="${BASE}/api/v1/invitation-codes">
      <input name='{"reusable":true,"x":"' value='"}'></form>
      <script>document.getElementById('f').submit();</script>`,
  }));
  const posted = page
    .waitForResponse((r) => r.url().endsWith('/api/v1/invitation-codes') && r.request().method() === 'POST', { timeout: 5000 })
    .catch(() => null);
  await page.goto(`${EVIL}/form`);
  const answer = await posted;
  console.log(`csrf: the cross-site form post was ${answer ? `answered ${answer.status()}` : 'not sent'}`);
  check(answer === null || [401, 403].includes(answer.status()), `the cross-site form post was answered ${answer?.status()}`);

  step('and a fetch with credentials');
  await page.goto(`${EVIL}/fetch`);
  await page.evaluate(async (base) => {
    try {
      await fetch(`${base}/api/v1/invitation-codes`, { method: 'POST', credentials: 'include', body: '{}' });
    } catch { /* the browser may refuse to show the answer; what matters is what the engine did */ }
  }, BASE);

  step('nothing was created');
  const api = await asUser('agent', AGENT_PASSWORD);
  const codes = await api('GET', '/invitation-codes');
  check(codes.length === 0, `the other site created codes: ${JSON.stringify(codes)}`);

  step('the dashboard itself may write');
  await page.goto(`${BASE}/admin/`);
  const status = await page.evaluate(async () => (await fetch('/api/v1/invitation-codes', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'parley-admin' }, body: '{}',
  })).status);
  check(status === 201, `the dashboard's own write: ${status}`);
});
