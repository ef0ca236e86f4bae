// The chat app, loaded by the loader when the visitor opens the widget or has a chat to
// restore. It draws the window (header, then the start form, the offline form or the
// conversation) and keeps the chat going across reloads, pages and network drops (R6).

import { ChatSocket, Engine, EngineError, type ChatEvent, type Frame, type StoredChat } from "../protocol";
import type { AppTexts } from "../i18n/en";
import * as en from "../i18n/en";
import * as de from "../i18n/de";
import * as nl from "../i18n/nl";
import * as sv from "../i18n/sv";
import * as cs from "../i18n/cs";
import { chatStorageKey, type App, type Host } from "../host";
import { fill } from "../i18n";
import { h } from "./dom";
import { Composer } from "./Composer";
import { Conversation } from "./Conversation";
import { endedPanel } from "./EndedPanel";
import { offlineForm } from "./OfflineForm";
import { startForm, type StartRequest } from "./StartForm";
import { transcriptForm } from "./TranscriptForm";
import { STYLES } from "./styles";

const CATALOGUES: Record<string, AppTexts> = { en: en.app, de: de.app, nl: nl.app, sv: sv.app, cs: cs.app };

interface Saved extends StoredChat {
  name: string;
}

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** R90: the same visitor across chats on this website (not a credential). */
function visitorKey(): string {
  const name = "parley:visitor";
  let key = localStorage.getItem(name);
  if (!key || !/^[A-Za-z0-9_-]{16,64}$/.test(key)) {
    key = randomKey();
    localStorage.setItem(name, key);
  }
  return key;
}

