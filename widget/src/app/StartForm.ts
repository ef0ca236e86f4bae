// Before a chat: the website's pre-chat form, or the name alone (R3, R4, R74), an invitation
// code (R37), and, when every agent is busy, the way to leave a message instead (R31).

import type { Engine, FormSpec } from "../protocol";
import type { AppTexts } from "../i18n/en";
import { h, uid } from "./dom";
import { formView } from "./FormView";
import { submission, validateForm, type FieldProblem } from "./validation";

export interface StartRequest {
  name: string;
  fields: Record<string, unknown>;
  invitation_code: string | null;
}

export interface StartFormOptions {
  texts: AppTexts;
  engine: Engine;
  prechat: FormSpec | null;
  busy: boolean;
  invitation: string | undefined;
  maxUploadBytes: number;
  start: (request: StartRequest) => Promise<void>;
  leaveMessage: () => void;
}

/** R3: the name every chat needs, 1 to 80 characters. */
const NAME_FIELD = { type: "input", input: "text", name: "name", required: true, max_length: 80 } as const;

export interface StartForm {
  element: HTMLElement;
  /** R31: shows or hides the busy notice as the mode changes, keeping what was typed. */
  setBusy: (busy: boolean) => void;
  showProblems: (problems: FieldProblem[]) => void;
  showError: (text: string) => void;
}

export function startForm(o: StartFormOptions): StartForm {
  const t = o.texts;
  // The pre-chat form's own `name` input gives the name; without one the name is asked first.
  const ownName = o.prechat?.elements.some((e) => e.name === "name" && e.type === "input");
  const form: FormSpec = {
    elements: ownName ? o.prechat!.elements : [{ ...NAME_FIELD, label: t.name }, ...(o.prechat?.elements ?? [])],
  };
  const view = formView(form, t, o.engine, "prechat", o.maxUploadBytes);
  const error = h("p", { className: "form-error", role: "alert", hidden: true });

  const codeId = uid("code");
  const code = h("input", { id: codeId, type: "text", inputmode: "numeric", autocomplete: "off", value: o.invitation ?? "" });
  const codeField = h("div", { className: "field", hidden: !o.invitation }, h("label", { for: codeId }, t.invitationCode), code);
  const codeToggle = h(
    "button",
    {
      type: "button",
      className: "link",
      "aria-expanded": o.invitation ? "true" : "false",
      onclick: () => {
        codeField.hidden = !codeField.hidden;
        codeToggle.setAttribute("aria-expanded", String(!codeField.hidden));
        if (!codeField.hidden) code.focus();
      },
    },
    t.invitationToggle,
  );
  const submit = h("button", { type: "submit", className: "primary" }, t.startChat);

  const busyNotice = h(
    "div",
    { className: "notice", hidden: !o.busy },
    h("p", {}, t.busyNotice),
    h("button", { type: "button", className: "link", onclick: o.leaveMessage }, t.leaveMessageInstead),
  );
  const element = h(
    "form",
    { className: "start", novalidate: true },
    busyNotice,
    view.element,
    codeToggle,
    codeField,
    error,
    submit,
  );

  const showError = (text: string) => {
    error.textContent = text;
    error.hidden = text === "";
  };

  element.onsubmit = (e) => {
    e.preventDefault();
    if (view.busy() || submit.disabled) return;
    showError("");
    const values = view.values();
    const problems = validateForm(form, values);
    const digits = code.value.replace(/[\s-]/g, "");
    if (!codeField.hidden && digits !== "" && !/^\d{6}$/.test(digits)) {
      showError(t.errorInvitation);
      code.focus();
      return;
    }
    view.showProblems(problems);
    if (problems.length) return;
    const fields = submission(form, values);
    const name = String(fields.name ?? "").trim();
    if (!ownName) delete fields.name;
    submit.disabled = true;
    submit.textContent = t.starting;
    o.start({ name, fields, invitation_code: digits || null }).finally(() => {
      submit.disabled = false;
      submit.textContent = t.startChat;
    });
  };

  return { element, showProblems: view.showProblems, showError, setBusy: (busy) => (busyNotice.hidden = !busy) };
}
