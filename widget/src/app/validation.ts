// The engine's form rules (docs/protocol.md 1.5, "Form values"; src/domain/form.rs), checked in
// the browser before a submission so the visitor gets every message at once and at the field.
// Pure: no DOM. The engine checks again; its codes are the same.

import type { FormElement, FormSpec } from "../protocol";

export type Value = string | string[] | boolean | undefined;

export interface FieldProblem {
  field: string;
  error: string;
  limit?: Record<string, string | number>;
}

/** Unicode scalar values, as the engine counts (1.2). */
export function charCount(text: string): number {
  return [...text].length;
}

// Control characters other than line feed and tab (textareas take those).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f]/;

/** A plain ASCII `local@domain.tld`, at most 254 characters (1.3). */
export function isEmail(text: string): boolean {
  return text.length <= 254 && /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(text);
}

function fieldsOf(form: FormSpec): FormElement[] {
  return form.elements.filter((e) => e.type !== "label" && e.name);
}

/** Every problem of `values` against `form`, in the form's order (empty: valid). */
export function validateForm(form: FormSpec, values: Record<string, Value>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const element of fieldsOf(form)) {
    const name = element.name!;
    const problem = (error: string, limit?: FieldProblem["limit"]) => problems.push({ field: name, error, limit });
    const value = values[name];
    if (element.type === "agreement") {
      if (value !== true) problem("agreement_required");
      continue;
    }
    const empty =
      value === undefined || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && value.length === 0);
    if (empty) {
      if (element.required) problem("field_required");
      continue;
    }
    switch (element.type) {
      case "input":
      case "textarea": {
        const text = String(value).trim();
        if (element.input === "email") {
          if (!isEmail(text)) problem("invalid_email");
        } else if (element.input === "number") {
          const number = Number(text.replace(",", "."));
          if (!Number.isFinite(number)) problem("invalid_number");
          else if (
            (element.min !== undefined && number < element.min) ||
            (element.max !== undefined && number > element.max)
          )
            problem("number_out_of_range", { min: element.min ?? "", max: element.max ?? "" });
        } else {
          const max = element.max_length ?? (element.type === "textarea" ? 4000 : 200);
          if ((element.type === "textarea" ? CONTROL : CONTROL_IN_LINE).test(text)) problem("control_characters");
          else if (charCount(text) > max) problem("field_too_long", { max });
        }
        break;
      }
      case "select":
      case "radio":
        if (!(element.options ?? []).some((o) => o.value === value)) problem("invalid_option");
        break;
      case "checkboxes":
        if (!Array.isArray(value) || !value.every((v) => (element.options ?? []).some((o) => o.value === v)))
          problem("invalid_option");
        break;
      case "attachment":
        if (Array.isArray(value) && value.length > (element.max_files ?? 1))
          problem("too_many_files", { max: element.max_files ?? 1 });
        break;
    }
  }
  return problems;
}

/** The values as the engine takes them: numbers as numbers, blank optional fields left out. */
export function submission(form: FormSpec, values: Record<string, Value>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const element of fieldsOf(form)) {
    const value = values[element.name!];
    if (value === undefined || (typeof value === "string" && value.trim() === "") || (Array.isArray(value) && !value.length))
      continue;
    out[element.name!] = element.input === "number" ? Number(String(value).trim().replace(",", ".")) : value;
  }
  return out;
}

/** R11: whether a file of `name` and `type` is on an `accept` list (`.ext`, `type/sub`,
 * `type/*`); an empty list takes every type the engine takes. */
export function accepts(accept: string[] | undefined, name: string, type: string): boolean {
  if (!accept || accept.length === 0) return true;
  const lower = name.toLowerCase();
  const mime = type.toLowerCase();
  return accept.some((entry) => {
    const e = entry.toLowerCase();
    if (e.startsWith(".")) return lower.endsWith(e);
    if (e.endsWith("/*")) return mime.startsWith(e.slice(0, -1));
    return mime === e;
  });
}
