// Translations: one catalogue per language (src/locales), English the reference and the
// fallback. The chosen language is kept in localStorage, so it survives a reload.
import { en, type Catalogue } from '../locales/en';
import { de } from '../locales/de';
import { nl } from '../locales/nl';
import { sv } from '../locales/sv';
import { cs } from '../locales/cs';

export const LANGUAGES: { code: string; name: string; catalogue: Partial<Catalogue> }[] = [
  { code: 'en', name: 'English', catalogue: en },
  { code: 'de', name: 'Deutsch', catalogue: de },
  { code: 'nl', name: 'Nederlands', catalogue: nl },
  { code: 'sv', name: 'Svenska', catalogue: sv },
  { code: 'cs', name: 'Čeština', catalogue: cs },
];

const STORAGE_KEY = 'parley.language';

function initialLanguage(): string {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored && LANGUAGES.some((l) => l.code === stored)) return stored;
  const browser = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return LANGUAGES.some((l) => l.code === browser) ? browser : 'en';
}

let current = initialLanguage();
let catalogue: Partial<Catalogue> = LANGUAGES.find((l) => l.code === current)!.catalogue;
document.documentElement.lang = current;

export function language(): string {
  return current;
}

export function setLanguage(code: string): void {
  const found = LANGUAGES.find((l) => l.code === code);
  if (!found) return;
  current = code;
  catalogue = found.catalogue;
  document.documentElement.lang = code;
  localStorage.setItem(STORAGE_KEY, code);
}

export type MessageKey = keyof Catalogue;

/** The text of `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = catalogue[key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Times as the agent's language writes them. */
export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString(current, { hour: '2-digit', minute: '2-digit' });
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(current, { dateStyle: 'short', timeStyle: 'short' });
}
