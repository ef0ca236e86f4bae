// After the chat: the transcript by mail (R86, TranscriptForm), a message for a chat nobody took (R76, R78),
// and a new chat (R6).

import { EngineError } from "../protocol";
import type { AppTexts } from "../i18n/en";
import { h, uid } from "./dom";
import { isEmail } from "./validation";
import { transcriptForm } from "./TranscriptForm";

export interface EndedOptions {
  texts: AppTexts;
  visitorName: string;
  /** R78: leave a message (when the chat ended unmanaged and the website takes messages). */
  canLeaveMessage: boolean;
  transcript: (email: string) => Promise<{ delivery: string }>;
  leaveMessage: (body: { name: string; email: string | null; text: string }) => Promise<unknown>;
  newChat: () => void;
}

function errorText(t: AppTexts, e: unknown): string {
  return e instanceof EngineError && e.code === "network" ? t.errorNetwork : t.errorGeneric;
}

function field(label: string, control: HTMLInputElement | HTMLTextAreaElement): HTMLElement {
  control.id = uid("ended");
  return h("div", { className: "field" }, h("label", { for: control.id }, label), control);
}

export function endedPanel(o: EndedOptions): HTMLElement {
  const t = o.texts;
  const panel = h("div", { className: "ended" });

  if (o.canLeaveMessage) {
    const name = h("input", { type: "text", value: o.visitorName, autocomplete: "name" });
    const email = h("input", { type: "email", autocomplete: "email" });
    const text = h("textarea", { rows: 3 });
    const note = h("p", { role: "status", className: "field-error" });
    const form = h(
      "form",
      { className: "leave-message", "aria-label": t.leaveTitle },
      h("h3", {}, t.leaveTitle),
      field(t.name, name),
      field(`${t.email} ${t.optional}`, email),
      field(t.messageLabel, text),
      note,
      h("button", { type: "submit", className: "primary" }, t.sendOffline),
    );
    form.onsubmit = (e) => {
      e.preventDefault();
      if (!name.value.trim() || !text.value.trim()) return void (note.textContent = t.required);
      if (email.value.trim() && !isEmail(email.value.trim())) return void (note.textContent = t.invalidEmail);
      o.leaveMessage({ name: name.value.trim(), email: email.value.trim() || null, text: text.value }).then(
        () => form.replaceWith(h("p", { className: "done", role: "status" }, t.leaveSent)),
        (err) => (note.textContent = errorText(t, err)),
      );
    };
    panel.append(form);
  }

  const transcript = transcriptForm(t, o.transcript);
  panel.append(transcript, h("button", { type: "button", className: "primary new-chat", onclick: o.newChat }, t.newChat));
  return panel;
}
