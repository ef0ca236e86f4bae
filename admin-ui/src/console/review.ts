// The review desk of the supervisor console (R81): offline messages and unmanaged or timed-out
// chats in one list, their REST shapes, and the pure rules (merging the two lists, a form's
// values as rows, the reply's checks), unit-tested.
import { api } from '../shared/api';
import type { ChatEvent } from '../shared/protocol';

export interface FileRef { upload_id: string; file_name: string; content_type: string; size_bytes: number }

export interface OfflineSummary {
  offline_message_id: number; website_key: string; state: 'open' | 'closed'; reason: string; disposition: string;
  visitor_name: string | null; visitor_email: string | null; created_at_ms: number; closed_at_ms: number | null; attachment_count: number;
}

export interface FormElement { type: string; name?: string; label?: string; text?: string; options?: { value: string; label?: string }[] }

export interface OfflineReply {
  reply_id: number; author_name: string; to_address: string; subject: string; body: string; created_at_ms: number; sent_at_ms: number | null;
}

export interface OfflineDetail extends OfflineSummary {
  closed_by: number | null;
  form: { elements: FormElement[] } | null;
  fields: Record<string, unknown>;
  attachments: FileRef[];
  visitor: Record<string, string | null>;
  replies: OfflineReply[];
}

export interface LeftMessage { name: string; email: string | null; text: string; left_at_ms: number }

export interface ChatReview {
  chat_id: number; queue_id: number; website_key: string; queue_name: string | null; kind: 'unmanaged' | 'timeout';
  status: 'open' | 'closed'; visitor_name: string; visitor_email: string | null; direct: boolean;
  requested_at_ms: number; accepted_at_ms: number | null; ended_at_ms: number | null; closed_at_ms: number | null;
  closed_by: number | null; left_message: LeftMessage | null;
}

export interface ChatReply { user_name: string; to: string; subject: string; body: string; sent_at_ms: number }

export interface ChatReviewDetail extends ChatReview {
  reason: string | null;
  visitor_details: { fields: Record<string, unknown>; language?: string | null; browser?: string | null; os?: string | null; page_url?: string | null };
  events: ChatEvent[];
  replies: ChatReply[];
}

/** One row of the desk's list: an offline message or a reviewed chat. */
export interface ReviewItem {
  key: string;
  source: 'offline' | 'chat';
  id: number;
  /** `offline`, `unmanaged` or `timeout`. */
  kind: string;
  website_key: string;
  visitor_name: string;
  visitor_email: string | null;
  at_ms: number;
  open: boolean;
}

/** R81: both lists as one, newest first (an offline message by when it was left, a chat by
 *  its end). */
export function mergeReviewItems(offline: OfflineSummary[], chats: ChatReview[]): ReviewItem[] {
  const items: ReviewItem[] = [
    ...offline.map((m) => ({
      key: `offline-${m.offline_message_id}`, source: 'offline' as const, id: m.offline_message_id, kind: 'offline',
      website_key: m.website_key, visitor_name: m.visitor_name ?? '', visitor_email: m.visitor_email,
      at_ms: m.created_at_ms, open: m.state === 'open',
    })),
    ...chats.map((c) => ({
      key: `chat-${c.chat_id}`, source: 'chat' as const, id: c.chat_id, kind: c.kind,
      website_key: c.website_key, visitor_name: c.visitor_name, visitor_email: c.visitor_email,
      at_ms: c.ended_at_ms ?? c.requested_at_ms, open: c.status === 'open',
    })),
  ];
  return items.sort((a, b) => b.at_ms - a.at_ms || a.key.localeCompare(b.key));
}

/** A form value as text: lists joined, files by name, an agreement as a tick. */
export function valueText(value: unknown, files: FileRef[] = []): string {
  if (value === null || value === undefined) return '';
  if (value === true) return '✓';
  if (value === false) return '✗';
  if (Array.isArray(value)) return value.map((v) => valueText(v, files)).join(', ');
  if (typeof value === 'object') {
    const ref = value as Partial<FileRef>;
    if (typeof ref.file_name === 'string') return ref.file_name;
    if (typeof ref.upload_id === 'string') return files.find((f) => f.upload_id === ref.upload_id)?.file_name ?? ref.upload_id;
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return files.find((f) => f.upload_id === value)?.file_name ?? value;
  return String(value);
}

/** The submitted values as rows in the form's order, with the form's labels (option values
 *  shown by their labels); values of fields no longer in the form follow by name. */
export function formRows(form: { elements: FormElement[] } | null, fields: Record<string, unknown>, files: FileRef[] = []): { name: string; label: string; value: string }[] {
  const rows: { name: string; label: string; value: string }[] = [];
  const seen = new Set<string>();
  for (const el of form?.elements ?? []) {
    if (!el.name || !(el.name in fields)) continue;
    seen.add(el.name);
    const raw = fields[el.name];
    const optionLabel = (v: unknown) => el.options?.find((o) => o.value === v)?.label ?? v;
    const shown = el.options ? (Array.isArray(raw) ? raw.map(optionLabel) : optionLabel(raw)) : raw;
    rows.push({ name: el.name, label: el.label ?? el.name, value: valueText(shown, files) });
  }
  for (const [name, value] of Object.entries(fields)) {
    if (!seen.has(name)) rows.push({ name, label: name, value: valueText(value, files) });
  }
  return rows;
}

/** The engine's rules for a reply (docs/protocol.md 4.19, 4.26): the message key of the first
 *  problem, or null when the reply may be sent. */
export function replyProblem(subject: string, body: string): 'review_subject_required' | 'review_subject_long' | 'review_body_required' | 'review_body_long' | null {
  const s = subject.trim();
  if (s === '' || /[\u0000-\u001f\u007f]/.test(s)) return 'review_subject_required';
  if ([...s].length > 200) return 'review_subject_long';
  if (body.trim() === '') return 'review_body_required';
  if ([...body.trim()].length > 10000) return 'review_body_long';
  return null;
}

/** A first subject for a reply. */
export const replySubject = (siteName: string) => `Re: ${siteName}`;

export interface ReviewFilter { website: string; state: 'open' | 'closed' }

const query = (params: Record<string, string>) => {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ''));
  const text = q.toString();
  return text ? `?${text}` : '';
};

/** The most entries of each kind the desk lists (the engine's page limit). */
export const REVIEW_PAGE = 200;

export const listOffline = (f: ReviewFilter) =>
  api<{ offline_messages: OfflineSummary[] }>('GET', `/review/offline-messages${query({ website: f.website, state: f.state, limit: String(REVIEW_PAGE) })}`);
export const listReviewChats = (f: ReviewFilter) =>
  api<{ chats: ChatReview[] }>('GET', `/review/chats${query({ website: f.website, status: f.state, limit: String(REVIEW_PAGE) })}`);
export const offlineDetail = (id: number) => api<OfflineDetail>('GET', `/review/offline-messages/${id}`);
export const chatDetail = (id: number) => api<ChatReviewDetail>('GET', `/review/chats/${id}`);
export const closeItem = (item: ReviewItem) =>
  api<unknown>('POST', item.source === 'offline' ? `/review/offline-messages/${item.id}/close` : `/review/chats/${item.id}/close`);
export const replyTo = (item: ReviewItem, subject: string, body: string) =>
  api<unknown>('POST', item.source === 'offline' ? `/review/offline-messages/${item.id}/reply` : `/review/chats/${item.id}/reply`, { subject, body });
export const offlineFileHref = (id: number, uploadId: string) =>
  `/api/v1/review/offline-messages/${id}/attachments/${encodeURIComponent(uploadId)}`;
