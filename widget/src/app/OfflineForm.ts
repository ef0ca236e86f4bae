// While live chat is offline (R5, R77): the website's offline form, checked like the engine
// checks it, then a thank-you.

import type { Engine, FormSpec } from "../protocol";
import { EngineError } from "../protocol";
import type { AppTexts } from "../i18n/en";
import { h } from "./dom";
import { formView } from "./FormView";
import { submission, validateForm } from "./validation";

export interface OfflineFormOptions {
  texts: AppTexts;
  engine: Engine;
  form: FormSpec;
  maxUploadBytes: number;
  context: Record<string, unknown>;
  /** Shown when the visitor came here from a busy widget: the way back to live chat. */
  back?: () => void;
}

export function offlineForm(o: OfflineFormOptions): HTMLElement {
  const t = o.texts;
  const view = formView(o.form, t, o.engine, "offline", o.maxUploadBytes);
  const error = h("p", { className: "form-error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", className: "primary" }, t.sendOffline);
  const element = h(
    "form",
    { className: "offline", novalidate: true },
    view.element,
    error,
    submit,
    o.back ? h("button", { type: "button", className: "link", onclick: o.back }, t.backToChat) : null,
  );
  element.onsubmit = (e) => {
    e.preventDefault();
    if (view.busy() || submit.disabled) return;
    error.hidden = true;
    const values = view.values();
    const problems = validateForm(o.form, values);
    view.showProblems(problems);
    if (problems.length) return;
    submit.disabled = true;
    o.engine
      .leaveOfflineMessage({ fields: submission(o.form, values), ...o.context })
      .then(
        () => element.replaceWith(h("p", { className: "done", role: "status", tabindex: -1 }, t.offlineSent)),
        (err) => {
          if (err instanceof EngineError && err.fields.length) view.showProblems(err.fields);
          else {
            const code = err instanceof EngineError ? err.code : "";
            error.textContent = code === "network" ? t.errorNetwork : code === "preview" ? t.previewOnly : t.errorGeneric;
            error.hidden = false;
          }
        },
      )
      .finally(() => (submit.disabled = false));
  };
  return element;
}
