// A form drawn from the website's definition (R4, R62, R77): every element type, the engine's
// checks before sending (validation.ts), each problem shown at its field and announced, and
// attachment fields that upload as soon as files are picked (R11: type and size checked first).

import type { Engine, FormElement, FormSpec } from "../protocol";
import { fill } from "../i18n";
import type { AppTexts } from "../i18n/en";
import { h, uid } from "./dom";
import { accepts, type FieldProblem, type Value } from "./validation";

export interface FormView {
  element: HTMLElement;
  values: () => Record<string, Value>;
  /** Shows `problems` at their fields (clearing older ones) and focuses the first. */
  showProblems: (problems: FieldProblem[]) => void;
  /** True while a file is still uploading. */
  busy: () => boolean;
}

/** The engine's labels of the default offline form, which the widget translates. */
const DEFAULT_LABELS: Record<string, keyof AppTexts> = { Name: "defaultName", "E-mail": "defaultEmail", Message: "defaultMessage" };

export function problemText(t: AppTexts, problem: FieldProblem): string {
  const limit = problem.limit ?? {};
  switch (problem.error) {
    case "field_required":
    case "empty_name":
    case "empty_message":
      return t.required;
    case "agreement_required":
      return t.agreementRequired;
    case "invalid_email":
      return t.invalidEmail;
    case "invalid_number":
      return t.invalidNumber;
    case "number_out_of_range":
      return fill(t.numberRange, limit);
    case "field_too_long":
    case "name_too_long":
    case "message_too_long":
      return limit.max ? fill(t.tooLong, limit) : t.fieldInvalid;
    case "control_characters":
      return t.controlCharacters;
    case "invalid_option":
      return t.invalidOption;
    case "too_many_files":
      return limit.max ? fill(t.tooManyFiles, limit) : t.fieldInvalid;
    default:
      return t.fieldInvalid;
  }
}

