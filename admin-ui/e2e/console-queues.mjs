// The console's Queues page, an admin's (issue 9; R17, R20, R22, R28, R67, R71): hunt order moved by
// arrows, and the strategy, timeouts and RONA switch saved, each checked over REST as live.
import { run, shot, check, signIn, asUser, ADMIN_PASSWORD } from './lib.mjs';

await run('console-queues', async ({ page: newPage, step }) => {
  const page = await newPage();
  const admin = await asUser('admin', ADMIN_PASSWORD);
  const { queues } = await admin('GET', '/queues');
  const queue = queues[0];
  const order = async () => (await admin('GET', `/queues/${queue.queue_id}/members`)).members.map((m) => m.username);

  step('the admin opens the queue');
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByTestId('section-queues').click();
  await page.getByTestId(`queue-${queue.queue_id}`).getByRole('button').click();
  await page.getByTestId('member-bob').waitFor();
  const before = await order();
  check(before.indexOf('bob') > before.indexOf('agent'), `bob hunts after agent first: ${before}`);

  step('an arrow moves bob before agent in the hunt order (R17)');
  await page.getByTestId('up-bob').click();
  await page.getByTestId('queue-members').locator('tr').nth(1).getByText('Bob').waitFor();
  const after = await order();
  check(after.indexOf('bob') < after.indexOf('agent'), `bob now hunts first: ${after}`);

  step('a hunt shorter than the offer is refused with a clear message (R20)');
  await page.getByTestId('queue-strategy').selectOption('round_robin');
  await page.getByTestId('queue-offer').fill('20');
  await page.getByTestId('queue-hunt').fill('10');
  await page.getByTestId('queue-save').click();
  await page.getByTestId('queue-error').getByText('1 day').waitFor();

  step('strategy, timeouts and RONA saved, live (R20, R22, R28)');
  await page.getByTestId('queue-hunt').fill('120');
  await page.getByTestId('queue-rona').uncheck();
  await page.getByTestId('queue-save').click();
  await page.getByTestId('queue-saved').waitFor();
  const rules = await admin('GET', `/queues/${queue.queue_id}/routing-rules`);
  check(rules.strategy === 'round_robin' && rules.offer_timeout_ms === 20000 && rules.hunt_timeout_ms === 120000 && rules.rona_enabled === false,
    `the rules are stored: ${JSON.stringify(rules)}`);

  step('a member removed and added back hunts last, live (R67)');
  await page.getByTestId('member-agent').getByRole('button', { name: 'Remove' }).click();
  await page.getByTestId('member-agent').waitFor({ state: 'detached' });
  check(!(await order()).includes('agent'), 'agent left the queue');
  await page.getByTestId('member-add-pick').selectOption({ label: 'Demo Agent (agent)' });
  await page.getByTestId('member-add').click();
  await page.getByTestId('member-agent').waitFor();
  const last = await order();
  check(last[last.length - 1] === 'agent', `agent hunts last: ${last}`);
  await shot(page, '23-console-queue');
});
