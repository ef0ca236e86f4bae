// The supervisor console's Live monitor (issue 9, R71): with the monitor open, an agent's
// presence changes and a visitor's chat appears as waiting without a reload; once the agent
// accepts the offer, the chat moves to the active chats.
import { run, shot, check, signIn, setPresence, visitor, SUPERVISOR_PASSWORD } from './lib.mjs';

await run('console-monitor', async ({ page: newPage, step }) => {
  const boss = await newPage();
  const agent = await newPage();

  step('the supervisor opens the monitor: the demo queue, nobody waiting, the agent offline');
  await signIn(boss, 'supervisor', SUPERVISOR_PASSWORD);
  await boss.getByTestId('section-monitor').click();
  await boss.getByTestId('monitor-connection').and(boss.locator('.connection-online')).waitFor();
  const queue = boss.getByTestId('monitor-queues').locator('tbody tr').first();
  await queue.getByTestId('waiting').filter({ hasText: /^0$/ }).waitFor();
  await boss.getByTestId('monitor-no-chats').waitFor();
  const demoAgent = boss.getByTestId('monitor-agents').locator('tr', { hasText: 'Demo Agent' });
  await demoAgent.locator('[data-presence="offline"]').waitFor();

  step('the agent signs in (Away first, A11): the monitor shows it without a reload');
  await signIn(agent, 'agent');
  await demoAgent.locator('[data-presence="away"]').waitFor();

  step('the agent goes Available: the monitor shows it');
  await setPresence(agent, 'available');
  await demoAgent.locator('[data-presence="available"]').waitFor();

  step('a visitor asks for a chat: it waits (offered, not yet accepted), and the queue counts it with a ticking wait');
  const vera = await visitor('Vera');
  const row = boss.getByTestId(`mc-${vera.chatId}`);
  await row.and(boss.locator('[data-state="queued"]')).waitFor();
  check((await row.textContent()).includes('Vera'), 'the waiting chat names its visitor');
  await queue.getByTestId('waiting').filter({ hasText: /^1$/ }).waitFor();
  await boss.getByTestId('total-waiting').filter({ hasText: /^1$/ }).waitFor();
  const firstWait = await queue.getByTestId('longest').textContent();
  check(/^\d+:\d\d$/.test(firstWait), `the longest wait is shown as m:ss: ${firstWait}`);
  // The wait ticks in the page between frames (the chat itself does not change).
  await queue.getByTestId('longest').filter({ hasText: /^0:0[1-9]$|^0:[1-5]\d$/ }).waitFor();
  await shot(boss, '30-monitor-waiting');

  step('the agent accepts: the chat moves to active, with its agent');
  await agent.getByTestId('offer-accept').click();
  await row.and(boss.locator('[data-state="active"]')).waitFor();
  await row.getByTestId('agents').filter({ hasText: 'Demo Agent' }).waitFor();
  await queue.getByTestId('waiting').filter({ hasText: /^0$/ }).waitFor();
  await queue.getByTestId('longest').filter({ hasText: '–' }).waitFor();
  await demoAgent.getByTestId('load').filter({ hasText: '1 / 3' }).waitFor();
  await boss.getByTestId('total-active').filter({ hasText: /^1$/ }).waitFor();
  check(boss.url().endsWith('#monitor'), `no reload, still on the monitor: ${boss.url()}`);
  await shot(boss, '31-monitor-active');
});
