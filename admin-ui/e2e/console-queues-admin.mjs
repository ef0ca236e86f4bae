// The console's queue set-up for admins (issue 9; R17, R29, R67, R78): a queue created, its
// leave-a-message switched off, given weekly opening hours and two members, whose hunt order is
// changed by dragging a row; refused while a website targets it, then, the website deleted, deleted;
// each step checked over REST as live.
import { run, shot, check, signIn, asUser } from './lib.mjs';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A weekday three days from today (UTC), so an hour on it is closed now whatever the hour. */
function aDayFarFromToday() {
  const today = (Math.floor(Date.now() / 86400000) + 3) % 7; // 1970-01-01 was a Thursday
  return DAYS[(today + 3) % 7];
}

await run('console-queues-admin', async ({ page: newPage, step }) => {
  const page = await newPage();
  const admin = await asUser('boss', process.env.PARLEY_AGENT_PASSWORD);

  step('the admin creates a queue (R67)');
  await signIn(page, 'boss');
  await page.getByTestId('section-queues').click();
  await page.getByTestId('new-queue').click();
  await page.getByTestId('new-queue-name').fill('Billing <i>desk</i>');
  await page.getByTestId('new-queue-create').click();
  await page.getByTestId('queue-editor').getByRole('heading', { name: 'Billing <i>desk</i>' }).waitFor();
  const { queues } = await admin('GET', '/queues');
  const queue = queues.find((q) => q.name === 'Billing <i>desk</i>');
  check(queue && queue.offer_timeout_ms === 15000 && queue.hunt_timeout_ms === 60000, `the queue is stored with the defaults: ${JSON.stringify(queues)}`);
  const id = queue.queue_id;

  step('leave-a-message is switched off for the queue (R78)');
  await page.getByTestId('queue-leave-message').uncheck();
  await page.getByTestId('leave-message-saved').waitFor();
  const leave = await admin('GET', `/queues/${id}/leave-message`);
  check(leave.leave_message === false, `leave-a-message is off: ${JSON.stringify(leave)}`);

  step('opening hours that exclude now close the queue, live (R29)');
  await page.getByTestId('hours-always').uncheck();
  await page.getByTestId('hours-range').first().waitFor();
  for (const day of DAYS.slice(0, 5)) await page.getByTestId(`range-0-${day}`).uncheck();
  await page.getByTestId(`range-0-${aDayFarFromToday()}`).check();
  await page.getByTestId('range-0-start').fill('10:00');
  await page.getByTestId('range-0-end').fill('11:00');
  await page.getByTestId('time-zone').fill('Europe/Prague');
  await page.getByTestId('hours-save').click();
  await page.getByTestId('hours-saved').waitFor();
  await page.getByTestId('queue-open-now').getByText('Closed now.').waitFor();
  const hours = await admin('GET', `/queues/${id}/opening-hours`);
  check(hours.open_now === false && hours.opening_hours.time_zone === 'Europe/Prague', `the hours are stored: ${JSON.stringify(hours)}`);

  step('two agents join; a drag puts bob first (R17, R73)');
  for (const [username, label] of [['agent', 'Demo Agent (agent)'], ['bob', 'bob (bob)']]) {
    await page.getByTestId('member-add-pick').selectOption({ label });
    await page.getByTestId('member-add').click();
    await page.getByTestId(`member-${username}`).waitFor();
  }
  const order = async () => (await admin('GET', `/queues/${id}/members`)).members.map((m) => m.username).join(',');
  check((await order()) === 'agent,bob', `agent hunts first: ${await order()}`);
  await page.getByTestId('member-bob').dragTo(page.getByTestId('member-agent'));
  await page.getByTestId('queue-members').locator('tbody tr').first().getByText('Bob').waitFor();
  check((await order()) === 'bob,agent', `bob hunts first after the drag: ${await order()}`);
  await shot(page, '28-console-queue-created');

  step('a website targets the queue, which then cannot be deleted (R57, R67)');
  await page.getByTestId('section-websites').click();
  await page.getByTestId('new-website').click();
  await page.getByTestId('site-key').fill('bill');
  await page.getByTestId('site-name').fill('Billing site');
  await page.getByTestId('site-domains').fill('localhost');
  await page.getByTestId('site-queue').selectOption({ label: 'Billing <i>desk</i>' });
  await page.getByTestId('site-save').click();
  await page.getByTestId('site-saved').waitFor();
  await page.getByTestId('section-queues').click();
  await page.getByTestId(`queue-${id}`).getByRole('button').click();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('queue-delete').click();
  await page.getByTestId('queue-error').getByText('bill').waitFor();

  step('the website, which has no chats, is deleted; its widget stops (R57)');
  await page.getByTestId('section-websites').click();
  await page.getByTestId('website-bill').getByRole('button').click();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('site-delete').click();
  await page.getByTestId('website-bill').waitFor({ state: 'detached' });
  const gone = await fetch(`${process.env.PARLEY_URL}/api/v1/websites/bill/config`);
  check(gone.status === 404, `the deleted website's config is gone: ${gone.status}`);
  await page.getByTestId('section-queues').click();
  await page.getByTestId(`queue-${id}`).getByRole('button').click();

  step('the queue is deleted; its agents stay (R67)');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('queue-delete').click();
  await page.getByTestId(`queue-${id}`).waitFor({ state: 'detached' });
  const after = await admin('GET', '/queues');
  check(!after.queues.some((q) => q.queue_id === id), 'the queue is gone');
  const agents = await admin('GET', '/agents');
  check(agents.agents.some((a) => a.username === 'bob'), 'bob is still an agent');

  step('the demo queue, which the demo website targets, is refused with a reason');
  await page.getByTestId(`queue-${queues[0].queue_id}`).getByRole('button').click();
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByTestId('queue-delete').click();
  await page.getByTestId('queue-error').getByText('in use').waitFor();
  await shot(page, '29-console-queue-in-use');
});
