// What the loader hands the chat app when it is loaded: the website's config, the widget's
// place in the page, and the loader's services (events, unread badge, open and close).

import type { Mode, WebsiteConfig } from "./protocol";
import type { LanguageCode } from "./i18n";

/** The JS API's events (R13). */
export type WidgetEvent = "opened" | "closed" | "session_created" | "session_started" | "session_ended";

export interface Host {
  base: string;
  key: string;
  /** R13: a conversation is restored only in a widget started with the same scope. */
  scope: string;
  config: WebsiteConfig;
  mode: Mode;
  modeReason: string;
  language: LanguageCode;
  shadow: ShadowRoot;
  /** The snippet's CSP nonce, for the app's styles. */
  nonce: string;
  /** The dialog the app draws into; the loader shows and hides it. */
  panel: HTMLElement;
  /** R52: the signed identity the page passed, if any. */
  identity: () => string | undefined;
  /** R14, R62: the console's preview: nothing is sent to the engine (no chat, no message). */
  preview: boolean;
  /** R37: an invitation code from the page's address (`?invitation=`), if any. */
  invitation: string | undefined;
  isOpen: () => boolean;
  open: () => void;
  close: () => void;
  emit: (event: WidgetEvent, detail?: Record<string, unknown>) => void;
  setUnread: (count: number) => void;
  /** A mode the chat socket told (5.2): the loader shows it as if its own socket had. */
  setMode: (mode: Mode, reason: string) => void;
  /** The website socket is needed only while no chat runs (the chat socket tells the mode
   * meanwhile): off when a chat starts, on again when it ends. */
  watchMode: (on: boolean) => void;
  /** Set by the app: told each change of the website's mode. */
  onMode?: (mode: Mode, reason: string) => void;
}

/** What the app gives back to the loader. */
export interface App {
  opened: () => void;
  closed: () => void;
}

/** Where the visitor's chat is kept, per website and scope, so a reload or another page of
 * the site restores it (R6, R13). */
export function chatStorageKey(key: string, scope: string): string {
  return `parley:${key}:${scope}:chat`;
}

declare global {
  interface Window {
    /** The loader's hook, called by the app's script once it has run. */
    __parleyMount?: (mount: (host: Host) => App) => void;
  }
}
