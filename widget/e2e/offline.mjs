// Offline and unmanaged in the widget: a live switch from online to offline when the last
// agent goes away (R5, R30, R31), the offline form with its checks and its mail (R77, R64),
// a chat nobody takes with the website's notice and leave-a-message (R76, R78), the languages
// from the website's setting, the browser and the snippet (R12), and a page on a domain the
// website does not allow (R2). tests/widget_browser.rs sets the website up and checks the mail.

import { agent, check, ENGINE, required, run, websitePage, openPage, widget } from "./lib.mjs";

async function offlineOptions(language) {
  const response = await fetch(`${ENGINE}/api/v1/websites/demo/offline-options`, {
    method: "PUT",
    headers: { authorization: `Bearer ${required("PARLEY_ADMIN_TOKEN")}`, "content-type": "application/json" },
    body: JSON.stringify({ language, forward_to: "desk@example.com", open_interaction: null }),
  });
  check(response.ok, `the website's language is set (${response.status})`);
}

await run("offline", async (browser) => {
  const site = await websitePage();
  await offlineOptions(null);
  const desk = await agent();
  await desk.presence("available");

  const page = await openPage(browser, { locale: "en-US" });
  await page.goto(site.url("/contact"));
  const launcher = widget.launcher(page);
  const panel = widget.panel(page);
  await launcher.click();
  await panel.getByRole("button", { name: "Start chat" }).waitFor();

  // R5, R31: the last agent goes away and the open widget turns to the offline form at once.
  await desk.presence("away");
  await panel.getByRole("heading", { name: "Leave us a message" }).waitFor();
  check((await launcher.textContent()).includes("Leave a message"), "the launcher says the widget is offline");

  // R77: the default offline form, checked before sending, then sent.
  await panel.getByRole("button", { name: "Send message" }).click();
  check((await panel.getByText("Please fill this in.").count()) === 3, "name, e-mail and message are required");
  await panel.getByLabel("Name").fill("Olga");
  await panel.getByLabel("E-mail").fill("olga@");
  await panel.getByLabel("Message", { exact: true }).fill("Please call me back <soon>.");
  await panel.getByRole("button", { name: "Send message" }).click();
  await panel.getByText("This is not an e-mail address.").waitFor();
  await panel.getByLabel("E-mail").fill("olga@example.org");
  await panel.getByRole("button", { name: "Send message" }).click();
  await panel.getByText("Thank you, your message reached us. We will get back to you.").waitFor();

  // R76, R78: back online; a chat nobody takes ends with the notice and a form for a message.
  await desk.presence("available");
  const second = await openPage(browser, { locale: "en-US" });
  await second.goto(site.url("/contact"));
  await widget.launcher(second).click();
  const secondPanel = widget.panel(second);
  await secondPanel.getByLabel("Your name").fill("Bob");
  await secondPanel.getByRole("button", { name: "Start chat" }).click();
  await desk.next((f) => f.type === "offer", "the offer it lets expire");
  await secondPanel.getByText(/none of our agents could take your chat/).waitFor();
  await secondPanel.getByLabel("Message", { exact: true }).fill("Call me after 5, please.");
  await secondPanel.getByRole("button", { name: "Send message" }).click();
  await secondPanel.getByText("Thank you, your message reached us. We will get back to you.").waitFor();
  const left = await desk.next((f) => f.type === "left_message", "the left message");
  check(left.text === "Call me after 5, please." && left.name === "Bob", "the agent gets the message");

  // R12: the website's language wins over the browser's...
  await offlineOptions("de");
  const german = await openPage(browser, { locale: "en-US" });
  await german.goto(site.url("/contact"));
  await widget.launcher(german).getByText("Nachricht hinterlassen").waitFor();
  await widget.launcher(german).click();
  await widget.panel(german).getByRole("heading", { name: "Hinterlassen Sie uns eine Nachricht" }).waitFor();
  await widget.panel(german).getByLabel("Nachricht", { exact: true }).waitFor();
  await widget.panel(german).getByRole("button", { name: "Nachricht senden" }).click();
  await widget.panel(german).getByText("Bitte füllen Sie dieses Feld aus.").first().waitFor();
  // ...and without one, the browser's language decides; the snippet may name one too.
  await offlineOptions(null);
  for (const [locale, query, text] of [
    ["nl-NL", "", "Laat een bericht achter"],
    ["cs-CZ", "", "Zanechat zprávu"],
    ["en-US", "?language=sv", "Lämna ett meddelande"],
  ]) {
    const other = await openPage(browser, { locale });
    await other.goto(site.url(`/contact${query}`));
    await widget.launcher(other).getByText(text).waitFor();
    await other.context().close();
  }

  // R2: a page on a domain the website does not allow gets no widget.
  const stranger = await openPage(browser);
  // The loader tries a few times (a refused CORS request looks like a network failure).
  const warned = stranger.waitForEvent("console", { predicate: (m) => m.text().includes("is not shown here"), timeout: 20000 });
  await stranger.goto(site.url("/contact", "not-allowed.test"));
  await warned;
  check((await widget.launcher(stranger).count()) === 0, "no launcher on a foreign origin");
  const refused = await fetch(`${ENGINE}/api/v1/websites/demo/config`, { headers: { origin: site.url("", "not-allowed.test").replace(/\/$/, "") } });
  check(refused.status === 403 && (await refused.json()).error === "origin_not_allowed", "the engine refuses that origin");
  desk.close();
  site.close();
});
