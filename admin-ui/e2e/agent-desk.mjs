// The agent desk end to end (issue 8): sign in, go Available, reject and accept offers, chat in
// two tabs, predefined messages, a private message the visitor never sees, a visitor note,
// a transfer with a note to a second agent, /dc, wrap-up, the waiting list and preview, and a
// language switch. Rules: R16, R21, R24, R32-R36, R38, R39, R41, R45-R51, R90.
import { run, shot, check, signIn, setPresence, asUser, visitor, AGENT_PASSWORD, SUPERVISOR_PASSWORD } from './lib.mjs';

await run('agent desk', async ({ page: newPage, step }) => {
  const supervisor = await asUser('supervisor', SUPERVISOR_PASSWORD);
  await supervisor('POST', '/predefined-messages', {
    title: 'Greeting', body: 'Hello <visitor_name>, I am <agent_name>. How can I help?', queue_id: null, agent_id: null,
  });
  await supervisor('POST', '/predefined-messages', { title: 'Closing', body: 'Thanks for chatting!', queue_id: null, agent_id: null });

  step('login with a wrong password');
  const eva = await newPage();
  await eva.goto(`${process.env.PARLEY_URL}/admin/`);
  await eva.getByTestId('username').fill('agent');
  await eva.getByTestId('password').fill('wrong');
  await eva.getByTestId('login-submit').click();
  await eva.getByTestId('login-error').waitFor();
  await shot(eva, '01-login');

  step('login and go Available (R24)');
  await signIn(eva, 'agent');
  check(await eva.locator('.presence-away').count() === 1, 'an agent starts Away after signing in (A11)');
  await setPresence(eva, 'available');

  step('an offer with a countdown; reject it (R21, R32)');
  const rita = await visitor('Rita');
  rita.say('Do you ship to Norway?');
  const card = eva.getByTestId('offer-card');
  await card.waitFor();
  await eva.getByTestId('offer-visitor').filter({ hasText: 'Rita' }).waitFor();
  await eva.getByTestId('offer-countdown').filter({ hasText: /\d+ s left/ }).waitFor();
  await eva.getByTestId('offer-messages').filter({ hasText: 'Do you ship to Norway?' }).waitFor();
  check(/^\(New chat!\)/.test(await eva.title()), `the tab title shows the offer: ${await eva.title()}`);
  await shot(eva, '02-offer');
  await eva.getByTestId('offer-reject').click();
  await card.waitFor({ state: 'detached' });
  await rita.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end after the only agent rejected');

  step('accept an offer (R16)');
  const ann = await visitor('Ann');
  ann.say('Hello, I need help with my order');
  await eva.getByTestId('offer-accept').click();
  await card.waitFor({ state: 'detached' });
  const chat = eva.getByTestId('chat');
  await chat.getByText('Hello, I need help with my order').waitFor();
  await eva.getByTestId('visitor-panel').getByText('Pricing').first().waitFor();

  step('send with Enter; Shift+Enter is a new line (R38)');
  const composer = eva.getByTestId('composer');
  await composer.fill('Hi Ann, <b>welcome</b> & hello');
  await composer.press('Enter');
  await ann.frame((f) => f.type === 'event' && f.text === 'Hi Ann, <b>welcome</b> & hello', 'the agent\'s first message');
  await chat.getByText('Hi Ann, <b>welcome</b> & hello').waitFor();
  await composer.pressSequentially('line one');
  await composer.press('Shift+Enter');
  await composer.pressSequentially('line two');
  check(await composer.inputValue() === 'line one\nline two', 'Shift+Enter adds a line break');
  await composer.press('Enter');
  await ann.frame((f) => f.type === 'event' && f.text === 'line one\nline two', 'the two-line message');
  check(await composer.inputValue() === '', 'the composer is empty after sending');

  step('the 1000-character counter and limit (R38)');
  await composer.fill('é'.repeat(1000));
  await eva.getByTestId('counter').filter({ hasText: '1000 / 1000' }).waitFor();
  check(await eva.getByTestId('send').isEnabled(), '1000 characters may be sent');
  await composer.fill('😀'.repeat(1001));
  await eva.getByTestId('counter').filter({ hasText: '1001 / 1000' }).waitFor();
  check(await eva.locator('.counter.over').count() === 1, 'the counter warns over the limit');
  check(await eva.getByTestId('send').isDisabled(), 'over 1000 characters cannot be sent');
  await composer.press('Enter');
  check(await composer.inputValue() === '😀'.repeat(1001), 'Enter does not send an over-long message');
  await composer.fill('');

  step('a predefined message, searched by title and inserted for editing (R41)');
  await eva.getByTestId('predefined-open').click();
  await eva.getByTestId('predefined-search').fill('gree');
  await eva.getByTestId('predefined-item').filter({ hasText: 'Closing' }).waitFor({ state: 'detached' });
  await eva.getByTestId('predefined-item').filter({ hasText: 'Greeting' }).click();
  await eva.waitForFunction(() => document.querySelector('[data-testid=composer]')?.value
    === 'Hello Ann, I am Demo Agent. How can I help?');
  check(!ann.frames.some((f) => f.text?.startsWith('Hello Ann, I am')), 'picking a predefined message sends nothing');

  step('a second chat in a second tab; unread count; the draft is kept (R33)');
  const bo = await visitor('Bo');
  bo.say('Is the shop open on Sunday?');
  await eva.getByTestId('offer-accept').click();
  await eva.locator(`[data-chat="${bo.chatId}"]`).getByText('Is the shop open on Sunday?').waitFor();
  await composer.fill('Draft for Bo');
  ann.say('Are you still there?');
  await eva.getByTestId(`tab-${ann.chatId}`).getByTestId('unread').filter({ hasText: '1' }).waitFor();
  check(/^\(1\)/.test(await eva.title()), `the tab title counts unread messages: ${await eva.title()}`);
  await shot(eva, '03-two-tabs');
  await eva.getByTestId(`tab-${ann.chatId}`).locator('.tab-main').click();
  await eva.getByTestId(`tab-${ann.chatId}`).getByTestId('unread').waitFor({ state: 'detached' });
  check(await composer.inputValue() === 'Hello Ann, I am Demo Agent. How can I help?', 'Ann\'s draft is kept');
  await eva.keyboard.press('Alt+2');
  await eva.locator(`[data-chat="${bo.chatId}"]`).waitFor();
  check(await composer.inputValue() === 'Draft for Bo', 'Bo\'s draft is kept');
  await eva.keyboard.press('Alt+1');
  await eva.locator(`[data-chat="${ann.chatId}"]`).waitFor();
  await composer.press('Enter');
  await ann.frame((f) => f.type === 'event' && f.text === 'Hello Ann, I am Demo Agent. How can I help?', 'the edited predefined message');

  step('a private message, marked with the eye, that the visitor never sees (R39)');
  await eva.getByTestId('private-toggle').click();
  await composer.fill('She asked for a discount before');
  await composer.press('Enter');
  const note = eva.getByTestId('private-message').filter({ hasText: 'She asked for a discount before' });
  await note.waitFor();
  check(await note.locator('.eye').count() === 1, 'the private message carries the eye');
  await eva.getByTestId('private-toggle').click();
  await composer.fill('Back in public');
  await composer.press('Enter');
  await ann.frame((f) => f.type === 'event' && f.text === 'Back in public', 'the public message after the private one');
  check(!ann.frames.some((f) => JSON.stringify(f).includes('discount')), 'the visitor never got the private message');
  await shot(eva, '04-private-message');

  step('a note in the visitor panel (R90)');
  await eva.getByTestId('note-input').fill('Prefers e-mail, order A-1042');
  await eva.getByTestId('note-add').click();
  await eva.getByTestId('notes').getByText('Prefers e-mail, order A-1042').waitFor();

  step('transfer to another agent with a note; the second agent receives it (R45, R46)');
  const bob = await newPage();
  await signIn(bob, 'bob');
  await setPresence(bob, 'available');
  await eva.getByTestId(`tab-${bo.chatId}`).locator('.tab-main').click();
  await eva.getByTestId('transfer-open').click();
  const dialog = eva.getByTestId('transfer-dialog');
  await dialog.getByText('bob').waitFor();
  await dialog.getByTestId('targets-refresh').click();
  await dialog.getByText('bob').click();
  await eva.getByTestId('transfer-note').fill('VIP: wants Sunday hours <confirmed>');
  await shot(eva, '05-transfer-dialog');
  await eva.getByTestId('transfer-submit').click();
  await bob.getByTestId('offer-card').getByText('Transfer from Demo Agent').waitFor();
  await bob.getByTestId('offer-note').getByText('VIP: wants Sunday hours <confirmed>').waitFor();
  await shot(bob, '06-transfer-offer');
  await bob.getByTestId('offer-accept').click();
  await bob.getByTestId('chat').getByText('Is the shop open on Sunday?').waitFor();
  await bob.getByTestId('private-message').filter({ hasText: 'VIP: wants Sunday hours <confirmed>' }).waitFor();
  await eva.getByTestId('chat-left').waitFor();

  step('the wrap-up the transfer owes (R51), with a searchable reason (R50)');
  const wrap = eva.getByTestId('wrap-up');
  await wrap.waitFor();
  await eva.getByTestId('wrap-search').fill('follow');
  await wrap.getByText('Resolved').waitFor({ state: 'detached' });
  await wrap.getByText('Follow-up needed').click();
  await eva.getByTestId('wrap-note').fill('Handed to bob');
  await shot(eva, '07-wrap-up');
  await eva.getByTestId('wrap-submit').click();
  await wrap.waitFor({ state: 'detached' });
  await eva.getByTestId('end-chat').click(); // closes the tab of the chat handed on
  await eva.getByTestId(`tab-${bo.chatId}`).waitFor({ state: 'detached' });

  step('the waiting list and the preview (R34, R35)');
  await setPresence(eva, 'away');
  const cy = await visitor('Cy');
  cy.say('Question about invoices');
  const entry = eva.getByTestId('waiting-entry').filter({ hasText: 'Cy' });
  await entry.waitFor();
  await entry.getByText('demo').waitFor();
  await entry.click();
  const preview = eva.getByTestId('preview');
  await preview.getByTestId('preview-messages').getByText('Question about invoices').waitFor();
  await preview.getByText('Pricing').first().waitFor();
  await shot(eva, '08-preview');
  await preview.getByTestId('preview-accept').waitFor();
  await preview.locator('button[aria-label]').first().click();
  await preview.waitFor({ state: 'detached' });

  step('/dc asks for confirmation, then ends the chat (R47)');
  await eva.getByTestId(`tab-${ann.chatId}`).locator('.tab-main').click();
  await composer.fill('/dc');
  await composer.press('Enter');
  await eva.getByTestId('confirm-disconnect').waitFor();
  check(!ann.frames.some((f) => f.text === '/dc'), 'the command never reaches the visitor');
  await shot(eva, '09-disconnect');
  await eva.getByTestId('confirm-disconnect-yes').click();
  await ann.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end after /dc');
  await eva.getByTestId('chat-ended').waitFor();
  await eva.getByTestId('wrap-up').waitFor();
  await eva.getByTestId('wrap-submit').click();
  await eva.getByTestId('wrap-up').waitFor({ state: 'detached' });

  step('Alt+A accepts the waiting chat once Available');
  await setPresence(eva, 'available');
  await eva.getByTestId('offer-card').getByText('Cy').waitFor();
  await eva.keyboard.press('Alt+A');
  await eva.locator(`[data-chat="${cy.chatId}"]`).getByText('Question about invoices').waitFor();

  step('ending a chat with the visitor still there asks first (R48, R49)');
  await eva.getByTestId('end-chat').click();
  await eva.getByTestId('confirm-end').waitFor();
  await eva.getByTestId('confirm-end-yes').click();
  await cy.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end by the X');
  await eva.getByTestId('wrap-submit').click();

  step('a language switch');
  await eva.getByTestId('language').selectOption('de');
  await eva.getByTestId('end-chat').getByText('Schließen').waitFor();
  await eva.locator('[data-testid=presence] option[value=available]').filter({ hasText: 'Verfügbar' }).waitFor({ state: 'attached' });
  await eva.getByTestId('composer').waitFor({ state: 'detached' });
  await shot(eva, '10-german');

  step('sign out');
  await eva.getByTestId('logout').click();
  await eva.getByTestId('login').waitFor();
});

