// The compose box: a message of at most the engine's length (R38), files with upload progress
// (R40), Enter to send and Shift+Enter for a new line, and typing start and stop (R38).

import { fill } from "../i18n";
import type { AppTexts } from "../i18n/en";
import { h, uid } from "./dom";
import { charCount } from "./validation";

export interface ComposerOptions {
  texts: AppTexts;
  maxChars: number;
  send: (text: string, attachments: string[]) => void;
  typing: (typing: boolean) => void;
  upload: (file: File, progress: (fraction: number) => void) => Promise<string>;
}

export class Composer {
  readonly element: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private files: HTMLElement;
  private error: HTMLElement;
  private ready: string[] = [];
  private uploading = 0;
  private typing = false;

  constructor(private options: ComposerOptions) {
    const t = options.texts;
    const errorId = uid("composer-error");
    this.input = h("textarea", {
      className: "compose",
      rows: 2,
      placeholder: t.messagePlaceholder,
      "aria-label": t.messageLabel,
      "aria-describedby": errorId,
    });
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => this.setTyping(this.input.value.trim() !== ""));
    const picker = h("input", { type: "file", multiple: true, className: "visually-hidden", tabindex: -1, "aria-hidden": "true" });
    picker.onchange = () => {
      for (const file of Array.from(picker.files ?? [])) this.attach(file);
      picker.value = "";
    };
    this.files = h("ul", { className: "files" });
    this.error = h("p", { className: "field-error", id: errorId, role: "alert", hidden: true });
    this.element = h(
      "form",
      { className: "composer", onsubmit: (e: Event) => (e.preventDefault(), this.submit()) },
      this.files,
      this.error,
      h(
        "div",
        { className: "compose-row" },
        this.input,
        h("button", { type: "button", className: "icon", "aria-label": t.attach, title: t.attach, onclick: () => picker.click() }, "📎"),
        h("button", { type: "submit", className: "primary" }, t.send),
        picker,
      ),
    );
  }

  private setTyping(typing: boolean): void {
    if (typing !== this.typing) {
      this.typing = typing;
      this.options.typing(typing);
    }
  }

  private showError(text: string): void {
    this.error.textContent = text;
    this.error.hidden = text === "";
  }

  attach(file: File): void {
    const t = this.options.texts;
    const progress = h("progress", { max: 1, value: 0, "aria-label": fill(t.uploading, { name: file.name }) });
    const item = h("li", {}, file.name, " ", progress);
    this.files.append(item);
    this.uploading++;
    this.options
      .upload(file, (f) => (progress.value = f))
      .then(
        (id) => {
          this.ready.push(id);
          progress.value = 1;
          item.dataset.id = id;
        },
        () => {
          item.remove();
          this.showError(fill(t.uploadFailed, { name: file.name }));
        },
      )
      .finally(() => this.uploading--);
  }

  submit(): void {
    const t = this.options.texts;
    const text = this.input.value;
    if (this.uploading > 0) return;
    if (text.trim() === "" && this.ready.length === 0) return;
    if (charCount(text) > this.options.maxChars) {
      this.showError(fill(t.tooLong, { max: this.options.maxChars }));
      return;
    }
    this.showError("");
    this.options.send(text.trim() === "" ? "" : text, this.ready.splice(0));
    this.files.textContent = "";
    this.input.value = "";
    this.setTyping(false);
    this.input.focus();
  }

  disable(): void {
    this.element.remove();
  }
}
