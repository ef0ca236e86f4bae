// R86: the transcript by mail. During the chat it is sent when the chat ends; after the end,
// at once. Up to three addresses per chat (the engine counts).

import { EngineError } from "../protocol";
import { fill } from "../i18n";
import type { AppTexts } from "../i18n/en";
import { h, uid } from "./dom";
import { isEmail } from "./validation";

export function transcriptForm(t: AppTexts, request: (email: string) => Promise<{ delivery: string }>): HTMLElement {
  const id = uid("transcript");
  const email = h("input", { id, type: "email", autocomplete: "email" });
  const note = h("p", { role: "status", className: "note" });
  const form = h(
    "form",
    { className: "transcript", "aria-label": t.transcriptTitle },
    h("h3", {}, t.transcriptTitle),
    h("div", { className: "field" }, h("label", { for: id }, t.email), email),
    note,
    h("button", { type: "submit" }, t.sendTranscript),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    const address = email.value.trim();
    if (!isEmail(address)) return void (note.textContent = t.invalidEmail);
    request(address).then(
      (answer) => {
        note.textContent = fill(answer.delivery === "when_chat_ends" ? t.transcriptLater : t.transcriptSent, { email: address });
        email.value = "";
      },
      (err) =>
        (note.textContent =
          err instanceof EngineError && err.code === "network"
            ? t.errorNetwork
            : err instanceof EngineError && err.code === "too_many_transcripts"
              ? t.transcriptLimit
              : t.errorGeneric),
    );
  };
  return form;
}
