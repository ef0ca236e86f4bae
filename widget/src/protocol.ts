// The engine's visitor protocol (docs/protocol.md, sections 4.4 to 4.7, 4.16, 4.17, 4.24, 4.25,
// 4.34, 5.2 and 5.5) in one module, with no UI: REST calls, the website socket and the chat
// socket that reconnects with backoff and replays what it missed (R6). The widget's app and
// loader use it; a dashboard could read the same shapes.

export type Mode = "online" | "busy" | "offline";

export interface FormOption {
  value: string;
  label?: string;
}

export interface FormElement {
  type: "label" | "input" | "textarea" | "select" | "radio" | "checkboxes" | "agreement" | "attachment";
  text?: string;
  input?: "text" | "number" | "email";
  name?: string;
  label?: string;
  required?: boolean;
  max_length?: number;
  min?: number;
  max?: number;
  options?: FormOption[];
  accept?: string[];
  max_files?: number;
}

export interface FormSpec {
  elements: FormElement[];
}

export interface Appearance {
  launcher_label?: string;
  position?: "left" | "right";
  primary_color?: string;
  agent_color?: string;
  visitor_color?: string;
  background_color?: string;
  title_online?: string;
  title_offline?: string;
  sound?: boolean;
  proactive?: ProactiveRule[];
}

/** R61, A16: open or highlight the widget after some seconds on a matching page, or when the
 * visitor hovers over an element; each rule fires at most once per page view. */
export interface ProactiveRule {
  url_contains?: string;
  after_seconds?: number;
  hover_selector?: string;
  action?: "open" | "highlight";
}

export interface WebsiteConfig {
  key: string;
  name: string;
  mode: Mode;
  mode_reason: string;
  prechat_form: FormSpec | null;
  offline_form: FormSpec;
  appearance: Appearance;
  language?: string | null;
  max_message_chars: number;
  max_upload_bytes: number;
}

export interface Author {
  kind: "visitor" | "agent" | "system";
  id?: number;
  name?: string;
}

export interface Attachment {
  id: string;
  name: string;
  mime_type: string;
  size: number;
}

export interface ChatEvent {
  chat_id: number;
  seq: number;
  at_ms: number;
  author: Author;
  kind: string;
  text?: string;
  attachments?: Attachment[];
  agent_name?: string;
  to_agent_name?: string;
  queue_name?: string;
  prompt?: string;
  options?: { id: string; label: string }[];
  offer_seq?: number;
  choice?: { id: string; label: string };
  disposition?: string;
  ended_by?: Author;
  notice?: string;
  leave_message_until_ms?: number;
}

/** A frame from the engine on the chat socket (5.2). */
export interface Frame {
  type: string;
  [field: string]: unknown;
}

export interface FieldError {
  field: string;
  error: string;
  message?: string;
}

