// Chooses the widget's language (R12) and fills in message texts.

/** The languages the widget has catalogues for. */
export const LANGUAGES = ["en", "de", "nl", "sv", "cs"] as const;
export type LanguageCode = (typeof LANGUAGES)[number];

/** The first of `wishes` (BCP 47 tags, in order of preference) that has a catalogue, by its
 * primary subtag; English when none has. */
export function chooseLanguage(wishes: (string | null | undefined)[]): LanguageCode {
  for (const wish of wishes) {
    const primary = (wish ?? "").toLowerCase().split(/[-_]/)[0];
    const found = LANGUAGES.find((code) => code === primary);
    if (found) return found;
  }
  return "en";
}

/** `template` with each `{name}` replaced by its value. */
export function fill(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
