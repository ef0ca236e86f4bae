// The console's Agents and Audit log pages, an admin's (issue 9; R25, R70, R71, R73): the admin
// creates an agent (after a refused weak password), adds them to the queue with a hunt order;
// the new agent signs in and is offered a visitor's chat; the admin deactivates them, which
// signs them out at once; the audit log shows each action, filtered by action.
import { run, shot, check, signIn, setPresence, asUser, visitor, ADMIN_PASSWORD } from './lib.mjs';

const PASSWORD = 'erin-password-1';

await run('console-agents', async ({ page: newPage, step }) => {
  const page = await newPage();
  const admin = await asUser('admin', ADMIN_PASSWORD);
  const erinOf = async () => (await admin('GET', '/users')).users.find((u) => u.username === 'erin');

  step('the admin opens Agents');
  await signIn(page, 'admin', ADMIN_PASSWORD);
  await page.getByTestId('section-agents').click();
  await page.getByTestId('user-agent').waitFor();
  check(await page.getByTestId('section-audit').isVisible(), 'admins see the audit log');

  step('a weak password is refused with a clear message (R71)');
  await page.getByTestId('user-new-open').click();
  await page.getByTestId('new-username').fill('erin');
  await page.getByTestId('new-display-name').fill('Erin <Example>');
  await page.getByTestId('new-capacity').fill('2');
  await page.getByTestId('new-password').fill('erin');
  await page.getByTestId('user-create').click();
  await page.getByTestId('user-error').getByText('too weak').waitFor();
  check((await erinOf()) === undefined, 'nothing was created');

  step('the agent is created (R70)');
  await page.getByTestId('new-password').fill(PASSWORD);
  await page.getByTestId('user-create').click();
  await page.getByTestId('user-editor').getByText('Erin <Example>').first().waitFor();
  const created = await erinOf();
  check(created.role === 'agent' && created.capacity === 2 && created.active, `stored: ${JSON.stringify(created)}`);

  step('the agent joins the queue with a hunt order (R17, R25, R73)');
  await page.getByTestId('join-queue').selectOption({ label: 'Support' });
  await page.getByTestId('join-order').fill('1');
  await page.getByTestId('join').click();
  await page.getByTestId('membership-1').waitFor();
  await page.getByTestId('user-erin').getByText('Support (1)').waitFor();
  check((await erinOf()).queues.some((q) => q.queue_id === 1 && q.hunt_order === 1), 'the membership is stored');
  await shot(page, '30-console-agents');

  step('the new agent signs in and is offered a chat (R25)');
  const erin = await newPage();
  await signIn(erin, 'erin', PASSWORD);
  await setPresence(erin, 'available');
  const vic = await visitor('Vic');
  await erin.getByTestId('offer-card').waitFor();
  await erin.getByTestId('offer-visitor').filter({ hasText: 'Vic' }).waitFor();
  check(vic.chatId > 0, 'the visitor waits');

  step('the admin deactivates the agent: signed out at once (R71, R73)');
  await page.getByTestId('user-erin').getByRole('button').click();
  await page.getByTestId('edit-active').uncheck();
  await page.getByTestId('user-save').click();
  await page.getByTestId('user-saved').waitFor();
  await page.getByTestId('inactive-erin').waitFor();
  await erin.getByTestId('login').waitFor();
  await erin.getByTestId('username').fill('erin');
  await erin.getByTestId('password').fill(PASSWORD);
  await erin.getByTestId('login-submit').click();
  await erin.getByTestId('login-error').getByText('deactivated').waitFor();
  check((await erinOf()).presence === 'offline', 'erin is offline');
  await shot(page, '31-console-agent-deactivated');

  step('the audit log shows the actions (R71)');
  await page.getByTestId('section-audit').click();
  await page.getByTestId('audit-user.create').waitFor();
  await page.getByTestId('audit-queue.member.set').waitFor();
  await page.getByTestId('audit-user.update').getByText('"active":false').waitFor();
  await page.getByTestId('audit-auth.login_failed').waitFor();
  await page.getByTestId('audit-user.create').getByText('[redacted]').waitFor();
  await shot(page, '32-console-audit');
  await page.getByTestId('audit-action').fill('user');
  await page.getByTestId('audit-apply').click();
  await page.getByTestId('audit-queue.member.set').waitFor({ state: 'detached' });
  const rows = await page.getByTestId('audit-entries').locator('tbody tr').count();
  check(rows === 2, `user.create and user.update only: ${rows}`);
});