/** An error answer of the engine: its stable code (3.3) and, for forms, the bad fields. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly fields: FieldError[] = [],
  ) {
    super(code);
  }
}

export interface StoredChat {
  chat_id: number;
  token: string;
}

export class Engine {
  constructor(
    readonly base: string,
    readonly key: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new EngineError("network", 0);
    }
    const text = await response.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      throw new EngineError(json?.error ?? "unavailable", response.status, json?.fields ?? []);
    }
    return json as T;
  }

  websitePath(rest: string): string {
    return `/api/v1/websites/${encodeURIComponent(this.key)}/${rest}`;
  }

  startChat(body: Record<string, unknown>): Promise<{ chat_id: number; visitor_token: string }> {
    return this.call("POST", this.websitePath("chats"), body);
  }

  leaveOfflineMessage(body: Record<string, unknown>): Promise<unknown> {
    return this.call("POST", this.websitePath("offline-messages"), body);
  }

  /** Whether the engine still knows the chat and its token (an empty page of its events). */
  chatExists(chat: StoredChat): Promise<boolean> {
    return this.call("GET", `/api/v1/chats/${chat.chat_id}/events?after_seq=${Number.MAX_SAFE_INTEGER}`, undefined, chat.token).then(
      () => true,
      (e) => !(e instanceof EngineError && (e.status === 401 || e.status === 403)),
    );
  }

  endChat(chat: StoredChat): Promise<unknown> {
    return this.call("POST", `/api/v1/chats/${chat.chat_id}/end`, undefined, chat.token);
  }

  leaveMessage(chat: StoredChat, body: { name: string; email: string | null; text: string }): Promise<unknown> {
    return this.call("POST", `/api/v1/chats/${chat.chat_id}/left-message`, body, chat.token);
  }

  requestTranscript(chat: StoredChat, email: string): Promise<{ delivery: string }> {
    return this.call("POST", `/api/v1/chats/${chat.chat_id}/transcript`, { email }, chat.token);
  }

  attachmentUrl(chat: StoredChat, id: string): string {
    return `${this.base}/api/v1/chats/${chat.chat_id}/attachments/${encodeURIComponent(id)}?token=${chat.token}`;
  }

  /** Uploads one file with progress (fetch has none): a chat file (4.34) when `chat` is given,
   * else a form file (4.24) for the field `field` of the form `form`. */
  upload(
    file: File,
    target: { chat: StoredChat } | { form: "prechat" | "offline"; field: string },
    progress: (fraction: number) => void,
  ): Promise<any> {
    const url =
      "chat" in target
        ? `${this.base}/api/v1/chats/${target.chat.chat_id}/attachments?name=${encodeURIComponent(file.name)}`
        : `${this.base}${this.websitePath("uploads")}?form=${target.form}&field=${encodeURIComponent(target.field)}&filename=${encodeURIComponent(file.name)}`;
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      if ("chat" in target) xhr.setRequestHeader("authorization", `Bearer ${target.chat.token}`);
      xhr.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
      xhr.onload = () => {
        let json: any = null;
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          json = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(json);
        else reject(new EngineError(json?.error ?? "unavailable", xhr.status));
      };
      xhr.onerror = () => reject(new EngineError("network", 0));
      xhr.send(file);
    });
  }

  socketUrl(path: string): string {
    return this.base.replace(/^http/, "ws") + path;
  }
}

/** Waits `attempt`'s backoff: 0.5 s doubling to 10 s, with jitter so that many widgets of a
 * restarted engine do not all come back at the same instant. */
