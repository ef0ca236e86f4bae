// The live socket of the admin app (5.3): one per tab, reconnected silently with `resume` so no
// chat event is lost, and with an outbox that re-sends unacknowledged messages under their
// `client_key` (6.3), so a message typed during a reconnect is delivered exactly once.
import type { ServerFrame } from './protocol';

export type Connection = 'connecting' | 'online' | 'reconnecting' | 'signed_out';

export interface SocketHooks {
  /** `chat_id:seq` pairs of the chats whose events the client already has. */
  resume(): string;
  frame(frame: ServerFrame): void;
  connection(state: Connection): void;
}

/** Retry delays after a dropped socket: quick at first, then every ten seconds. */
const RETRY_MS = [250, 1000, 2000, 5000, 10000];
/** Issue 10: the close code of an engine that stops gracefully (after its `server_closing`). */
export const SERVICE_RESTART = 1012;

/** How long to wait before reconnecting: after a graceful stop (1012), the time the engine
 * asked for with a little jitter (not a failure); else the retry delay of the attempt. */
export function reconnectDelayMs(closeCode: number, reconnectAfterMs: number, attempts: number): number {
  if (closeCode === SERVICE_RESTART) return reconnectAfterMs + Math.random() * 500;
  return RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)];
}
/** Keeps the socket alive through proxies; the engine closes sockets silent for 30 s. */
const PING_MS = 15000;

export class LiveSocket {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private stopped = false;
  private ping: number | undefined;
  /** Issue 10: what the engine's `server_closing` asked for (reset by every connection). */
  private reconnectAfterMs = 0;
  private outbox = new Map<string, Record<string, unknown>>();
  private nextKey = 1;
  private readonly keyPrefix = Math.random().toString(36).slice(2, 10);

  constructor(private path: string, private hooks: SocketHooks) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    window.clearInterval(this.ping);
    this.socket?.close(1000, 'bye');
    this.socket = null;
  }

  /** Sends a command now if the socket is open; commands are not queued (but messages are). */
  send(command: Record<string, unknown>): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(command));
    return true;
  }

  /** Sends a command that carries a `client_key`, and again after each reconnect until acked. */
  sendKeyed(command: Record<string, unknown>): string {
    const key = `${this.keyPrefix}-${this.nextKey++}`;
    const keyed = { ...command, client_key: key };
    this.outbox.set(key, keyed);
    this.send(keyed);
    return key;
  }

  /** The engine stored (`ack`) or refused (`error` with the key) a keyed command. */
  settle(clientKey: string): void {
    this.outbox.delete(clientKey);
  }

  private open(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const resume = this.hooks.resume();
    const query = resume ? `?resume=${encodeURIComponent(resume)}` : '';
    this.hooks.connection(this.attempts === 0 ? 'connecting' : 'reconnecting');
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}${this.path}${query}`);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.reconnectAfterMs = 0;
      this.hooks.connection('online');
      for (const command of this.outbox.values()) socket.send(JSON.stringify(command));
      window.clearInterval(this.ping);
      this.ping = window.setInterval(() => this.send({ type: 'ping' }), PING_MS);
    };
    socket.onmessage = (message) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      // Issue 10: the engine stops, and a 1012 close follows. A command it refused meanwhile
      // stays in the outbox and goes again, with its key, after the reconnect: neither is news
      // for the dashboard.
      if (frame.type === 'server_closing') {
        this.reconnectAfterMs = Number(frame.reconnect_after_ms) || 0;
        return;
      }
      if (frame.type === 'error' && frame.error === 'server_closing') return;
      if (frame.type === 'ack' && typeof frame.client_key === 'string') this.settle(frame.client_key);
      this.hooks.frame(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      window.clearInterval(this.ping);
      this.socket = null;
      if (this.stopped) return;
      // 1000 logged_out, 1000 account_deactivated (R71) and 1008 session_expired: the session
      // is over; reconnecting cannot help.
      if (['logged_out', 'account_deactivated', 'session_expired'].includes(event.reason)) {
        this.hooks.connection('signed_out');
        return;
      }
      this.retry(event.code);
    };
  }

  private retry(closeCode = 0): void {
    const delay = reconnectDelayMs(closeCode, this.reconnectAfterMs, this.attempts);
    if (closeCode !== SERVICE_RESTART) this.attempts += 1;
    this.hooks.connection('reconnecting');
    window.setTimeout(() => { if (!this.stopped) this.open(); }, delay);
  }
}
