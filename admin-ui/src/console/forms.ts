// The forms builder of the supervisor console (R62, R63, R64, R74): a website's pre-chat and
// offline forms as lists of the eight element types, each element's mapping to a contact field
// or a routing variable, the offline options, and the config the widget preview draws. Pure
// rules, unit-tested in forms.test.ts; the REST shapes are docs/protocol.md 4.21 to 4.23.
import { api } from '../shared/api';

export type ElementType = 'label' | 'input' | 'select' | 'textarea' | 'radio' | 'checkboxes' | 'agreement' | 'attachment';
export const ELEMENT_TYPES: ElementType[] = ['label', 'input', 'select', 'textarea', 'radio', 'checkboxes', 'agreement', 'attachment'];
export type InputKind = 'text' | 'number' | 'email';
export const INPUT_KINDS: InputKind[] = ['text', 'number', 'email'];

export interface Choice { value: string; label?: string }

/** One element as the engine takes it (docs/protocol.md, "Form definition"). */
export interface ElementSpec {
  type: ElementType;
  text?: string;
  name?: string;
  label?: string;
  required?: boolean;
  input?: InputKind;
  max_length?: number;
  min?: number;
  max?: number;
  options?: Choice[];
  accept?: string[];
  max_files?: number;
}

export interface FormSpec { elements: ElementSpec[] }

export interface Forms { prechat_form: FormSpec | null; offline_form: FormSpec | null; effective_offline_form: FormSpec }

/** R65: the contact mapping as the engine keeps it (4.23). */
export interface ContactMapping {
  list: string;
  match_key: 'email' | 'phone';
  name: string | null;
  email: string | null;
  phone: string | null;
  custom: Record<string, string>;
}

export interface OfflineOptions {
  language: string | null;
  forward_to: string | null;
  open_interaction: { mailbox: string; subject_field: string | null } | null;
}

/** The properties each element type takes; anything else is dropped before saving (the
 *  engine refuses unknown fields). */
const PROPS: Record<ElementType, (keyof ElementSpec)[]> = {
  label: ['text'],
  input: ['name', 'label', 'required', 'input', 'max_length', 'min', 'max'],
  textarea: ['name', 'label', 'required', 'max_length'],
  select: ['name', 'label', 'required', 'options'],
  radio: ['name', 'label', 'required', 'options'],
  checkboxes: ['name', 'label', 'required', 'options'],
  agreement: ['name', 'label'],
  attachment: ['name', 'label', 'required', 'accept', 'max_files'],
};

/** Whether an element takes a value (every type but the label). */
export const isField = (e: ElementSpec) => e.type !== 'label';
export const hasOptions = (e: ElementSpec) => e.type === 'select' || e.type === 'radio' || e.type === 'checkboxes';

/** A new element of `type`, with a field name no other element of the form has. */
export function newElement(type: ElementType, existing: ElementSpec[]): ElementSpec {
  if (type === 'label') return { type, text: 'Text' };
  const taken = new Set(existing.map((e) => e.name));
  let n = existing.length + 1;
  while (taken.has(`field${n}`)) n++;
  const base: ElementSpec = { type, name: `field${n}`, label: type === 'agreement' ? 'I agree' : 'Field' };
  if (type === 'input') return { ...base, input: 'text', required: false };
  if (hasOptions(base)) return { ...base, required: false, options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }] };
  if (type === 'agreement') return base;
  return { ...base, required: false };
}

/** R62: the list with the element at `index` moved one place up (-1) or down (+1). */
export function moveElement<T>(list: T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (index < 0 || index >= list.length || target < 0 || target >= list.length) return list;
  const moved = [...list];
  [moved[index], moved[target]] = [moved[target], moved[index]];
  return moved;
}

/** The element as the engine takes it: only its type's properties, empty limits left out, a
 *  number input's limits kept only for numbers, a text input's length only for text. */
export function cleanElement(e: ElementSpec): ElementSpec {
  const out: ElementSpec = { type: e.type };
  for (const key of PROPS[e.type]) {
    const value = e[key];
    if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) continue;
    if (e.type === 'input' && (key === 'min' || key === 'max') && e.input !== 'number') continue;
    if (e.type === 'input' && key === 'max_length' && e.input !== 'text') continue;
    (out as unknown as Record<string, unknown>)[key] = key === 'options'
      ? (value as Choice[]).map((c) => (c.label && c.label !== c.value ? { value: c.value, label: c.label } : { value: c.value }))
      : value;
  }
  return out;
}

/** The body of `PUT /websites/{key}/forms` (R62, R74): a form switched off is `null` (the
 *  name-only start, the default offline form). */
export function formsBody(prechat: ElementSpec[] | null, offline: ElementSpec[] | null) {
  const form = (list: ElementSpec[] | null) => (list === null ? null : { elements: list.map(cleanElement) });
  return { prechat_form: form(prechat), offline_form: form(offline) };
}

/** The element (0-based) an engine error names ("element 3: …" is the third); null if none. */
export function elementOfError(message: string): number | null {
  const found = /^element (\d+):/.exec(message);
  return found ? Number(found[1]) - 1 : null;
}

