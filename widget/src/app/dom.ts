// Building DOM without HTML strings: every text goes in as a text node, so whatever a visitor
// or an agent wrote is shown as written and never run (A7).

type Attributes = Record<string, string | number | boolean | ((event: any) => void) | undefined | null>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") (element as any)[name] = value;
    else if (name === "className") element.className = String(value);
    else if (name === "value" || name === "checked" || name === "disabled") (element as any)[name] = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

let counter = 0;
/** A unique id inside the widget's shadow root (labels, descriptions). */
export function uid(prefix: string): string {
  return `${prefix}-${++counter}`;
}