export function formView(
  form: FormSpec,
  t: AppTexts,
  engine: Engine,
  formName: "prechat" | "offline",
  maxUploadBytes: number,
): FormView {
  const readers: Record<string, () => Value> = {};
  const errorSlots: Record<string, { slot: HTMLElement; control: HTMLElement }> = {};
  let uploading = 0;
  const element = h("div", { className: "fields" });

  for (const spec of form.elements) {
    if (spec.type === "label") {
      element.append(h("p", { className: "form-text" }, spec.text ?? ""));
      continue;
    }
    const name = spec.name!;
    const id = uid(`f-${name}`);
    const errorId = `${id}-error`;
    const labelText = DEFAULT_LABELS[spec.label ?? ""] ? t[DEFAULT_LABELS[spec.label!]] : spec.label ?? name;
    const required = spec.required || spec.type === "agreement";
    const labelChildren = [labelText, required ? null : h("span", { className: "optional" }, ` ${t.optional}`)];
    const slot = h("div", { className: "field-error", id: errorId, hidden: true });
    let control: HTMLElement;
    let field: HTMLElement;
    const common = { id, name, "aria-describedby": errorId, "aria-required": required ? "true" : undefined };
    switch (spec.type) {
      case "input":
      case "textarea": {
        const input =
          spec.type === "textarea"
            ? h("textarea", { ...common, rows: 3 })
            : h("input", {
                ...common,
                type: spec.input === "email" ? "email" : spec.input === "number" ? "text" : "text",
                inputmode: spec.input === "number" ? "decimal" : undefined,
                autocomplete: spec.input === "email" ? "email" : name === "name" ? "name" : undefined,
              });
        control = input;
        readers[name] = () => input.value;
        field = h("div", { className: "field" }, h("label", { for: id }, ...labelChildren), input, slot);
        break;
      }
      case "select": {
        const select = h(
          "select",
          common,
          h("option", { value: "" }, ""),
          ...(spec.options ?? []).map((o) => h("option", { value: o.value }, o.label ?? o.value)),
        );
        control = select;
        readers[name] = () => select.value;
        field = h("div", { className: "field" }, h("label", { for: id }, ...labelChildren), select, slot);
        break;
      }
      case "radio":
      case "checkboxes": {
        const boxes = (spec.options ?? []).map((o) =>
          h("input", { type: spec.type === "radio" ? "radio" : "checkbox", name: id, value: o.value }),
        );
        control = boxes[0] ?? h("span");
        readers[name] = () => {
          const picked = boxes.filter((b) => b.checked).map((b) => b.value);
          return spec.type === "radio" ? picked[0] : picked;
        };
        field = h(
          "fieldset",
          { className: "field", "aria-describedby": errorId },
          h("legend", {}, ...labelChildren),
          ...boxes.map((box, i) =>
            h("label", { className: "choice" }, box, " ", spec.options![i].label ?? spec.options![i].value),
          ),
          slot,
        );
        break;
      }
      case "agreement": {
        const box = h("input", { ...common, type: "checkbox" });
        control = box;
        readers[name] = () => box.checked;
        field = h("div", { className: "field" }, h("label", { className: "choice" }, box, " ", labelText), slot);
        break;
      }
      case "attachment": {
        const ids: string[] = [];
        const list = h("ul", { className: "files" });
        const input = h("input", {
          ...common,
          type: "file",
          multiple: (spec.max_files ?? 1) > 1,
          accept: (spec.accept ?? []).join(","),
        });
        input.onchange = () => upload(spec, input, ids, list, slot);
        control = input;
        readers[name] = () => [...ids];
        field = h("div", { className: "field" }, h("label", { for: id }, ...labelChildren), input, list, slot);
        break;
      }
      default:
        continue;
    }
    errorSlots[name] = { slot, control };
    element.append(field);
  }

  // R11: each file is checked for its type and size before it is sent; a refused one gets a
  // message and is not uploaded.
  function upload(spec: FormElement, input: HTMLInputElement, ids: string[], list: HTMLElement, slot: HTMLElement) {
    const messages: string[] = [];
    for (const file of Array.from(input.files ?? [])) {
      if (!accepts(spec.accept, file.name, file.type)) {
        messages.push(fill(t.fileType, { name: file.name, accept: (spec.accept ?? []).join(", ") }));
        continue;
      }
      if (file.size > maxUploadBytes) {
        messages.push(fill(t.fileTooLarge, { name: file.name, mb: Math.round(maxUploadBytes / 1048576) }));
        continue;
      }
      const progress = h("progress", { max: 1, value: 0, "aria-label": fill(t.uploading, { name: file.name }) });
      const item = h("li", {}, file.name, " ", progress);
      list.append(item);
      uploading++;
      engine
        .upload(file, { form: formName, field: spec.name! }, (f) => (progress.value = f))
        .then(
          (answer) => {
            ids.push(answer.upload_id);
            progress.remove();
          },
          () => {
            item.remove();
            showSlot(slot, fill(t.uploadFailed, { name: file.name }));
          },
        )
        .finally(() => uploading--);
    }
    input.value = "";
    showSlot(slot, messages.join(" "));
  }

  function showSlot(slot: HTMLElement, text: string) {
    slot.textContent = text;
    slot.hidden = text === "";
    slot.setAttribute("role", text ? "alert" : "none");
  }

  return {
    element,
    values: () => Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read()])),
    busy: () => uploading > 0,
    showProblems(problems) {
      for (const { slot, control } of Object.values(errorSlots)) {
        showSlot(slot, "");
        control.removeAttribute("aria-invalid");
      }
      for (const problem of problems) {
        const target = errorSlots[problem.field];
        if (!target) continue;
        showSlot(target.slot, problemText(t, problem));
        target.control.setAttribute("aria-invalid", "true");
      }
      const first = problems.map((p) => errorSlots[p.field]).find(Boolean);
      first?.control.focus();
    },
  };
}
