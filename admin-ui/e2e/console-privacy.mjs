// The console's Privacy page (R71, R92): an admin erases a visitor's data by a chat number, with
// a confirmation step; an open chat is refused with an explanation; asking again finds nothing
// left; supervisors do not see the page.
import { run, shot, check, signIn, visitor, ADMIN_PASSWORD, SUPERVISOR_PASSWORD } from './lib.mjs';

await run('console-privacy', async ({ page: newPage, step }) => {
  const boss = await newPage();
  step('a supervisor has no Privacy section');
  await signIn(boss, 'supervisor', SUPERVISOR_PASSWORD);
  await boss.getByTestId('section-monitor').waitFor();
  check(await boss.getByTestId('section-privacy').count() === 0, 'no Privacy section for a supervisor');

  const admin = await newPage();
  step('the admin opens the Privacy page; a word is not a chat number');
  await signIn(admin, 'admin', ADMIN_PASSWORD);
  await admin.getByTestId('section-privacy').click();
  await admin.getByTestId('privacy-page').waitFor();
  await admin.getByTestId('privacy-chat').fill('abc');
  await admin.getByTestId('privacy-erase').click();
  await admin.getByTestId('privacy-error').filter({ hasText: 'Enter a chat number' }).waitFor();

  step('a waiting chat is refused after the confirmation: it is still open');
  const vera = await visitor('Vera');
  await admin.getByTestId('privacy-chat').fill(`#${vera.chatId}`);
  await admin.getByTestId('privacy-erase').click();
  await admin.getByTestId('privacy-confirm').filter({ hasText: `#${vera.chatId}` }).waitFor();
  await shot(admin, '40-privacy-confirm');
  await admin.getByTestId('privacy-confirm-erase').click();
  await admin.getByTestId('privacy-error').filter({ hasText: 'still waiting or active' }).waitFor();

  step('cancel leaves everything as it was');
  await admin.getByTestId('privacy-erase').click();
  await admin.getByTestId('privacy-cancel').click();
  check(await admin.getByTestId('privacy-confirm').count() === 0, 'the confirmation is gone');

  step('once the visitor ended the chat, the admin erases the data');
  vera.send({ type: 'end_chat' });
  await vera.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'chat_ended');
  await admin.getByTestId('privacy-erase').click();
  await admin.getByTestId('privacy-confirm-erase').click();
  await admin.getByTestId('privacy-done').filter({ hasText: `Erased: 1 chat(s) (#${vera.chatId})` }).waitFor();
  await shot(admin, '41-privacy-erased');

  step('asking again finds nothing left to erase');
  await admin.getByTestId('privacy-chat').fill(String(vera.chatId));
  await admin.getByTestId('privacy-erase').click();
  await admin.getByTestId('privacy-confirm-erase').click();
  await admin.getByTestId('privacy-done').filter({ hasText: 'Nothing left to erase' }).waitFor();

  step('the audit log shows the erasure');
  await admin.getByTestId('section-audit').click();
  await admin.getByTestId('audit-visitor.erase').first().waitFor();
});
