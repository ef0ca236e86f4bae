// The conversation: messages with sender and time, system messages, offers as buttons (R9),
// files to download (R10), the queue position while waiting and the agent's typing. The list
// is a live region, so screen readers announce each new message.

import type { ChatEvent } from "../protocol";
import { fill } from "../i18n";
import type { AppTexts } from "../i18n/en";
import { h } from "./dom";

/** How long an agent's "typing" shows without news. */
const TYPING_SHOWN_MS = 30000;

export interface ConversationOptions {
  texts: AppTexts;
  language: string;
  attachmentUrl: (id: string) => string;
  pick: (offerSeq: number, optionId: string) => void;
}

export class Conversation {
  readonly element: HTMLElement;
  private list: HTMLElement;
  private status: HTMLElement;
  private typing: HTMLElement;
  private offers = new Map<number, HTMLButtonElement[]>();
  private pending = new Map<string, { text: string; element: HTMLElement }>();
  private t: AppTexts;

  constructor(private options: ConversationOptions) {
    this.t = options.texts;
    this.list = h("ol", { className: "messages" });
    this.status = h("p", { className: "queue", role: "status", hidden: true });
    this.typing = h("p", { className: "typing", "aria-live": "polite" });
    // The log region wraps the list, so the list keeps its list semantics.
    this.element = h(
      "div",
      { className: "conversation" },
      h("div", { role: "log", "aria-live": "polite", "aria-label": this.t.messagesLabel }, this.list),
      this.status,
      this.typing,
    );
  }

  private time(atMs: number): HTMLElement {
    const at = new Date(atMs);
    return h(
      "time",
      { datetime: at.toISOString() },
      at.toLocaleTimeString(this.options.language, { hour: "2-digit", minute: "2-digit" }),
    );
  }

  private system(text: string, event?: ChatEvent): HTMLElement {
    const item = h("li", { className: "system" }, text, event ? " " : null, event ? this.time(event.at_ms) : null);
    this.add(item);
    return item;
  }

  private add(item: HTMLElement): void {
    this.list.append(item);
    this.list.scrollTop = this.list.scrollHeight;
    this.element.scrollTop = this.element.scrollHeight;
  }

  /** Draws one stored event (live or replayed). */
  addEvent(event: ChatEvent): void {
    const t = this.t;
    switch (event.kind) {
      case "message": {
        const mine = event.author.kind === "visitor";
        if (mine) this.settlePending(event.text ?? "");
        else this.setTyping(null);
        const who = mine ? t.you : event.author.name || t.agent;
        this.add(
          h(
            "li",
            { className: mine ? "message mine" : "message theirs", "data-seq": event.seq },
            h("div", { className: "meta" }, h("span", { className: "who" }, who), " ", this.time(event.at_ms)),
            event.text ? h("div", { className: "text" }, event.text) : null,
            event.attachments?.length
              ? h(
                  "ul",
                  { className: "attachments" },
                  ...event.attachments.map((file) =>
                    h(
                      "li",
                      {},
                      h(
                        "a",
                        {
                          href: this.options.attachmentUrl(file.id),
                          download: file.name,
                          target: "_blank",
                          rel: "noopener",
                          "aria-label": fill(t.download, { name: file.name }),
                        },
                        file.name,
                      ),
                      ` (${Math.max(1, Math.round(file.size / 1024))} KB)`,
                    ),
                  ),
                )
              : null,
          ),
        );
        break;
      }
      case "agent_joined":
        this.setQueue(null);
        this.system(fill(t.joined, { name: event.agent_name ?? t.agent }), event);
        break;
      case "agent_left":
        this.system(fill(t.left, { name: event.agent_name ?? t.agent }), event);
        break;
      case "transferred":
        this.system(fill(t.transferred, { name: event.to_agent_name ?? t.agent }), event);
        break;
      case "redirected":
        this.system(fill(t.redirected, { name: (event as any).agent_name ?? event.queue_name ?? "" }), event);
        break;
      case "choices_offered": {
        const buttons = (event.options ?? []).map((option) =>
          h("button", { type: "button", className: "choice-button", onclick: () => this.options.pick(event.seq, option.id) }, option.label),
        );
        this.offers.set(event.seq, buttons);
        this.add(
          h(
            "li",
            { className: "message theirs offer", "data-seq": event.seq },
            h("div", { className: "meta" }, h("span", { className: "who" }, event.author.name || t.agent), " ", this.time(event.at_ms)),
            event.prompt ? h("div", { className: "text" }, event.prompt) : null,
            h("div", { className: "choices", role: "group", "aria-label": event.prompt ?? "" }, ...buttons),
          ),
        );
        break;
      }
      case "choice_picked":
        for (const button of this.offers.get(event.offer_seq ?? -1) ?? []) {
          button.disabled = true;
          if (button.textContent === event.choice?.label) button.classList.add("chosen");
        }
        this.system(fill(t.picked, { label: event.choice?.label ?? "" }), event);
        break;
      case "chat_ended":
        this.setQueue(null);
        this.setTyping(null);
        for (const buttons of this.offers.values()) buttons.forEach((b) => (b.disabled = true));
        this.system(
          event.notice ??
            (event.disposition === "timeout" ? t.timeout : event.ended_by?.kind === "visitor" ? t.endedByYou : t.ended),
          event,
        );
        break;
    }
  }

  /** A message the visitor sent that the engine has not confirmed yet, or refused (`failed`:
   * why, and a retry when trying again may help). */
  addPending(clientKey: string, text: string, failed?: { reason: string; retry?: () => void }): void {
    const element = h(
      "li",
      { className: failed ? "message mine pending failed" : "message mine pending" },
      h(
        "div",
        { className: "meta" },
        h("span", { className: "who" }, this.t.you),
        " ",
        failed ? fill(this.t.messageFailed, { reason: failed.reason }) : this.t.sending,
      ),
      h("div", { className: "text" }, text),
      failed?.retry ? h("button", { type: "button", className: "link retry", onclick: failed.retry }, this.t.retry) : null,
    );
    this.pending.get(clientKey)?.element.replaceWith(element);
    if (!this.pending.has(clientKey)) this.add(element);
    this.pending.set(clientKey, { text, element });
  }

  /** The engine stored the message `clientKey` (its event is drawn, or comes next). */
  confirm(clientKey: string): void {
    this.pending.get(clientKey)?.element.remove();
    this.pending.delete(clientKey);
  }

  private settlePending(text: string): void {
    for (const [key, entry] of this.pending) {
      if (entry.text === text) {
        this.confirm(key);
        return;
      }
    }
  }

  setQueue(position: { position: number; estimated_wait_ms: number | null } | null): void {
    if (!position) {
      this.status.hidden = true;
      return;
    }
    const t = this.t;
    const wait = position.estimated_wait_ms;
    this.status.textContent = [
      t.waiting,
      fill(t.position, { n: position.position }),
      wait !== null ? fill(t.wait, { m: Math.max(1, Math.round(wait / 60000)) }) : "",
    ]
      .filter(Boolean)
      .join(" ");
    this.status.hidden = false;
  }

  showWaiting(): void {
    this.status.textContent = this.t.waiting;
    this.status.hidden = false;
  }

  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  /** Shows who types; a "typing" that no "stopped" follows (a closed dashboard) fades out. */
  setTyping(name: string | null): void {
    clearTimeout(this.typingTimer);
    this.typing.textContent = name ? fill(this.t.typing, { name }) : "";
    if (name) this.typingTimer = setTimeout(() => this.setTyping(null), TYPING_SHOWN_MS);
  }
}