export function backoffMs(attempt: number): number {
  const ceiling = Math.min(10000, 500 * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Issue 10: the close code of an engine that stops gracefully (after its `server_closing`). */
export const SERVICE_RESTART = 1012;

/** How long to wait before reconnecting after a close: an engine that is stopping (1012) asked
 * for `reconnectAfterMs` (another instance or its restart takes over by then); the wait is not
 * a failure, so it comes with a little jitter only. Anything else backs off. */
export function reconnectDelayMs(closeCode: number, reconnectAfterMs: number, attempt: number): number {
  if (closeCode === SERVICE_RESTART) return reconnectAfterMs + Math.random() * 500;
  return backoffMs(attempt);
}

/** The chat socket (5.2): always connected while the chat goes on. After a drop it comes back
 * with backoff (at once when the browser is online again) and asks for the events after the
 * last one it saw, so nothing is lost and nothing repeats (R6). */
/** A live socket hears something (a `pong` at least) this often: the widget pings, because
 * browsers hide the engine's WebSocket pings from scripts. */
const PING_EVERY_MS = 20000;
/** Silence after which a socket counts as half-dead (mobile networks) and is replaced. */
const SILENCE_LIMIT_MS = 45000;

export class ChatSocket {
  private socket: WebSocket | null = null;
  private heardAt = Date.now();
  private pinger: ReturnType<typeof setInterval>;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Issue 10: what the engine's `server_closing` asked for (reset by every connection). */
  private reconnectAfterMs = 0;
  lastSeq = 0;

  constructor(
    private engine: Engine,
    private chat: StoredChat,
    private onFrame: (frame: Frame) => void,
    private onStatus: (connected: boolean) => void,
  ) {
    addEventListener("online", () => this.retryNow());
    this.pinger = setInterval(() => this.checkAlive(), PING_EVERY_MS);
    this.connect();
  }

  private checkAlive(): void {
    if (!this.connected) return;
    if (Date.now() - this.heardAt <= SILENCE_LIMIT_MS) {
      this.send({ type: "ping" });
      return;
    }
    // Its close handshake may never finish: let it go and open a new one at once.
    const dead = this.socket;
    this.socket = null;
    dead?.close();
    this.onStatus(false);
    this.connect();
  }

  private connect(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    const url = this.engine.socketUrl(
      `/api/v1/chats/${this.chat.chat_id}/ws?token=${this.chat.token}&after_seq=${this.lastSeq}`,
    );
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.reconnectAfterMs = 0;
      this.heardAt = Date.now();
      this.onStatus(true);
    };
    socket.onmessage = (message) => {
      this.heardAt = Date.now();
      let frame: Frame;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame.type === "server_closing") {
        // The engine stops; a 1012 close follows. Unsent messages stay in the outbox.
        this.reconnectAfterMs = Number(frame.reconnect_after_ms) || 0;
        return;
      }
      if (frame.type === "event") {
        const seq = Number(frame.seq);
        // A replay after a reconnect starts after lastSeq; anything older is a repeat.
        if (seq <= this.lastSeq) return;
        this.lastSeq = seq;
      }
      this.onFrame(frame);
    };
    socket.onclose = (e) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (e.reason === "chat_ended") this.closed = true;
      if (this.closed) return;
      this.onStatus(false);
      const delay = reconnectDelayMs(e.code, this.reconnectAfterMs, this.attempt);
      if (e.code !== SERVICE_RESTART) this.attempt++;
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  /** Reconnects at once (the browser says the network is back). */
  retryNow(): void {
    if (!this.closed && !this.socket) {
      this.attempt = 0;
      this.connect();
    }
  }

  /** Sends a command; false when the socket is down (the caller keeps it to send later). */
  send(command: Record<string, unknown>): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(command));
    return true;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.socket?.close();
    this.socket = null;
  }
}

/** 4.4: what the widget needs before it draws anything (a function, so the loader carries no
 * more of this module than it uses). */
export async function fetchConfig(base: string, key: string): Promise<WebsiteConfig> {
  const response = await fetch(`${base}/api/v1/websites/${encodeURIComponent(key)}/config`);
  if (!response.ok) {
    const json = await response.json().catch(() => null);
    throw new EngineError(json?.error ?? "unavailable", response.status);
  }
  return response.json();
}

/** The website socket (5.5): the widget's mode while no chat runs, pushed at every change. */
export function watchMode(base: string, key: string, onMode: (mode: Mode, reason: string) => void): () => void {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reconnectAfterMs = 0;
  const connect = () => {
    if (stopped) return;
    socket = new WebSocket(`${base.replace(/^http/, "ws")}/api/v1/websites/${encodeURIComponent(key)}/ws`);
    socket.onopen = () => {
      attempt = 0;
      reconnectAfterMs = 0;
    };
    socket.onmessage = (message) => {
      try {
        const frame = JSON.parse(String(message.data));
        if (frame.type === "website_mode") onMode(frame.mode, frame.reason);
        if (frame.type === "server_closing") reconnectAfterMs = Number(frame.reconnect_after_ms) || 0;
      } catch {
        // Not JSON: the engine never sends that; ignore it.
      }
    };
    socket.onclose = (e) => {
      if (stopped) return;
      timer = setTimeout(connect, reconnectDelayMs(e.code, reconnectAfterMs, attempt));
      if (e.code !== SERVICE_RESTART) attempt++;
    };
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
