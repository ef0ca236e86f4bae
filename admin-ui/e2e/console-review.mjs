// The supervisor console's review desk (issue 9; R81, R71): a visitor leaves an offline
// message; the supervisor finds it on the desk, reads the form data, replies by mail (the Rust
// test checks the mail on its loopback SMTP server) and marks it handled. A chat nobody could
// take is on the same desk with its reason and transcript.
import { run, shot, check, signIn, asUser, visitor, BASE, PATIENCE_MS, SUPERVISOR_PASSWORD } from './lib.mjs';

const ORIGIN = 'http://localhost:3000';

/** The visitor's offline form over REST (4.25); while the queues settle after the start the
 *  website may still count as online, so a `website_online` answer is asked again. */
async function leaveOfflineMessage(fields) {
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const response = await fetch(`${BASE}/api/v1/websites/demo/offline-messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: ORIGIN },
      body: JSON.stringify({ fields, page_url: 'http://localhost:3000/pricing' }),
    });
    const body = await response.json();
    if (response.status === 201) return body;
    check(response.status === 409 && body.error === 'website_online' && Date.now() < until, `offline message: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

await run('console-review', async ({ page: newPage, step }) => {
  const supervisor = await asUser('supervisor', SUPERVISOR_PASSWORD);

  step('a visitor leaves an offline message');
  const left = await leaveOfflineMessage({ name: 'Olga <Tester>', email: 'olga@example.org', message: 'Please call me back about order 42.' });
  const id = left.offline_message_id;

  step('the supervisor finds it on the review desk (R81)');
  const page = await newPage();
  await signIn(page, 'supervisor', SUPERVISOR_PASSWORD);
  await page.getByTestId('section-review').click();
  const row = page.getByTestId(`review-offline-${id}`);
  await row.getByText('Olga <Tester>').waitFor();
  check(await row.getByText('Offline message').count() === 1, 'the row names its kind');
  await row.getByRole('button').click();
  const detail = page.getByTestId('review-detail');
  await detail.getByTestId('review-form').getByText('Please call me back about order 42.').waitFor();
  await detail.getByTestId('review-reason').getByText('No agent was available').waitFor();
  await detail.getByTestId('review-status').getByText('Open').waitFor();
  await shot(page, '30-review-offline-message');

  step('a reply without a subject is refused before sending');
  await page.getByTestId('reply-body').fill('Dear Olga,\nwe call you at five.');
  await page.getByTestId('reply-send').click();
  await page.getByTestId('reply-error').getByText('subject').waitFor();

  step('the reply goes out by mail and is recorded (R81)');
  await page.getByTestId('reply-subject').fill('Your order 42');
  await page.getByTestId('reply-send').click();
  await page.getByTestId('reply-sent').getByText('olga@example.org').waitFor();
  await page.getByTestId('review-replies').getByText('Your order 42').waitFor();
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const message = await supervisor('GET', `/review/offline-messages/${id}`);
    if (message.replies[0]?.sent_at_ms) break;
    check(Date.now() < until, `the reply is never sent: ${JSON.stringify(message.replies)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await shot(page, '31-review-reply');

  step('marked handled, it leaves the open list and shows among the handled (R81)');
  await page.getByTestId('review-close').click();
  await detail.getByTestId('review-status').getByText('Handled').waitFor();
  await row.waitFor({ state: 'detached' });
  const stored = await supervisor('GET', `/review/offline-messages/${id}`);
  check(stored.state === 'closed' && stored.closed_by !== null, `closed: ${JSON.stringify(stored)}`);
  await page.getByTestId('review-state').selectOption('closed');
  await page.getByTestId(`review-offline-${id}`).waitFor();
  await shot(page, '32-review-handled');

  step('a chat nobody could take is reviewed with its reason and transcript (R76, R81)');
  const walt = await visitor('Walt');
  await walt.frame((f) => f.type === 'event' && f.kind === 'chat_ended', 'the end of a chat nobody could take');
  await page.getByTestId('review-state').selectOption('open');
  await page.getByTestId('review-refresh').click();
  const chatRow = page.getByTestId(`review-chat-${walt.chatId}`);
  await chatRow.getByText('Unmanaged chat').waitFor();
  await chatRow.getByRole('button', { name: 'Walt' }).click();
  const chatDetail = page.getByTestId('review-detail');
  await chatDetail.getByTestId('review-reason').getByText('No agent could take it').waitFor();
  // Nobody is signed in, so the hunt ends at once: the log holds the request and the end.
  await chatDetail.getByTestId('log-transcript').getByTestId('event-chat_requested').getByText('Walt').waitFor();
  await chatDetail.getByTestId('log-transcript').getByTestId('event-chat_ended').waitFor();
  await chatDetail.getByTestId('review-no-address').waitFor();
  await shot(page, '37-review-unmanaged-chat');
  await page.getByTestId('review-close').click();
  await chatDetail.getByTestId('review-status').getByText('Handled').waitFor();
  await chatRow.waitFor({ state: 'detached' });
});
