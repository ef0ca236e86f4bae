// The supervisor console's forms builder (issue 9; R4, R14, R62, R63, R74): an admin builds the
// demo website's pre-chat form from a label, an input, a select and an agreement, orders it
// with the arrows, sees an engine error next to its element and the real widget in the live
// preview (which starts no chat), saves; then the widget on a page of the website shows exactly
// those fields, a required box blocks the start, and the values reach the agent's offer. On the
// way: the offline tab's mail options and unmanaged settings, and the profile tab's preview and
// proactive rules (R61, R64, R76).
import http from 'node:http';
import { run, shot, check, signIn, setPresence, asUser, BASE } from './lib.mjs';

await run('console-forms', async ({ page: newPage, step }) => {
  const page = await newPage();
  const admin = await asUser('boss', process.env.PARLEY_AGENT_PASSWORD);

  step('the admin opens the forms of the demo website');
  await signIn(page, 'boss');
  await page.getByTestId('section-websites').click();
  await page.getByTestId('website-demo').getByRole('button').click();
  await page.getByTestId('tab-forms').click();
  await page.getByTestId('prechat-enabled').check();

  step('an input, a select, an agreement and a label are added and edited (R62)');
  await page.getByTestId('prechat-add-input').click();
  await page.getByTestId('prechat-0-label').fill('Your name');
  await page.getByTestId('prechat-0-name').fill('name');
  await page.getByTestId('prechat-0-required').check();
  await page.getByTestId('prechat-0-target').selectOption('name');
  await page.getByTestId('prechat-add-select').click();
  await page.getByTestId('prechat-1-label').fill('Topic');
  await page.getByTestId('prechat-1-name').fill('topic');
  await page.getByTestId('prechat-1-option-0-value').fill('billing');
  await page.getByTestId('prechat-1-option-0-label').fill('Billing');
  await page.getByTestId('prechat-1-option-1-value').fill('tech');
  await page.getByTestId('prechat-1-option-1-label').fill('Technical <b>help</b>');
  await page.getByTestId('prechat-1-required').check();
  await page.getByTestId('prechat-add-agreement').click();
  await page.getByTestId('prechat-2-label').fill('I accept the terms');
  await page.getByTestId('prechat-2-name').fill('terms');
  await page.getByTestId('prechat-add-label').click();
  await page.getByTestId('prechat-3-text').fill('Tell us who you are.');

  step('the label moves to the top with the arrows (R62)');
  for (const at of [3, 2, 1]) await page.getByTestId(`prechat-up-${at}`).click();
  check((await page.getByTestId('prechat-0-text').inputValue()) === 'Tell us who you are.', 'the label is first');

  step('an engine error is shown next to the element it names');
  await page.getByTestId('prechat-add-input').click();
  await page.getByTestId('prechat-4-name').fill('topic');
  await page.getByTestId('forms-save').click();
  await page.getByTestId('prechat-error-4').getByText('another field').waitFor();
  await page.frameLocator('[data-testid=widget-preview]').getByText('Tell us who you are.').waitFor();
  await shot(page, '24-console-form-error');
  await page.getByTestId('prechat-remove-4').click();

  step('the live preview is the real widget with exactly these fields, and starts no chat (R14, R62)');
  // The preview draws each change afresh; it is filled in once it shows the last one.
  await page.locator('[data-testid=widget-preview][data-current=true]').scrollIntoViewIfNeeded();
  const preview = page.frameLocator('[data-testid=widget-preview]');
  await preview.getByText('Tell us who you are.').waitFor();
  await preview.getByLabel('Topic').waitFor();
  await preview.getByRole('option', { name: 'Technical <b>help</b>' }).waitFor({ state: 'attached' });
  await preview.getByRole('button', { name: 'Start chat' }).click();
  await preview.getByText('Please tick this box.').waitFor();
  await preview.getByLabel('Your name').fill('Preview');
  await preview.getByLabel('Topic').selectOption('billing');
  await preview.getByLabel('I accept the terms').check();
  await preview.getByRole('button', { name: 'Start chat' }).click();
  await preview.getByText('This is a preview').waitFor();
  await shot(page, '25-console-form-preview');
  // The default offline form (none of its own), as visitors see it while live chat is offline.
  await page.getByTestId('preview-offline').check();
  await page.locator('[data-testid=widget-preview][data-current=true]').waitFor();
  await preview.getByRole('heading', { name: 'Leave us a message' }).waitFor();
  await preview.getByRole('textbox', { name: 'Message' }).waitFor();
  await page.getByTestId('preview-online').check();

  step('the forms and the mapping are saved (R62, R63)');
  await page.getByTestId('forms-save').click();
  await page.getByTestId('forms-saved').waitFor();
  const forms = await admin('GET', '/websites/demo/forms');
  const types = forms.prechat_form.elements.map((e) => e.type).join(',');
  check(types === 'label,input,select,agreement', `the pre-chat form is stored in order: ${types}`);
  const mapping = await admin('GET', '/websites/demo/contact-mapping');
  check(mapping.name === 'name', `the name field goes to the contact's name: ${JSON.stringify(mapping)}`);

  step('the offline tab: forwarding needs SMTP, which this engine has not (R64)');
  await page.getByTestId('tab-offline').click();
  await page.getByTestId('offline-forward').fill('support@example.com');
  await page.getByTestId('offline-save').click();
  await page.getByTestId('offline-error').getByText('No SMTP server').waitFor();

  step('the unmanaged message and auto-close are saved (R76, R78)');
  await page.getByTestId('unmanaged-message').fill('Nobody is free: write to help@example.com.');
  await page.getByTestId('unmanaged-autoclose').fill('24');
  await page.getByTestId('unmanaged-save').click();
  await page.getByTestId('unmanaged-saved').waitFor();
  const unmanaged = await admin('GET', '/websites/demo/unmanaged');
  check(unmanaged.unmanaged_message === 'Nobody is free: write to help@example.com.' && unmanaged.unmanaged_autoclose_ms === 86400000,
    `the unmanaged settings are stored: ${JSON.stringify(unmanaged)}`);
  await shot(page, '30-console-offline-tab');

  step('the profile tab: the preview shows the new launcher label; a proactive rule is saved (R14, R61)');
  await page.getByTestId('tab-profile').click();
  await page.getByTestId('look-launcher').fill('Ask us');
  await page.locator('[data-testid=widget-preview][data-current=true]').scrollIntoViewIfNeeded();
  await page.frameLocator('[data-testid=widget-preview]').getByRole('button', { name: 'Ask us' }).waitFor();
  await page.getByTestId('add-rule').click();
  await page.getByTestId('rule-0-seconds').fill('');
  await page.getByTestId('rule-0-problem').waitFor();
  await page.getByTestId('rule-0-url').fill('/pricing');
  await page.getByTestId('rule-0-seconds').fill('20');
  await page.getByTestId('rule-0-problem').waitFor({ state: 'detached' });
  await page.getByTestId('site-save').click();
  await page.getByTestId('site-saved').waitFor();
  const snippet = await page.getByTestId('site-snippet').inputValue();
  const config = await (await fetch(`${BASE}/api/v1/websites/demo/config`)).json();
  const rule = config.appearance.proactive?.[0];
  check(config.appearance.launcher_label === 'Ask us' && rule?.url_contains === '/pricing' && rule?.after_seconds === 20,
    `the widget's config has the label and the rule: ${JSON.stringify(config.appearance)}`);
  await shot(page, '31-console-profile-preview');

  step('an agent is Available on the desk');
  const desk = await newPage();
  await signIn(desk, 'agent');
  await setPresence(desk, 'available');

  step('the snippet the console shows, pasted into a page of the website, shows exactly these fields (R1, R4, R74)');
  const site = await newPage();
  // A page of an allowed domain (localhost) on its own server, another origin than the engine's.
  const shop = http.createServer((request, response) => {
    if (request.url !== '/shop') return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Our shop</h1>${snippet}</body></html>`);
  });
  await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve));
  await site.goto(`http://localhost:${shop.address().port}/shop`);
  await site.locator('#parley-widget-demo .launcher').getByText('Ask us').click();
  const panel = site.locator('#parley-widget-demo .panel');
  await panel.getByText('Tell us who you are.').waitFor();
  await panel.getByLabel('Your name').waitFor();
  const controls = await panel.locator('.fields input, .fields select, .fields textarea').count();
  check(controls === 3, `three fields, no more: ${controls}`);

  step('the required box blocks the start');
  await panel.getByLabel('Your name').fill('Vera');
  await panel.getByLabel('Topic').selectOption('billing');
  await panel.getByRole('button', { name: 'Start chat' }).click();
  await panel.getByText('Please tick this box.').waitFor();
  check((await desk.getByTestId('offer-card').count()) === 0, 'no chat was requested');
  await shot(site, '26-widget-form-blocked');

  step('the values reach the agent with the offer (R4, R63)');
  await panel.getByLabel('I accept the terms').check();
  await panel.getByRole('button', { name: 'Start chat' }).click();
  const offer = desk.getByTestId('offer-card');
  await offer.getByTestId('offer-visitor').getByText('Vera').waitFor();
  await offer.getByTestId('visitor-details').getByText('billing').waitFor();
  await shot(desk, '27-agent-offer-with-form-values');
});
