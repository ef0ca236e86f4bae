// A whole chat in the widget, on a page of another origin, with an agent on a raw socket:
// the snippet loads lazily (R1), the pre-chat form checks like the engine (R4, R62), queue
// position, messages both ways with typing and system messages, an offer as buttons (R9),
// files both ways (R10, R40), reload and another page restore the chat (R6), a network drop
// reconnects and replays, ending (R7) and the transcript by mail (R86), and the JS API's
// events (R13). tests/widget_browser.rs sets the website up and checks the mail.

import { createHmac } from "node:crypto";
import { agent, check, ENGINE, required, run, until, websitePage, openPage, widget } from "./lib.mjs";

/** A tiny but real PNG (the engine checks a file's first bytes against its type). */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

/** Fills the pre-chat form of tests/widget_browser.rs correctly. */
async function fillPrechat(panel, name) {
  await panel.getByLabel("Your name").fill(name);
  await panel.getByLabel("Order number").fill("A-1042");
  await panel.getByLabel("Topic").selectOption("billing");
  await panel.getByLabel("I accept the privacy policy").check();
}

await run("chat", async (browser) => {
  const site = await websitePage();
  // Nobody is Available yet: the widget is busy (R31).
  const desk = await agent();

  // R1: a page on another origin gets the launcher; the app is not fetched before opening.
  const page = await openPage(browser, { locale: "en-US" });
  await page.addInitScript(() => {
    // Every WebSocket the page opens, so the test can cut them (a network drop).
    const Native = window.WebSocket;
    window.__sockets = [];
    addEventListener("parley:session_ended", () => (window.endedOnWindow = true));
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        window.__sockets.push(this);
      }
    };
  });
  await page.goto(site.url("/pricing"));
  check(new URL(page.url()).origin !== new URL(ENGINE).origin, "the page is on another origin than the engine");
  const launcher = widget.launcher(page);
  await launcher.waitFor();
  check((await launcher.textContent()).includes("Chat"), "the launcher shows the website's label");
  check(!widget.appLoaded(page), "the chat app is not loaded before the visitor opens the widget");
  // The page's CSS (red, 40px buttons) does not reach the widget.
  const colour = await launcher.evaluate((b) => getComputedStyle(b).color);
  check(colour === "rgb(255, 255, 255)", `the launcher keeps its own colour, not the page's (${colour})`);
  // R14: the website's colours.
  const background = await launcher.evaluate((b) => getComputedStyle(b).backgroundColor);
  check(background === "rgb(31, 95, 204)", `the launcher has the website's primary colour (${background})`);

  // R13: the page listens through the JS API (again on each page it loads).
  const listen = () =>
    page.evaluate(() => {
      window.widgetEvents = [];
      for (const name of ["opened", "closed", "session_created", "session_started", "session_ended"])
        window.Parley.on(name, () => window.widgetEvents.push(name));
    });
  const events = () => page.evaluate(() => window.widgetEvents.join(","));
  await listen();

  await launcher.click();
  await until(() => widget.appLoaded(page), "the app to load on open");
  const panel = widget.panel(page);
  await panel.getByRole("heading", { name: "Chat with us" }).waitFor();

  // R31: busy, the visitor may leave a message instead, and come back; when an agent becomes
  // Available the notice goes, live.
  await panel.getByText("All our agents are busy right now.", { exact: false }).waitFor();
  await panel.getByRole("button", { name: "Leave a message instead" }).click();
  await panel.getByRole("heading", { name: "Leave us a message" }).waitFor();
  await panel.getByRole("button", { name: "Back to live chat" }).click();
  await panel.getByLabel("Your name").fill("Ann <b>");
  await desk.presence("available");
  await until(async () => !(await panel.getByText("All our agents are busy right now.", { exact: false }).isVisible()), "the busy notice to go");
  check((await panel.getByLabel("Your name").inputValue()) === "Ann <b>", "what was typed stays when the mode changes");

  // R4, R62: the pre-chat form from the website's definition, checked before sending.
  await panel.getByRole("button", { name: "Start chat" }).click();
  await panel.getByText("Please fill this in.").first().waitFor();
  check((await panel.getByText("Please fill this in.").count()) === 2, "order and topic are required");
  await panel.getByText("Please tick this box.").waitFor();
  await panel.getByLabel("Your name").fill("Ann <b>");
  await panel.getByLabel("Order number").fill("A-1042");
  await panel.getByLabel("Topic").selectOption("billing");
  await panel.getByLabel(/E-mail/).fill("not an address");
  await panel.getByLabel("Seats").fill("9000");
  await panel.getByRole("button", { name: "Start chat" }).click();
  await panel.getByText("This is not an e-mail address.").waitFor();
  await panel.getByText("Please enter a number from 1 to 500.").waitFor();
  await panel.getByLabel(/E-mail/).fill("ann@example.org");
  await panel.getByLabel("Seats").fill("12");
  await panel.getByLabel("Phone").check();
  await panel.getByLabel("Beta").check();
  await panel.getByLabel(/Details/).fill("x".repeat(21));
  await panel.getByRole("button", { name: "Start chat" }).click();
  await panel.getByText("At most 20 characters.").waitFor();
  await panel.getByLabel(/Details/).fill("Second floor");
  await panel.getByLabel("I accept the privacy policy").check();
  // R11: a file type the field does not accept is refused before any upload; one it accepts
  // is uploaded with progress and named in the form.
  const screenshot = panel.getByLabel(/Screenshot/);
  await screenshot.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("notes") });
  await panel.getByText("notes.txt is not a type of file we accept (.pdf, image/*).").waitFor();
  await screenshot.setInputFiles({ name: "screen.png", mimeType: "image/png", buffer: PNG });
  await panel.getByText("screen.png").waitFor();
  await until(async () => (await panel.locator(".fields progress").count()) === 0, "the form's upload to finish");
  await panel.getByRole("button", { name: "Start chat" }).click();

  // Waiting: the queue position, then the agent takes the chat.
  await panel.getByText("You are number 1 in line.").waitFor();
  const offer = await desk.next((f) => f.type === "offer", "offer");
  check(offer.visitor_name === "Ann <b>", "the agent sees the typed name");
  check(offer.visitor_details.fields.order === "A-1042" && offer.visitor_details.fields.seats === 12, "the form's values reach the agent");
  check(
    offer.visitor_details.fields.contact_by === "phone" && offer.visitor_details.fields.products.join() === "b",
    "radio and checkbox values reach the agent",
  );
  check(offer.visitor_details.fields.files?.length === 1, `the uploaded file goes with the form (${JSON.stringify(offer.visitor_details.fields)})`);
  desk.send({ type: "accept_offer", chat_id: offer.chat_id });
  const chatId = offer.chat_id;
  await panel.getByText(/joined the chat\./).waitFor();
  await until(async () => (await events()) === "opened,session_created,session_started", `the JS API events (${await events()})`);

  // Both ways, with typing; everything shown as text.
  await panel.getByLabel("Message", { exact: true }).fill("Hello from the widget <i>");
  const typing = await desk.next((f) => f.type === "typing", "the visitor's typing");
  check(typing.typing === true && typing.by.kind === "visitor", "the agent sees the visitor typing");
  await page.keyboard.press("Enter");
  const fromVisitor = await desk.fromVisitor();
  check(fromVisitor.text === "Hello from the widget <i>", "the visitor's text arrives as typed");
  desk.send({ type: "typing", chat_id: chatId, typing: true });
  await panel.getByText(/is typing…/).waitFor();
  desk.send({ type: "send_message", chat_id: chatId, text: "Hi Ann! Plans start at < 10 €.", client_key: "a-1" });
  await panel.getByText("Hi Ann! Plans start at < 10 €.").waitFor();
  const bubble = await panel.locator(".message.theirs").last().evaluate((e) => getComputedStyle(e).backgroundColor);
  check(bubble === "rgb(238, 241, 245)", `agent messages have the website's agent colour (${bubble})`);
  check((await panel.getByText(/is typing…/).count()) === 0, "typing stops with the agent's message");

  // R9: an offer as buttons; the pick goes back structured.
  desk.send({
    type: "offer_choices",
    chat_id: chatId,
    prompt: "Which plan suits you?",
    options: [{ label: "Basic" }, { id: "pro", label: "Pro" }],
    client_key: "a-2",
  });
  await panel.getByRole("button", { name: "Pro" }).click();
  const picked = await desk.event("choice_picked");
  check(picked.choice.id === "pro", "the agent gets the option's id");
  await panel.getByText("You chose: Pro").waitFor();
  check(await panel.getByRole("button", { name: "Basic" }).isDisabled(), "an answered offer takes no second pick");

  // R40: the visitor sends a file (with progress), the agent sends one back.
  await panel.locator(".composer input[type=file]").setInputFiles({
    name: "notes.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("my notes\n"),
  });
  await until(() => panel.locator(".composer li[data-id]").count(), "the upload to finish");
  await panel.getByRole("button", { name: "Send", exact: true }).click();
  const withFile = await desk.fromVisitor();
  check(withFile.attachments[0].name === "notes.txt", "the agent gets the visitor's file");
  const upload = await fetch(`${ENGINE}/api/v1/chats/${chatId}/attachments?name=offer.pdf`, {
    method: "POST",
    headers: { authorization: `Bearer ${desk.token}` },
    body: "%PDF-1.4\n%offer\n",
  }).then((r) => r.json());
  desk.send({ type: "send_message", chat_id: chatId, text: "Here is our offer", attachments: [upload.attachment_id], client_key: "a-3" });
  const link = panel.getByRole("link", { name: "Download offer.pdf" });
  await link.waitFor();
  const downloaded = await page.evaluate((href) => fetch(href).then((r) => r.text()), await link.getAttribute("href"));
  check(downloaded.startsWith("%PDF-1.4"), "the visitor downloads the agent's file");

  // R6: a reload restores the window and the whole conversation, and reports the page.
  await page.reload();
  await widget.panel(page).getByText("Hi Ann! Plans start at < 10 €.").waitFor();
  await widget.panel(page).getByText("You chose: Pro").waitFor();
  check(await widget.panel(page).isVisible(), "the window stays open across a reload");
  await page.goto(site.url("/faq"));
  await panel.getByText("Hello from the widget <i>").waitFor();
  await page.waitForFunction(() => window.Parley);
  await listen();
  const visited = await desk.next((f) => f.type === "visitor_page" && f.url.endsWith("/faq"), "the visitor's new page");
  check(visited.chat_id === chatId, "the page view names the chat");
  await panel.getByLabel("Message", { exact: true }).fill("Still here after moving pages");
  await page.keyboard.press("Enter");
  check((await desk.fromVisitor()).text === "Still here after moving pages", "the chat goes on after a new page");

  // R13: a widget with another scope does not restore this chat.
  const scoped = await page.context().newPage();
  await scoped.goto(site.url("/shop?scope=shop"));
  await widget.launcher(scoped).click();
  await widget.panel(scoped).getByRole("button", { name: "Start chat" }).waitFor();
  await scoped.close();

  // A network drop: the widget says it reconnects (never "refresh"), then replays what it
  // missed and sends what was written meanwhile.
  await page.context().setOffline(true);
  await page.evaluate(() => window.__sockets.forEach((s) => s.close()));
  await panel.getByText("Connection lost. Reconnecting…").waitFor();
  desk.send({ type: "send_message", chat_id: chatId, text: "Are you still there?", client_key: "a-4" });
  await desk.next((f) => f.type === "ack" && f.client_key === "a-4", "the ack of the agent's message");
  await panel.getByLabel("Message", { exact: true }).fill("Written while offline");
  await page.keyboard.press("Enter");
  await page.context().setOffline(false);
  await panel.getByText("Are you still there?").waitFor();
  check((await desk.fromVisitor()).text === "Written while offline", "a message written offline is delivered");
  await until(async () => (await panel.getByText("Connection lost. Reconnecting…").count()) === 0 || !(await panel.getByText("Connection lost. Reconnecting…").isVisible()), "the reconnect notice to go");
  check((await panel.getByText("Are you still there?").count()) === 1, "a replayed message is shown once");

  // R86: the transcript asked for during the chat is mailed when it ends.
  await panel.getByRole("button", { name: "Get the transcript by e-mail" }).click();
  await panel.getByRole("textbox", { name: "E-mail" }).fill("ann@work.example");
  await panel.getByRole("button", { name: "Send transcript" }).click();
  await panel.getByText("The transcript goes to ann@work.example when the chat ends.").waitFor();

  // R7, R86: the visitor ends the chat and asks for the transcript.
  await panel.getByRole("button", { name: "End chat" }).click();
  await panel.getByRole("button", { name: "Yes, end it" }).click();
  const end = await desk.event("chat_ended");
  check(end.disposition === "visitor_ended", "the agent sees the visitor ended it");
  await panel.getByText("You ended the chat.").waitFor();
  check((await panel.getByLabel("Message", { exact: true }).count()) === 0, "an ended chat takes no more messages");
  await panel.getByRole("textbox", { name: "E-mail" }).fill("ann@example.org");
  await panel.getByRole("button", { name: "Send transcript" }).click();
  await panel.getByText("The transcript goes to ann@example.org.").waitFor();

  // R13: the events so far, and open/close from the page.
  await until(async () => (await events()) === "session_ended", `the JS API's end event (${await events()})`);
  check(await page.evaluate(() => window.endedOnWindow), "the end is a window event too (parley:session_ended)");
  await page.evaluate(() => window.Parley.close());
  check(!(await panel.isVisible()), "Parley.close() closes the window");
  await page.evaluate(() => window.Parley.open());
  // R6: after the end, the next opening starts a new chat.
  await panel.getByRole("button", { name: "Start chat" }).waitFor();
  check((await events()).endsWith("session_ended,closed,opened"), `closed and opened are events too (${await events()})`);

  // R37, R52: the next chat, with an invitation code typed in and a signed identity that the
  // page passes through the JS API.
  const { secret } = await fetch(`${ENGINE}/api/v1/websites/demo/identity/secret`, {
    method: "POST",
    headers: { authorization: `Bearer ${required("PARLEY_ADMIN_TOKEN")}` },
  }).then((r) => r.json());
  const payload = Buffer.from(JSON.stringify({ sub: "user-42", name: "Ann Smith", exp: Math.floor(Date.now() / 1000) + 600 })).toString("base64url");
  const signature = createHmac("sha256", secret).update(payload).digest("hex");
  await page.evaluate((token) => window.Parley.identify(token), `${payload}.${signature}`);
  const { code } = await fetch(`${ENGINE}/api/v1/invitation-codes`, {
    method: "POST",
    headers: { authorization: `Bearer ${desk.token}`, "content-type": "application/json" },
    body: "{}",
  }).then((r) => r.json());
  await fillPrechat(panel, "Ann");
  await panel.getByRole("button", { name: "I have an invitation code" }).click();
  await panel.getByLabel("Invitation code (6 digits)").fill("12");
  await panel.getByRole("button", { name: "Start chat" }).click();
  await panel.getByText("This invitation code is not valid or has expired.").waitFor();
  await panel.getByLabel("Invitation code (6 digits)").fill(code);
  await panel.getByRole("button", { name: "Start chat" }).click();
  const direct = await desk.next((f) => f.type === "offer", "the direct offer");
  check(direct.direct === true, "an invitation code makes a direct chat for its agent");
  check(direct.visitor_details.verified?.sub === "user-42", `the signed identity is verified (${JSON.stringify(direct.visitor_details)})`);
  desk.close();
  site.close();
});