function mount(host: Host): App {
  const t = CATALOGUES[host.language] ?? en.app;
  const engine = new Engine(host.base, host.key);
  if (host.preview) {
    // The console's preview sends nothing: every request is refused here, with its own text.
    const refuse = () => Promise.reject(new EngineError("preview", 0));
    engine.startChat = engine.leaveOfflineMessage = engine.upload = refuse;
  }
  const config = host.config;
  const look = config.appearance ?? {};
  const storageKey = chatStorageKey(host.key, host.scope);
  const colour = (value: string | undefined, fallback: string) => (/^#[0-9a-f]{3,8}$/i.test(value ?? "") ? value! : fallback);

  const style = h("style", {}, STYLES);
  style.nonce = host.nonce;
  style.textContent += `:host{--parley-agent:${colour(look.agent_color, "#eef1f5")};--parley-visitor:${colour(
    look.visitor_color,
    "#1f5fcc",
  )};--parley-background:${colour(look.background_color, "#ffffff")}}`;
  host.shadow.prepend(style);

  const title = h("h2", { id: "parley-title" });
  const endButton = h("button", { type: "button", className: "header-button", hidden: true }, t.endChat);
  const closeButton = h("button", { type: "button", className: "header-button", "aria-label": t.minimise, title: t.minimise }, "—");
  const connection = h("p", { className: "connection", role: "status", hidden: true }, t.reconnecting);
  const body = h("div", { className: "body" });
  const panel = host.panel;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", "parley-title");
  panel.append(h("header", {}, title, endButton, closeButton), connection, body);
  closeButton.onclick = () => host.close();
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") host.close();
  });

  let saved: Saved | null = null;
  try {
    saved = JSON.parse(localStorage.getItem(storageKey) ?? "null");
  } catch {
    saved = null;
  }
  let socket: ChatSocket | null = null;
  let conversation: Conversation | null = null;
  let composer: Composer | null = null;
  let ended = false;
  let view: "start" | "offline" | "offline-chosen" | "chat" = "start";
  let unread = 0;
  let focusTarget: HTMLElement | null = null;
  let entry: ReturnType<typeof startForm> | null = null;
  /** R38: tells the engine what the visitor has received and, when shown, read. */
  let markReceipt: (() => void) | null = null;
  const outbox = new Map<string, Record<string, unknown>>();

  const context = () => ({
    page_url: /^https?:/.test(location.href) ? location.href.slice(0, 2048) : null,
    page_title: document.title.trim().slice(0, 300) || null,
    language: host.language,
    visitor_key: visitorKey(),
  });

  function setTitle(online: boolean) {
    title.textContent = online ? look.title_online || t.titleOnline : look.title_offline || t.titleOffline;
  }

  function show(next: HTMLElement, focus?: HTMLElement | null) {
    body.replaceChildren(next);
    // The first control the visitor can see in it (a hidden notice's button is skipped; the
    // window itself may be hidden now).
    const shown = (e: HTMLElement) => !next.contains(e.closest("[hidden]"));
    focusTarget = focus ?? Array.from(next.querySelectorAll<HTMLElement>("input,select,textarea,button")).find(shown) ?? null;
    // The console's preview never takes the focus: the admin is typing in the console beside it.
    if (host.isOpen() && !host.preview) focusTarget?.focus();
  }

  // No chat: the start form while live chat is on, else the offline form (R5), and live
  // switches between them as the mode changes (R30, R31).
  function showEntry() {
    endButton.hidden = true;
    if (view === "offline-chosen") return;
    if (host.mode === "offline") {
      view = "offline";
      setTitle(false);
      show(
        offlineForm({ texts: t, engine, form: config.offline_form, maxUploadBytes: config.max_upload_bytes, context: context() }),
      );
      return;
    }
    view = "start";
    setTitle(true);
    const form = startForm({
      texts: t,
      engine,
      prechat: config.prechat_form,
      busy: host.mode === "busy",
      invitation: host.invitation,
      maxUploadBytes: config.max_upload_bytes,
      start: (request) => start(request, form.showProblems, form.showError),
      leaveMessage: () => {
        view = "offline-chosen";
        setTitle(false);
        show(
          offlineForm({
            texts: t,
            engine,
            form: config.offline_form,
            maxUploadBytes: config.max_upload_bytes,
            context: context(),
            back: () => {
              view = "start";
              showEntry();
            },
          }),
        );
      },
    });
    entry = form;
    show(form.element);
  }

  async function start(
    request: StartRequest,
    showProblems: (p: { field: string; error: string }[]) => void,
    showError: (text: string) => void,
  ) {
    try {
      const identity = host.identity();
      const answer = await engine.startChat({
        name: request.name,
        fields: request.fields,
        invitation_code: request.invitation_code,
        identity: identity ?? null,
        ...context(),
      });
      saved = { chat_id: answer.chat_id, token: answer.visitor_token, name: request.name };
      localStorage.setItem(storageKey, JSON.stringify(saved));
      host.emit("session_created", { chat_id: answer.chat_id });
      openChat(true);
    } catch (e) {
      const code = e instanceof EngineError ? e.code : "network";
      if (e instanceof EngineError && e.fields.length) showProblems(e.fields);
      else if (code === "preview") showError(t.previewOnly);
      else if (code === "website_offline" || code === "website_full") {
        // The website went offline since the widget was told: say so, and offer the form.
        host.setMode("offline", code === "website_full" ? "website_full" : host.modeReason);
        if (view !== "offline") showEntry();
        show(h("div", {}, h("p", { className: "notice", role: "alert" }, t.errorOffline), body.firstElementChild!));
      } else if (code.startsWith("invitation_") || code === "invalid_invitation_code") showError(t.errorInvitation);
      else if (code === "visitor_banned") showError(t.errorBanned);
      else if (code === "rate_limited") showError(t.tooFast);
      // Issue 10: an engine that is stopping (server_closing) is, for the visitor, out of reach.
      else if (code === "network" || code === "server_closing") showError(t.errorNetwork);
      else showError(t.errorGeneric);
    }
  }

  /** A refused message's reason, from its stable code (3.3), in the visitor's language. */
  function sendErrorText(code: string): string {
    switch (code) {
      case "message_too_long":
        return fill(t.tooLong, { max: config.max_message_chars });
      case "control_characters":
        return t.controlCharacters;
      case "chat_ended":
        return t.ended;
      case "rate_limited":
        return t.tooFast;
      default:
        return t.errorGeneric;
    }
  }

  function send(command: Record<string, unknown>) {
    const key = command.client_key as string;
    outbox.set(key, command);
    socket?.send(command);
  }

  // R6: a chat in the storage is opened again; the socket replays its whole history.
  function openChat(fresh: boolean) {
    if (!saved) return;
    const chat = saved;
    view = "chat";
    host.watchMode(false);
    ended = false;
    setTitle(true);
    endButton.hidden = false;
    let helloSeq = Infinity;
    let pageSent = fresh;
    let receiptTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    conversation = new Conversation({
      texts: t,
      language: host.language,
      attachmentUrl: (id) => engine.attachmentUrl(chat, id),
      pick: (offerSeq, optionId) => send({ type: "pick_choice", offer_seq: offerSeq, option_id: optionId, client_key: randomKey() }),
    });
    conversation.showWaiting();
    composer = new Composer({
      texts: t,
      maxChars: config.max_message_chars,
      send: (text, attachments) => {
        const key = randomKey();
        conversation!.addPending(key, text || attachments.map(() => "📎").join(" "));
        send({ type: "send_message", text, client_key: key, ...(attachments.length ? { attachments } : {}) });
      },
      typing: (typing) => socket?.send({ type: "typing", typing }),
      upload: (file, progress) => engine.upload(file, { chat }, progress).then((a) => a.attachment_id),
    });
    const ending = h("div", { className: "tail" });
    // R86: the transcript may be asked for during the chat too (sent when it ends).
    const transcriptBox = h("div", { className: "tail", hidden: true }, transcriptForm(t, (email) => engine.requestTranscript(chat, email)));
    const transcriptToggle = h(
      "button",
      {
        type: "button",
        className: "link",
        "aria-expanded": "false",
        onclick: () => {
          transcriptBox.hidden = !transcriptBox.hidden;
          transcriptToggle.setAttribute("aria-expanded", String(!transcriptBox.hidden));
          if (!transcriptBox.hidden) (transcriptBox.querySelector("input") as HTMLElement).focus();
        },
      },
      t.transcriptTitle,
    );
    show(
      h("div", { className: "chat" }, conversation.element, ending, h("div", { className: "chat-tools" }, transcriptToggle, transcriptBox), composer.element),
      composer.input,
    );

    const receipt = (markReceipt = () => {
      clearTimeout(receiptTimer);
      receiptTimer = setTimeout(() => {
        if (!socket || ended || socket.lastSeq === 0) return;
        const seen = host.isOpen() && !document.hidden;
        socket.send({ type: "receipt", delivered_seq: socket.lastSeq, ...(seen ? { read_seq: socket.lastSeq } : {}) });
      }, 300);
    });

    const onEvent = (event: ChatEvent, live: boolean) => {
      conversation!.addEvent(event);
      if (event.kind === "agent_joined" && live) host.emit("session_started", { chat_id: chat.chat_id, agent_name: event.agent_name });
      if ((event.kind === "message" || event.kind === "choices_offered") && event.author.kind === "agent" && live) {
        if (!host.isOpen() || document.hidden) {
          host.setUnread(++unread);
          if (look.sound) beep();
        }
      }
      if (event.kind === "chat_ended") {
        ended = true;
        transcriptToggle.parentElement?.remove();
        host.watchMode(true);
        endButton.hidden = true;
        composer?.disable();
        outbox.clear();
        ending.replaceChildren(
          endedPanel({
            texts: t,
            visitorName: chat.name,
            canLeaveMessage: event.leave_message_until_ms !== undefined && event.leave_message_until_ms > Date.now(),
            transcript: (email) => engine.requestTranscript(chat, email),
            leaveMessage: (b) => engine.leaveMessage(chat, b),
            newChat: () => {
              forget();
              showEntry();
            },
          }),
        );
        if (live) {
          host.emit("session_ended", { chat_id: chat.chat_id, disposition: event.disposition });
          (ending.querySelector("input") as HTMLElement | null)?.focus();
        }
      }
    };

    socket = new ChatSocket(
      engine,
      chat,
      (frame: Frame) => {
        switch (frame.type) {
          case "visitor_hello":
            helloSeq = Number(frame.last_seq);
            if (!pageSent && frame.state !== "ended") {
              pageSent = true;
              socket!.send({ type: "page_view", url: context().page_url, title: context().page_title });
            }
            break;
          case "event":
            onEvent(frame as unknown as ChatEvent, Number(frame.seq) > helloSeq);
            receipt();
            break;
          case "ack":
            if (typeof frame.client_key === "string") {
              outbox.delete(frame.client_key);
              conversation!.confirm(frame.client_key);
            }
            break;
          case "error":
            // Issue 10: the engine is stopping; the command stays in the outbox and goes
            // again, with its key, once the socket is back.
            if (frame.error === "server_closing") break;
            if (typeof frame.client_key === "string" && outbox.has(frame.client_key)) {
              const command = outbox.get(frame.client_key)!;
              outbox.delete(frame.client_key);
              if (command.type === "send_message") {
                const key = frame.client_key;
                const transient = ["store_unavailable", "unavailable", "internal"].includes(String(frame.error));
                conversation!.addPending(key, String(command.text), {
                  reason: sendErrorText(String(frame.error)),
                  retry: transient ? () => (conversation!.addPending(key, String(command.text)), send(command)) : undefined,
                });
              }
            }
            break;
          case "queue_position":
            if (!ended) conversation!.setQueue(frame as any);
            break;
          case "typing": {
            const by = frame.by as { kind: string; name?: string };
            if (by?.kind === "agent") conversation!.setTyping(frame.typing ? by.name || t.agent : null);
            break;
          }
          case "website_mode":
            host.setMode(frame.mode as Host["mode"], String(frame.reason));
            break;
        }
      },
      (connected) => {
        connection.hidden = connected;
        // A chat the engine no longer knows (its database was reset) is let go after a few
        // failed tries rather than retried for ever.
        failures = connected ? 0 : failures + 1;
        if (failures === 3)
          engine.chatExists(chat).then((exists) => {
            if (!exists && saved === chat) {
              forget();
              showEntry();
              connection.hidden = true;
            }
          });
        // Whatever was not confirmed goes again, with the same keys: the engine stores it once.
        if (connected) for (const command of outbox.values()) socket?.send(command);
      },
    );
  }

  function forget() {
    socket?.close();
    socket = null;
    saved = null;
    ended = false;
    outbox.clear();
    localStorage.removeItem(storageKey);
    view = "start";
    host.watchMode(true);
  }

  endButton.onclick = () => {
    const confirmBox = h(
      "div",
      { className: "confirm", role: "alertdialog", "aria-label": t.endConfirm },
      h("p", {}, t.endConfirm),
      h(
        "button",
        {
          type: "button",
          className: "primary",
          onclick: () => {
            confirmBox.remove();
            if (!socket?.send({ type: "end_chat" }) && saved) engine.endChat(saved).catch(() => undefined);
          },
        },
        t.yes,
      ),
      h("button", { type: "button", onclick: () => (confirmBox.remove(), endButton.focus()) }, t.no),
    );
    body.prepend(confirmBox);
    (confirmBox.querySelector("button") as HTMLElement).focus();
  };

  // A live switch (R5, R30, R31): the entry view follows the mode while no chat runs; a
  // visitor who chose to leave a message keeps the form.
  host.onMode = (mode) => {
    if ((view === "start" && mode === "offline") || (view === "offline" && mode !== "offline")) showEntry();
    else if (view === "start") entry?.setBusy(mode === "busy");
  };

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && host.isOpen()) clearUnread();
  });

  function clearUnread() {
    unread = 0;
    host.setUnread(0);
    markReceipt?.();
  }

  // A chat started in another tab of the site shows here too.
  addEventListener("storage", (e) => {
    if (e.key !== storageKey || !e.newValue || view === "chat") return;
    try {
      saved = JSON.parse(e.newValue);
    } catch {
      return;
    }
    openChat(false);
  });

  if (saved) openChat(false);
  else showEntry();

  return {
    opened() {
      clearUnread();
      if (!host.preview) (focusTarget ?? closeButton).focus();
    },
    closed() {
      // R6: after the end, the next opening starts a new chat.
      if (ended) {
        forget();
        showEntry();
      }
    },
  };
}

/** A short, quiet tone for a new message while the widget is minimised (appearance.sound). */
function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.05;
    tone.frequency.value = 880;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch {
    // No sound where the browser allows none.
  }
}

window.__parleyMount?.(mount);
