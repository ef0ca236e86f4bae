// The supervisor console's Reports page (issue 9; R87, R91): after a chat today, the default
// period counts it; a custom period over stored history draws every chart with the right
// numbers in its data table, a queue filter narrows it, and the CSV downloads.
import { readFile } from 'node:fs/promises';
import { run, shot, check, signIn, setPresence, visitor, SUPERVISOR_PASSWORD } from './lib.mjs';

/** The cells of a data table's rows, as text. */
async function rows(page, testid) {
  return page.getByTestId(testid).locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

await run('console-reports', async ({ page: newPage, step }) => {
  const agent = await newPage();
  const boss = await newPage();

  step('a chat today: a visitor asks, the agent accepts, the visitor ends it');
  await signIn(agent, 'agent');
  await setPresence(agent, 'available');
  const tina = await visitor('Tina');
  await agent.getByTestId('offer-accept').click();
  await tina.frame((f) => f.type === 'event' && f.kind === 'agent_joined', 'the agent joining');
  tina.send({ type: 'end_chat' });
  await tina.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end');

  step('the supervisor opens the reports: the last 7 days count that chat as answered');
  await signIn(boss, 'supervisor', SUPERVISOR_PASSWORD);
  await boss.getByTestId('section-reports').click();
  await boss.getByTestId('report').waitFor();
  const today = await rows(boss, 'chart-outcomes-table');
  check(JSON.stringify(today[0]) === JSON.stringify(['Answered', '1', '100']), `one answered chat today: ${JSON.stringify(today)}`);
  await boss.getByTestId('wait-answered').filter({ hasText: /^1$/ }).waitFor();
  check((await boss.getByTestId('chart-agents-table').textContent()).includes('Demo Agent'), 'the agent who took it is listed');

  step('a custom period in Prague over the stored history: every chart has its numbers');
  await boss.getByTestId('preset-custom').click();
  await boss.getByTestId('report-from').fill('2026-03-01');
  await boss.getByTestId('report-to').fill('2026-03-02');
  await boss.getByTestId('report-tz').fill('Europe/Prague');
  await boss.getByTestId('report-run').click();
  await boss.getByTestId('report-period').filter({ hasText: '2026-03-01' }).waitFor();
  const hours = (await rows(boss, 'chart-hours-table')).filter(([, n]) => n !== '0');
  check(JSON.stringify(hours) === JSON.stringify([['00:00', '1'], ['09:00', '2'], ['10:00', '1'], ['13:00', '1'], ['23:00', '1']]),
    `chats per local hour: ${JSON.stringify(hours)}`);
  const days = await rows(boss, 'chart-days-table');
  check(JSON.stringify(days) === JSON.stringify([['2026-03-01', '4'], ['2026-03-02', '2']]), `chats per day: ${JSON.stringify(days)}`);
  const bars = await boss.getByTestId('chart-hours').locator('rect.bar').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-value')));
  check(bars.length === 24 && bars[9] === '2', `24 bars, 09:00 drawn with 2: ${bars}`);
  for (const [name, ms] of [['p50', '20000'], ['p90', '40000'], ['p99', '40000'], ['average', '25000']]) {
    check(await boss.getByTestId(`wait-${name}`).getAttribute('data-ms') === ms, `wait ${name} is ${ms} ms`);
  }
  await boss.getByTestId('wait-p50').filter({ hasText: '20 s' }).waitFor();
  const outcomes = Object.fromEntries((await rows(boss, 'chart-outcomes-table')).map(([k, n]) => [k, n]));
  check(outcomes.Answered === '3' && outcomes['Closed by timeout'] === '1' && outcomes.Unmanaged === '1' && outcomes.Offline === '1'
    && outcomes['Abandoned while waiting'] === '1' && outcomes.Total === '7', `outcome shares: ${JSON.stringify(outcomes)}`);
  const agents = await rows(boss, 'chart-agents-table');
  check(JSON.stringify(agents.map((a) => [a[0], a[1], a[3], a[4]])) === JSON.stringify([['ann', '2', '6 min 40 s', '3 min 20 s'], ['bo', '2', '5 min 0 s', '2 min 30 s']]),
    `per-agent work: ${JSON.stringify(agents)}`);
  await boss.getByTestId('chart-hours').locator('details').evaluate((d) => { d.open = true; });
  await shot(boss, '32-reports');

  step('a queue filter narrows the report to that queue');
  await boss.getByTestId('report-queue').selectOption({ label: 'Sales' });
  await boss.getByTestId('report-run').click();
  await boss.getByTestId('outcome-total').filter({ hasText: /^1$/ }).waitFor({ state: 'attached' });

  step('Export CSV downloads the numbers behind the charts');
  await boss.getByTestId('report-queue').selectOption('');
  const [download] = await Promise.all([boss.waitForEvent('download'), boss.getByTestId('report-csv').click()]);
  check(download.suggestedFilename() === 'parley-report-2026-03-01-2026-03-02.csv', `file name: ${download.suggestedFilename()}`);
  const csv = await readFile(await download.path(), 'utf8');
  for (const line of ['Chats per hour,hour,chats', ',09:00,2', 'Chats per day,date,chats', ',2026-03-01,4', ',p50,20000', ',answered,3,42.9', ',ann,']) {
    check(csv.includes(line), `the CSV has ${line}:\n${csv}`);
  }
});
