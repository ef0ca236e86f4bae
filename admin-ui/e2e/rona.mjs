// RONA (R22, R23): an offer left unanswered turns into a banner that explains it, and one
// click makes the agent Available again. The engine runs with a short offer timeout.
import { run, shot, check, signIn, setPresence, visitor } from './lib.mjs';

await run('rona', async ({ page: newPage, step }) => {
  const eva = await newPage();
  step('sign in, Available');
  await signIn(eva, 'agent');
  await setPresence(eva, 'available');

  step('an offer nobody answers');
  const ann = await visitor('Ann');
  await eva.getByTestId('offer-card').waitFor();
  const banner = eva.getByTestId('rona-banner');
  await banner.waitFor();
  await banner.getByText('Ann').waitFor();
  check(await eva.getByTestId('offer-card').count() === 0, 'the expired offer is gone');
  check(await eva.locator('.presence-rona').count() === 1, 'the status shows RONA');
  await shot(eva, '11-rona');

  await ann.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end, with nobody left to ask');

  step('one click back to Available');
  await eva.getByTestId('rona-available').click();
  await banner.waitFor({ state: 'detached' });
  await eva.locator('.presence-available').waitFor();

  step('offers come again');
  await visitor('Bo');
  await eva.getByTestId('offer-card').getByText('Bo').waitFor();
  await setPresence(eva, 'away');
});