/** R63: where a field's value goes: a contact field, or (not mapped) a routing variable. */
export type Target = 'variable' | 'name' | 'email' | 'phone' | `custom:${string}`;

export function targetOf(mapping: ContactMapping, field: string): Target {
  if (mapping.name === field) return 'name';
  if (mapping.email === field) return 'email';
  if (mapping.phone === field) return 'phone';
  const custom = Object.entries(mapping.custom).find(([, f]) => f === field);
  return custom ? `custom:${custom[0]}` : 'variable';
}

/** R63, R65: the mapping with `field` going to `target` only (a contact field takes one form
 *  field: whatever it took before is let go). */
export function withTarget(mapping: ContactMapping, field: string, target: Target): ContactMapping {
  const next: ContactMapping = { ...mapping, custom: { ...mapping.custom } };
  for (const key of ['name', 'email', 'phone'] as const) if (next[key] === field) next[key] = null;
  for (const [key, f] of Object.entries(next.custom)) if (f === field) delete next.custom[key];
  if (target === 'name' || target === 'email' || target === 'phone') next[target] = field;
  else if (target.startsWith('custom:')) next.custom[target.slice('custom:'.length)] = field;
  return next;
}

/** The mapping with fields no form has any more let go (the engine refuses them, 4.23). */
export function prunedMapping(mapping: ContactMapping, names: Set<string>): ContactMapping {
  const keep = (f: string | null) => (f !== null && names.has(f) ? f : null);
  return {
    ...mapping,
    name: keep(mapping.name),
    email: keep(mapping.email),
    phone: keep(mapping.phone),
    custom: Object.fromEntries(Object.entries(mapping.custom).filter(([, f]) => names.has(f))),
  };
}

/** The field names of the forms as they will be saved. */
export function fieldNames(...forms: (ElementSpec[] | null)[]): Set<string> {
  return new Set(forms.flatMap((f) => f ?? []).filter(isField).map((e) => e.name ?? '').filter((n) => n !== ''));
}

/** R64: the fields of the offline form whose value is one text, fit for a mail subject (as
 *  the engine's `gives_text` decides). */
export function subjectFields(offline: ElementSpec[]): ElementSpec[] {
  return offline.filter((e) => e.type === 'input' || e.type === 'textarea' || e.type === 'select' || e.type === 'radio');
}

/** R64: the offline options' body; blank addresses mean the option is off. */
export function offlineOptionsBody(language: string | null, forward: string, mailbox: string, subject: string): OfflineOptions {
  return {
    language,
    forward_to: forward.trim() === '' ? null : forward.trim(),
    open_interaction: mailbox.trim() === '' ? null : { mailbox: mailbox.trim(), subject_field: subject === '' ? null : subject },
  };
}

/** What the widget preview draws (the website config of 4.4, unsaved). */
export interface PreviewConfig {
  key: string;
  name: string;
  mode: 'online' | 'offline';
  mode_reason: string;
  prechat_form: FormSpec | null;
  offline_form: FormSpec;
  appearance: Record<string, unknown>;
  language: string | null;
  max_message_chars: number;
  max_upload_bytes: number;
}

/** R77: the offline form of a website that has none of its own. */
export const DEFAULT_OFFLINE: ElementSpec[] = [
  { type: 'input', input: 'text', name: 'name', label: 'Name', required: true },
  { type: 'input', input: 'email', name: 'email', label: 'E-mail', required: true },
  { type: 'textarea', name: 'message', label: 'Message', required: true },
];

export function previewConfig(o: {
  key: string; name: string; offline: boolean; appearance: Record<string, unknown>; language: string | null;
  prechat: ElementSpec[] | null; offlineForm: ElementSpec[] | null;
}): PreviewConfig {
  const body = formsBody(o.prechat, o.offlineForm);
  return {
    key: o.key,
    name: o.name,
    mode: o.offline ? 'offline' : 'online',
    mode_reason: o.offline ? 'outside_working_hours' : 'agent_available',
    prechat_form: body.prechat_form,
    offline_form: body.offline_form ?? { elements: DEFAULT_OFFLINE },
    appearance: o.appearance,
    language: o.language,
    max_message_chars: 1000,
    max_upload_bytes: 10 * 1024 * 1024,
  };
}

const site = (key: string) => `/websites/${encodeURIComponent(key)}`;
export const loadForms = (key: string) => api<Forms>('GET', `${site(key)}/forms`);
export const saveForms = (key: string, body: ReturnType<typeof formsBody>) => api<Forms>('PUT', `${site(key)}/forms`, body);
export const loadMapping = (key: string) => api<ContactMapping>('GET', `${site(key)}/contact-mapping`);
export const saveMapping = (key: string, mapping: ContactMapping) => api<ContactMapping>('PUT', `${site(key)}/contact-mapping`, mapping);
export const loadOfflineOptions = (key: string) => api<OfflineOptions>('GET', `${site(key)}/offline-options`);
export const saveOfflineOptions = (key: string, options: OfflineOptions) => api<OfflineOptions>('PUT', `${site(key)}/offline-options`, options);
