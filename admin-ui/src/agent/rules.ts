// Pure rules of the agent dashboard, kept apart from the DOM so they are easy to read and test.
import type { ChatEvent } from '../shared/protocol';

/** R38, R40: the engine's limits (`agent_hello.limits`); these defaults until it says. */
export interface Limits {
  max_message_chars: number;
  max_files_per_message: number;
  max_attachment_bytes: number;
}
export const DEFAULT_LIMITS: Limits = { max_message_chars: 1000, max_files_per_message: 5, max_attachment_bytes: 20 * 1024 * 1024 };

/** R38: the engine counts Unicode code points, not UTF-16 units (docs/protocol.md 1.2). */
export function characterCount(text: string): number {
  return [...text].length;
}

/** R47: `/dc` and `/disconnect` (any case) ask the engine for the disconnect confirmation. */
export function isSlashCommand(text: string): boolean {
  return text.trim().startsWith('/');
}

/** Whether a composed text may be sent: not blank (unless files go with it), within the limit. */
export function canSend(text: string, files: number, maxChars = DEFAULT_LIMITS.max_message_chars): boolean {
  const count = characterCount(text);
  return count <= maxChars && (text.trim().length > 0 || files > 0);
}

/** "20 MB", "512 KB": a size as agents read it. */
export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Events that count as unread when they arrive in a chat the agent is not looking at. */
export function isUnreadWorthy(event: ChatEvent, myId: number): boolean {
  if (event.kind === 'message' || event.kind === 'choice_picked') {
    return !(event.author.kind === 'agent' && event.author.id === myId);
  }
  return false;
}

/** "3:07" or "1:02:07": the time since `fromMs`. */
export function elapsed(fromMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - fromMs) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** Whole seconds left until `untilMs`, never negative. */
export function secondsLeft(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}

/** Predefined messages whose title contains the query, ignoring case and accents. */
export function matchesTitle(title: string, query: string): boolean {
  const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return fold(title).includes(fold(query.trim()));
}

/** The `resume` parameter of the agent socket: each held chat with the last `seq` it has. */
export function resumeParameter(chats: { chatId: number; lastSeq: number }[]): string {
  return chats.filter((c) => c.lastSeq > 0).map((c) => `${c.chatId}:${c.lastSeq}`).join(',');
}
