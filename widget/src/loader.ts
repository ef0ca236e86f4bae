// The snippet's script (R1): small, drawn without blocking the page, it shows the launcher
// and loads the chat app only when the visitor opens the widget (or has a chat to restore).
// Everything is drawn in a shadow root, so the page's styles do not reach it.

import { backoffMs, EngineError, fetchConfig, watchMode, type Mode, type ProactiveRule } from "./protocol";
import { chooseLanguage, fill, type LanguageCode } from "./i18n";
import { chatStorageKey, type App, type Host, type WidgetEvent } from "./host";
import * as en from "./i18n/en";
import * as de from "./i18n/de";
import * as nl from "./i18n/nl";
import * as sv from "./i18n/sv";
import * as cs from "./i18n/cs";

declare const __APP_VERSION__: string;

const LAUNCHER_TEXTS = { en: en.launcher, de: de.launcher, nl: nl.launcher, sv: sv.launcher, cs: cs.launcher };

type Listener = (detail: Record<string, unknown>) => void;

/** How often the loader asks for the website's config before it gives up. */
const CONFIG_ATTEMPTS = 3;

(() => {
  const found = document.currentScript as HTMLScriptElement | null;
  if (!found || (window as any).Parley?.version) return;
  const script = found;
  const source = new URL(script.src);
  const base = source.origin + source.pathname.replace(/\/widget\.js$/, "");
  const key = script.dataset.website ?? "";
  // R14, R62: the console's preview page takes the unsaved config from the console (its
  // parent, same origin) and never starts a chat.
  const preview = script.dataset.preview === "console";
  const scope = preview ? "console-preview" : (script.dataset.scope ?? "");
  let identity = script.dataset.identity;
  const listeners: Record<string, Listener[]> = {};
  const pending: (() => void)[] = [];
  let host: Host | undefined;
  let app: App | undefined;
  let appLoading: Promise<App> | undefined;
  let open = false;
  const openKey = `parley:${key}:${scope}:open`;

  const emit = (event: WidgetEvent, detail: Record<string, unknown> = {}) => {
    for (const listener of listeners[event] ?? []) {
      try {
        listener(detail);
      } catch (e) {
        console.error(e);
      }
    }
    dispatchEvent(new CustomEvent(`parley:${event}`, { detail }));
  };
  const whenReady = (action: () => void) => (host ? action() : pending.push(action));

  // R13: the page's handle on the widget.
  (window as any).Parley = {
    version: 1,
    open: () => whenReady(() => openWidget()),
    close: () => whenReady(() => closeWidget()),
    toggle: () => whenReady(() => (open ? closeWidget() : openWidget())),
    isOpen: () => open,
    on(event: WidgetEvent, listener: Listener) {
      (listeners[event] ??= []).push(listener);
    },
    off(event: WidgetEvent, listener: Listener) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
    },
    /** R52: the signed identity (`payload.signature`) the website's backend made. */
    identify(token: string) {
      identity = token;
    },
  };

  function loadApp(): Promise<App> {
    appLoading ??= new Promise<App>((resolve, reject) => {
      window.__parleyMount = (mount) => {
        app = mount(host!);
        resolve(app);
      };
      const tag = document.createElement("script");
      tag.src = `${base}/widget-app.js?v=${__APP_VERSION__}`;
      // A page whose Content-Security-Policy allows scripts by nonce lets the app in too.
      tag.nonce = script.nonce;
      tag.async = true;
      tag.onerror = () => {
        appLoading = undefined;
        reject(new Error("the chat app did not load"));
      };
      document.head.appendChild(tag);
    });
    return appLoading;
  }

  let launcher: HTMLButtonElement;
  let label: HTMLElement;
  let badge: HTMLElement;
  let texts = en.launcher;
  let unread = 0;
  const pageTitle = document.title;

  function openWidget() {
    if (open || !host) return;
    open = true;
    sessionStorage.setItem(openKey, "1");
    host.panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    launcher.classList.remove("highlight");
    loadApp().then((a) => open && a.opened(), (e) => console.warn("Parley:", e.message));
    emit("opened");
  }

  function closeWidget() {
    if (!open || !host) return;
    open = false;
    sessionStorage.removeItem(openKey);
    host.panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    app?.closed();
    // The focus was in the window (a keyboard user closed it): it goes back to the launcher.
    // A page that closes the widget from its own script keeps its focus.
    if (host.shadow.activeElement) launcher.focus();
    emit("closed");
  }

  function showMode(mode: Mode) {
    label.textContent =
      mode === "offline"
        ? host!.config.appearance.title_offline || texts.offline
        : host!.config.appearance.launcher_label || texts.open;
  }

  let stopWatching: (() => void) | undefined;
  function setMode(mode: Mode, reason: string) {
    host!.mode = mode;
    host!.modeReason = reason;
    showMode(mode);
    host!.onMode?.(mode, reason);
  }

  function setUnread(count: number) {
    unread = count;
    badge.textContent = count > 0 ? String(count) : "";
    badge.hidden = count === 0;
    launcher.setAttribute("aria-description", count > 0 ? fill(texts.unread, { n: count }) : "");
    updateTitle();
  }

  // The page title tells of new messages while the widget is closed or the tab hidden.
  function updateTitle() {
    document.title = unread > 0 && (!open || document.hidden) ? `${fill(texts.titleNotice, { n: unread })} ${pageTitle}` : pageTitle;
  }
  document.addEventListener("visibilitychange", updateTitle);

  function draw(config: Host["config"], language: LanguageCode) {
    const look = config.appearance ?? {};
    const element = document.createElement("div");
    element.id = `parley-widget-${key}`;
    const shadow = element.attachShadow({ mode: "open" });
    const side = look.position === "left" ? "left" : "right";
    const colour = /^#[0-9a-f]{3,8}$/i.test(look.primary_color ?? "") ? look.primary_color : "#1f5fcc";
    const style = document.createElement("style");
    style.nonce = script.nonce;
    style.textContent =
      `:host{all:initial;--parley-primary:${colour};font:15px/1.4 system-ui,sans-serif;color:#1a1a1a}` +
      `.launcher{position:fixed;bottom:20px;${side}:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;` +
      `border:0;border-radius:24px;padding:12px 18px;background:var(--parley-primary);color:#fff;font:inherit;font-weight:600;` +
      `cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}` +
      `.launcher:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}` +
      `.launcher.highlight{animation:pulse 1s ease-in-out 3}` +
      `@keyframes pulse{50%{transform:scale(1.08)}}` +
      `@media (prefers-reduced-motion:reduce){.launcher.highlight{animation:none;outline:3px solid #b00020}}` +
      `.badge{background:#b00020;color:#fff;border-radius:10px;padding:0 7px;font-size:13px}` +
      `.panel{position:fixed;bottom:84px;${side}:20px;z-index:2147483000;width:min(370px,calc(100vw - 40px));` +
      `height:min(580px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;border-radius:12px;` +
      `box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}` +
      `[hidden]{display:none!important}`;
    launcher = document.createElement("button");
    launcher.className = "launcher";
    launcher.type = "button";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "panel");
    label = document.createElement("span");
    badge = document.createElement("span");
    badge.className = "badge";
    badge.hidden = true;
    launcher.append(label, badge);
    launcher.onclick = () => (open ? closeWidget() : openWidget());
    const panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "panel";
    panel.hidden = true;
    shadow.append(style, panel, launcher);
    document.body.appendChild(element);

    const params = new URLSearchParams(location.search);
    host = {
      base,
      key,
      scope,
      config,
      mode: config.mode,
      modeReason: config.mode_reason,
      language,
      shadow,
      panel,
      identity: () => identity,
      invitation: preview ? undefined : (params.get("invitation") ?? undefined),
      preview,
      isOpen: () => open,
      open: openWidget,
      close: closeWidget,
      emit,
      setUnread,
      setMode,
      nonce: script.nonce,
      watchMode: (on) => {
        if (on && !stopWatching) stopWatching = watchMode(base, key, setMode);
        else if (!on && stopWatching) {
          stopWatching();
          stopWatching = undefined;
        }
      },
    };
    showMode(config.mode);
  }

  function proactive(rules: ProactiveRule[]) {
    for (const rule of rules) {
      if (rule.url_contains && !location.href.includes(rule.url_contains)) continue;
      let fired = false;
      const fire = () => {
        if (fired || open) return;
        fired = true;
        if (rule.action === "highlight") launcher.classList.add("highlight");
        else openWidget();
      };
      if (rule.hover_selector) {
        const listener = (e: Event) => {
          let hovered = false;
          try {
            hovered = !!(e.target as Element)?.closest?.(rule.hover_selector!);
          } catch {
            // A selector this browser cannot parse never matches (R61).
            removeEventListener("mouseover", listener);
          }
          if (hovered) {
            removeEventListener("mouseover", listener);
            fire();
          }
        };
        addEventListener("mouseover", listener);
      }
      if (rule.after_seconds !== undefined) setTimeout(fire, rule.after_seconds * 1000);
    }
  }

  // A network failure is tried again a few times with backoff (a page can load while the
  // engine restarts); a refusal (a foreign origin, an unknown key) is final.
  const load = (attempt: number): Promise<Host["config"]> =>
    fetchConfig(base, key).catch((e) =>
      e instanceof EngineError || attempt >= CONFIG_ATTEMPTS
        ? Promise.reject(e)
        : new Promise((resolve) => setTimeout(resolve, backoffMs(attempt))).then(() => load(attempt + 1)),
    );
  const fromConsole = (): Promise<Host["config"]> =>
    new Promise((resolve) => {
      addEventListener("message", (e) => {
        if (e.origin === location.origin && e.source === parent && e.data?.type === "parley-preview") resolve(e.data.config);
      });
      parent.postMessage({ type: "parley-preview-ready" }, location.origin);
    });
  (preview ? fromConsole() : load(0)).then(
    (config) => {
      const language = chooseLanguage([script.dataset.language, config.language, ...navigator.languages]);
      texts = LAUNCHER_TEXTS[language];
      const start = () => {
        draw(config, language);
        if (preview) return openWidget();
        host!.watchMode(true);
        pending.splice(0).forEach((action) => action());
        // R6: a chat in progress comes back on every page, the window as the visitor left it.
        const restoring = localStorage.getItem(chatStorageKey(key, scope)) !== null;
        if (sessionStorage.getItem(openKey) || host!.invitation) openWidget();
        else if (restoring) loadApp().catch((e) => console.warn("Parley:", e.message));
        proactive(config.appearance?.proactive ?? []);
      };
      if (document.body) start();
      else addEventListener("DOMContentLoaded", start);
    },
    (e) => console.warn(`Parley: the widget of website "${key}" is not shown here (${e.code ?? e.message}).`),
  );
})();
