// The supervisor console's chat logs and lists (issue 9; R41, R68, R71, R85, R87): the
// supervisor adds a predefined message that the agent's composer then offers; the agent writes a
// private message in a chat; the supervisor finds the chat by that text, reads it marked
// private with the routing trail, and downloads the CSV export. An admin then edits the lists
// a supervisor may only read: a wrap-up reason made the default, the unattended timeout.
import { readFile } from 'node:fs/promises';
import { run, shot, check, signIn, setPresence, visitor, asUser, AGENT_PASSWORD, SUPERVISOR_PASSWORD } from './lib.mjs';

await run('console-logs', async ({ page: newPage, step }) => {
  const boss = await newPage();

  step('the supervisor adds a predefined message for everyone (R68)');
  await signIn(boss, 'supervisor', SUPERVISOR_PASSWORD);
  await boss.getByTestId('section-lists').click();
  await boss.getByTestId('predefined-new').click();
  await boss.getByTestId('predefined-title').fill('Refund policy');
  await boss.getByTestId('predefined-body').fill('Refunds within 30 days, <visitor_name>.');
  await boss.getByTestId('predefined-save').click();
  await boss.getByTestId('predefined-list').getByText('Refund policy').waitFor();
  check(await boss.getByTestId('lists-wrap-up').getByText('Only administrators change this list.').count() === 1,
    'a supervisor reads the wrap-up reasons but may not change them (R71)');
  check(await boss.getByTestId('wrap-up-add').count() === 0, 'no add button for a supervisor');
  check(await boss.getByTestId('lists-options').count() === 0, 'the global settings are for admins');
  await shot(boss, '33-console-lists');

  step('the agent takes a chat and sees the new predefined message offered (R41)');
  const eva = await newPage();
  await signIn(eva, 'agent');
  await setPresence(eva, 'available');
  const zoe = await visitor('Zoe');
  zoe.say('My parcel is late');
  await eva.getByTestId('offer-accept').click();
  await eva.getByTestId('chat').getByText('My parcel is late').waitFor();
  await eva.getByTestId('predefined-open').click();
  await eva.getByTestId('predefined-item').filter({ hasText: 'Refund policy' }).waitFor();
  await eva.keyboard.press('Escape');

  step('a private message and a public one (R39)');
  await eva.getByTestId('private-toggle').click();
  const composer = eva.getByTestId('composer');
  await composer.fill('Internal: VIP, refund approved');
  await composer.press('Enter');
  await eva.getByTestId('private-message').filter({ hasText: 'Internal: VIP, refund approved' }).waitFor();
  await eva.getByTestId('private-toggle').click();
  await composer.fill('Hello Zoe, we refund you.');
  await composer.press('Enter');
  await zoe.frame((f) => f.type === 'event' && f.text === 'Hello Zoe, we refund you.', 'the public reply');
  zoe.send({ type: 'end_chat' });
  await zoe.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end');

  step('the supervisor finds the chat by its private text (R85, R87)');
  await boss.getByTestId('section-logs').click();
  await boss.getByTestId('log-q').fill('REFUND APPROVED');
  await boss.getByTestId('log-search-submit').click();
  const row = boss.getByTestId(`log-${zoe.chatId}`);
  await row.getByText('Ended by the visitor').waitFor();
  check(await boss.getByTestId('log-results').locator('tbody tr').count() === 1, 'only the matching chat is listed');
  await row.getByText('Demo Agent').waitFor();
  await shot(boss, '34-chat-logs');

  step('its full log: the private message marked, the routing trail');
  await row.getByRole('button', { name: 'Zoe' }).click();
  const detail = boss.getByTestId('log-detail');
  const note = detail.getByTestId('private-message').filter({ hasText: 'Internal: VIP, refund approved' });
  await note.waitFor();
  check(await note.locator('.eye').count() === 1, 'the private message carries the eye');
  check(await detail.getByTestId('message').filter({ hasText: 'Internal: VIP' }).count() === 0, 'the private message is not shown as public');
  await detail.getByTestId('message').filter({ hasText: 'Hello Zoe, we refund you.' }).waitFor();
  const offered = detail.getByTestId('log-routing').getByTestId('trail-offered');
  await offered.filter({ hasText: 'Demo Agent' }).filter({ hasText: 'Accepted' }).waitFor();
  await shot(boss, '35-chat-log-detail');

  step('the CSV export of the search (R87)');
  const [download] = await Promise.all([boss.waitForEvent('download'), boss.getByTestId('log-export').click()]);
  const text = await readFile(await download.path(), 'utf8');
  const lines = text.split('\r\n').filter((l) => l !== '');
  check(lines[0].startsWith('chat_id,website,queue,agents,visitor_name'), `the header: ${lines[0]}`);
  check(lines.length === 2 && lines[1].startsWith(`${zoe.chatId},demo,`) && lines[1].includes(',Zoe,'), `one line for the chat: ${text}`);

  step('an admin adds a wrap-up reason, makes it the default, sets the unattended timeout (R66, R69, R71)');
  const root = await newPage();
  await signIn(root, 'root', AGENT_PASSWORD);
  await root.getByTestId('section-lists').click();
  await root.getByTestId('wrap-up-new').fill('Callback promised');
  await root.getByTestId('wrap-up-add').click();
  const added = root.getByTestId('wrap-up-reasons').locator('tr').filter({ hasText: 'Callback promised' });
  await added.waitFor();
  await added.getByRole('button', { name: 'Make default' }).click();
  await added.getByText('default').waitFor();
  await root.getByTestId('option-unattended').fill('20000');
  await root.getByTestId('options-save').click();
  await root.getByTestId('options-error').waitFor();
  await root.getByTestId('option-unattended').fill('45');
  await root.getByTestId('options-save').click();
  await root.getByTestId('options-saved').waitFor();
  await shot(root, '36-console-lists-admin');
  const admin = await asUser('root', AGENT_PASSWORD);
  const { wrap_up_reasons } = await admin('GET', '/wrap-up-reasons');
  check(wrap_up_reasons.find((r) => r.is_default)?.label === 'Callback promised', `the default: ${JSON.stringify(wrap_up_reasons)}`);
  const options = await admin('GET', '/options');
  check(options.unattended_timeout_ms === 45 * 60000, `the timeout is stored: ${JSON.stringify(options)}`);
});
