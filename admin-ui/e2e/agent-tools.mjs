// The agent's other tools (issue 8): a reconnect that loses nothing, a file sent from the
// picker, the Offer builder and the visitor's pick, editing the visitor, an invitation code
// with its link. Rules: R9, R24, R37, R40, R42, R89; delivery 6.3, 6.5.
import { run, shot, check, signIn, setPresence, visitor } from './lib.mjs';

await run('agent tools', async ({ page: newPage, step }) => {
  const eva = await newPage();
  // A network cut, as the test sees it: every socket of the page closes and new ones fail
  // until the cut ends. (Chromium's offline mode leaves open WebSockets alone.)
  await eva.addInitScript(() => {
    const Native = window.WebSocket;
    window.__sockets = [];
    window.__cut = false;
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(window.__cut ? url.replace('/agent/ws', '/agent/ws-cut') : url, protocols);
        window.__sockets.push(this);
      }
    };
  });
  step('sign in, Available, accept a chat');
  await signIn(eva, 'agent');
  await setPresence(eva, 'available');
  const ann = await visitor('Ann');
  await eva.getByTestId('offer-accept').click();
  const chat = eva.getByTestId('chat');
  await chat.getByTestId('event-agent_joined').waitFor();
  const composer = eva.getByTestId('composer');

  step('the connection drops: the state is shown, and nothing is lost (R24, 6.3, 6.5)');
  await eva.evaluate(() => { window.__cut = true; for (const socket of window.__sockets) socket.close(); });
  await eva.locator('.connection-reconnecting').waitFor();
  ann.say('Did you get this while offline?');
  await ann.frame((f) => f.type === 'ack', 'the ack of its message');
  await composer.fill('Written while offline');
  await composer.press('Enter');
  await shot(eva, '12-reconnecting');
  await eva.evaluate(() => { window.__cut = false; });
  await eva.locator('.connection-online').waitFor();
  await chat.getByText('Did you get this while offline?').waitFor();
  await ann.frame((f) => f.type === 'event' && f.text === 'Written while offline', 'the message written offline');
  await chat.getByText('Written while offline').waitFor();
  check(ann.frames.filter((f) => f.type === 'event' && f.text === 'Written while offline').length === 1, 'sent exactly once');
  check(await chat.getByText('Did you get this while offline?').count() === 1, 'shown exactly once');

  step('a draft survives a reload of the page (R33)');
  await composer.fill('Half-written answer');
  await eva.reload();
  await eva.locator('.connection-online').waitFor();
  await chat.getByText('Written while offline').waitFor();
  check(await composer.inputValue() === 'Half-written answer', 'the draft is back after the reload');
  await eva.getByTestId('visitor-panel').getByTestId('pages').getByText('Pricing').waitFor();
  await composer.fill('');

  step('the file limits are shown before an upload, and a file over them is not sent (R40)');
  await eva.getByTestId('file-limits').filter({ hasText: 'Up to 5 files per message, 1 MB each' }).waitFor();
  await eva.getByTestId('file-input').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.alloc(1_100_000, 'a') });
  await eva.getByTestId('chat-notice').filter({ hasText: 'The file is too large.' }).waitFor();
  check(await eva.getByTestId('pending-files').count() === 0, 'nothing was uploaded');

  step('a file from the picker (R40)');
  await eva.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Order A-1042\n') });
  await eva.getByTestId('pending-files').getByText('notes.txt').waitFor();
  await eva.getByTestId('send').click();
  const withFile = await ann.frame((f) => f.type === 'event' && f.attachments?.length === 1, 'the message with the file');
  check(withFile.attachments[0].name === 'notes.txt', `the file's name: ${JSON.stringify(withFile.attachments)}`);
  await chat.getByRole('link', { name: 'notes.txt' }).waitFor();

  step('the Offer builder, and the visitor\'s pick (R9, R42)');
  await eva.getByTestId('builder-open').click();
  const builder = eva.getByTestId('offer-builder');
  await builder.getByLabel('Question (optional)').fill('Which plan suits you?');
  await builder.getByLabel('Option 1').fill('Basic');
  await builder.getByLabel('Option 2').fill('Pro');
  await builder.getByRole('button', { name: 'Send offer' }).click();
  const offered = await ann.frame((f) => f.type === 'event' && f.kind === 'choices_offered', 'the offer of choices');
  check(offered.options.map((o) => o.label).join() === 'Basic,Pro', `the options: ${JSON.stringify(offered.options)}`);
  ann.send({ type: 'pick_choice', offer_seq: offered.seq, option_id: offered.options[1].id, client_key: 'pick-1' });
  await chat.getByText('Picked: Pro').waitFor();

  step('edit the visitor (R89)');
  await eva.getByTestId('visitor-edit').click();
  const form = eva.getByTestId('visitor-edit-form');
  await form.getByLabel('E-mail').fill('ann@localhost');
  await form.getByRole('button', { name: 'Save' }).click();
  await eva.getByTestId('visitor-panel').locator('.form-error').waitFor();
  await form.getByLabel('E-mail').fill('ann@example.org');
  await form.getByRole('button', { name: 'Save' }).click();
  await eva.getByTestId('visitor-details').getByText('ann@example.org').waitFor();

  step('an invitation code with its link (R37)');
  await eva.getByTestId('codes-open').click();
  const codes = eva.getByTestId('codes');
  await codes.getByLabel('Website key').fill('demo');
  await eva.getByTestId('code-create').click();
  const created = eva.getByTestId('created-code');
  await created.locator('.code').filter({ hasText: /^\d{6}$/ }).waitFor();
  const code = await created.locator('.code').textContent();
  const link = await created.getByRole('textbox').inputValue();
  check(link.endsWith(`/?website=demo&invitation=${code}`), `the link names the code: ${link}`);
  await codes.locator('li').filter({ hasText: code }).waitFor();
  await shot(eva, '13-invitation-code');
  await codes.getByRole('button', { name: 'Close' }).click();

  step('invite a second agent into a conference, then end it (R43, R44)');
  const bob = await newPage();
  await signIn(bob, 'bob');
  await setPresence(bob, 'available');
  await eva.getByTestId('invite-open').click();
  const invite = eva.getByTestId('invite-dialog');
  await invite.getByText('bob').click();
  await eva.getByTestId('invite-submit').click();
  await eva.getByTestId('participants').getByText('Conference requested').waitFor();
  await bob.getByTestId('offer-card').getByText('Demo Agent invites you to a chat').waitFor();
  await bob.getByTestId('offer-accept').click();
  await bob.getByTestId('chat').getByText('Written while offline').waitFor();
  await eva.getByTestId('participants').getByText('Conference: Demo Agent, bob').waitFor();
  await eva.getByTestId('chat').getByTestId('event-agent_joined').filter({ hasText: 'bob joined the conference' }).waitFor();
  await ann.frame((f) => f.type === 'event' && f.kind === 'agent_joined' && f.conference, 'the second agent joining');
  await eva.getByTestId('participants').getByRole('button', { name: 'End conference' }).click();
  await bob.getByTestId('chat-left').filter({ hasText: 'You were removed from this chat.' }).waitFor();
  await eva.getByTestId('participants').waitFor({ state: 'detached' });

  step('the auto wrap-up countdown (R51)');
  await eva.getByTestId('end-chat').click();
  await eva.getByTestId('confirm-end-yes').click();
  await eva.getByTestId('wrap-countdown').filter({ hasText: /applied in \d+ s/ }).waitFor();
  await eva.getByTestId('wrap-submit').click();
  await eva.getByTestId('wrap-up').waitFor({ state: 'detached' });
});
