// The widget by keyboard alone (focus moves into the window on open and back to the launcher
// on close), an automated accessibility check (axe-core) with no serious or critical
// violation, and the proactive rules (R61, A16): open on hover over an element, highlight
// after some seconds, each at most once per page view.

import { createRequire } from "node:module";
import { agent, check, run, until, websitePage, openPage, widget } from "./lib.mjs";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe-core on the widget's shadow tree: the serious and critical violations, described. */
async function axeProblems(page) {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run({ include: [["#parley-widget-demo"]] }, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** The element that has the focus, through the widget's shadow root: its text or label. */
const focused = (page) =>
  page.evaluate(() => {
    let element = document.activeElement;
    while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
    return element ? `${element.tagName.toLowerCase()}:${element.getAttribute("aria-label") ?? element.textContent?.trim() ?? ""}:${element.id}` : "";
  });

await run("a11y", async (browser) => {
  const site = await websitePage();
  const desk = await agent();
  await desk.presence("available");

  const page = await openPage(browser, { locale: "en-US" });
  await page.goto(site.url("/home"));
  const launcher = widget.launcher(page);
  await launcher.waitFor();
  // A stored chat the engine does not know (its database was reset) is let go, not retried
  // for ever.
  await page.evaluate(() => localStorage.setItem("parley:demo::chat", JSON.stringify({ chat_id: 999, token: "0".repeat(64), name: "X" })));
  await page.reload();
  await until(() => widget.appLoaded(page), "the app to load to restore the stored chat");
  await until(async () => (await page.evaluate(() => localStorage.getItem("parley:demo::chat"))) === null, "the unknown chat to be forgotten");
  check((await axeProblems(page)).length === 0, `the closed widget passes axe: ${JSON.stringify(await axeProblems(page))}`);

  // Keyboard only: Tab reaches the launcher, Enter opens and focuses the first field.
  await page.keyboard.press("Tab");
  check((await focused(page)).startsWith("button:Chat"), `Tab reaches the launcher (${await focused(page)})`);
  await page.keyboard.press("Enter");
  const panel = widget.panel(page);
  await panel.getByLabel("Your name").waitFor();
  await page.waitForFunction(() => document.activeElement?.shadowRoot?.activeElement?.tagName === "INPUT").catch(async () => { throw new Error(`the focus did not go to the first field on open but to ${await focused(page)}`); });
  const problems = await axeProblems(page);
  check(problems.length === 0, `the start form passes axe: ${JSON.stringify(problems)}`);
  // Submitting empty puts the focus on the field in error.
  await page.keyboard.press("Enter");
  await panel.getByText("Please fill this in.").waitFor();
  check((await focused(page)).startsWith("input"), "the focus goes to the field in error");
  await page.keyboard.type("Kim");
  await page.keyboard.press("Enter");
  const chatId = await desk.accept();
  await panel.getByText(/joined the chat\./).waitFor();
  await page.waitForFunction(() => document.activeElement?.shadowRoot?.activeElement?.tagName === "TEXTAREA").catch(() => { throw new Error("the focus did not go to the compose box"); });
  await page.keyboard.type("Typed without a mouse");
  await page.keyboard.press("Enter");
  check((await desk.fromVisitor()).text === "Typed without a mouse", "a message sent by keyboard arrives");
  desk.send({ type: "send_message", chat_id: chatId, text: "Glad to help.", client_key: "k-1" });
  await panel.getByText("Glad to help.").waitFor();
  // New messages are in a live region, so screen readers announce them.
  check((await panel.locator("[role=log][aria-live=polite]").count()) === 1, "the conversation is a polite live region");
  const inChat = await axeProblems(page);
  check(inChat.length === 0, `the conversation passes axe: ${JSON.stringify(inChat)}`);
  // Escape closes and gives the focus back to the launcher.
  await page.keyboard.press("Escape");
  check(!(await panel.isVisible()), "Escape closes the window");
  check((await focused(page)).startsWith("button:Chat"), `the focus is back on the launcher (${await focused(page)})`);

  // Attention: a message while minimised shows a badge and a title notice.
  desk.send({ type: "send_message", chat_id: chatId, text: "Anything else?", client_key: "k-2" });
  await launcher.getByText("1").waitFor();
  await page.waitForFunction(() => document.title.startsWith("(1) New message")).catch(async () => { throw new Error(`no title notice: ${await page.title()}`); });
  await page.keyboard.press("Enter");
  await panel.getByText("Anything else?").waitFor();
  await page.waitForFunction(() => document.title === "home").catch(async () => { throw new Error(`the title notice stays: ${await page.title()}`); });
  desk.send({ type: "end_chat", chat_id: chatId });
  await panel.getByText("The chat has ended.").waitFor();

  // R61, A16: hovering over the marked element opens the widget on a matching page, once.
  const hover = await openPage(browser, { locale: "en-US" });
  await hover.goto(site.url("/pricing"));
  await widget.launcher(hover).waitFor();
  await hover.evaluate(() => {
    window.opens = 0;
    window.Parley.on("opened", () => window.opens++);
  });
  await hover.hover("#hover-me");
  await widget.panel(hover).getByLabel("Your name").waitFor();
  await hover.evaluate(() => window.Parley.close());
  await hover.mouse.move(0, 0);
  await hover.hover("#hover-me");
  check((await hover.evaluate(() => window.opens)) === 1, "a proactive rule fires once per page view");
  // And a timed rule highlights the launcher.
  const promo = await openPage(browser, { locale: "en-US" });
  await promo.goto(site.url("/promo"));
  await promo.locator("#parley-widget-demo .launcher.highlight").waitFor();
  check(!(await widget.panel(promo).isVisible()), "a highlight does not open the window");

  // A page with a strict Content-Security-Policy (nonces) still gets the whole widget.
  const strict = await openPage(browser, { locale: "en-US" });
  const violations = [];
  strict.on("console", (m) => m.text().includes("Content Security Policy") && violations.push(m.text()));
  await strict.goto(site.url("/strict?csp=1"));
  await widget.launcher(strict).click();
  await widget.panel(strict).getByLabel("Your name").waitFor();
  const launcherColour = await widget.launcher(strict).evaluate((b) => getComputedStyle(b).backgroundColor);
  check(launcherColour === "rgb(31, 95, 204)", `the widget's styles apply under the policy (${launcherColour})`);
  check(violations.length === 0, `no policy violations: ${violations.join(" | ")}`);
  desk.close();
  site.close();
});
