// The chat logs of the supervisor console (R85, R87): the search's query (and the CSV export's
// address), durations, and the routing trail as offers with their outcomes, unit-tested.
import { api } from '../shared/api';
import type { ChatEvent } from '../shared/protocol';

export const DISPOSITIONS = ['visitor_ended', 'agent_ended', 'timeout', 'offline', 'unmanaged', 'banned'] as const;

/** The search form as typed: times as `datetime-local` values, ids as option values. */
export interface LogFilters { from: string; to: string; website: string; queue: string; agent: string; disposition: string; q: string }
export const NO_FILTERS: LogFilters = { from: '', to: '', website: '', queue: '', agent: '', disposition: '', q: '' };

export interface LogAgent { agent_id: number; display_name: string }

export interface LogEntry {
  chat_id: number; website_key: string; queue_id: number; queue_name: string | null; agents: LogAgent[];
  visitor_name: string; visitor_email: string | null; state: string; disposition: string | null; wrap_up_reasons: string[];
  requested_at_ms: number; accepted_at_ms: number | null; ended_at_ms: number | null; duration_ms: number | null; message_count: number;
}

export interface Step { at_ms: number; step: string; detail: string; agent_id: number | null; agent_name: string | null }

export interface WrapUp { agent_name: string | null; reason_label: string | null; note: string | null; auto: boolean; done_at_ms: number | null }

export interface Note { note_id: number; author_name: string; text: string; at_ms: number }

export interface ChatLog {
  chat_id: number; website_key: string; queue_id: number; queue_name: string | null; state: string; disposition: string | null;
  visitor_name: string; visitor_email: string | null; agents: LogAgent[]; requested_at_ms: number; accepted_at_ms: number | null;
  ended_at_ms: number | null; duration_ms: number | null;
  visitor_details: { fields: Record<string, unknown>; language?: string | null; browser?: string | null; os?: string | null; page_url?: string | null };
  events: ChatEvent[]; wrap_ups: WrapUp[]; notes: Note[]; routing: Step[];
  left_message: { name: string; email: string | null; text: string; left_at_ms: number } | null;
}

/** A `datetime-local` value as ms since the epoch (the browser's time zone); `null` if empty
 *  or not a time. */
export function localTimeMs(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** The query string of a search (docs/protocol.md 4.40), empty filters left out. */
export function logQuery(filters: LogFilters, page: { limit?: number; before?: number | null } = {}): string {
  const params = new URLSearchParams();
  const from = localTimeMs(filters.from);
  const to = localTimeMs(filters.to);
  if (from !== null) params.set('from', String(from));
  if (to !== null) params.set('to', String(to));
  for (const name of ['website', 'queue', 'agent', 'disposition', 'q'] as const) {
    const value = filters[name].trim();
    if (value !== '') params.set(name, value);
  }
  if (page.limit) params.set('limit', String(page.limit));
  if (page.before) params.set('before', String(page.before));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The address of the CSV export of the same search. */
export const csvHref = (filters: LogFilters) => `/api/v1/chat-logs.csv${logQuery(filters)}`;

/** A duration as `m:ss`, or `h:mm:ss` from an hour on; empty when there is none. */
export function durationText(ms: number | null): string {
  if (ms === null || ms < 0) return '';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** What became of an offer (R87). */
export type Outcome = 'accepted' | 'rejected' | 'expired' | 'rona' | 'withdrawn' | 'refused' | 'open';

export interface TrailRow { at_ms: number; agent_name: string; step: string; outcome: Outcome | null; detail: string; outcome_at_ms: number | null }

const OUTCOMES = new Set(['accepted', 'rejected', 'expired', 'withdrawn', 'refused']);

/** R87: the routing trail as the supervisor reads it: each offer with its agent, time and
 *  outcome (the agent's next accepted / rejected / expired / withdrawn / refused step after
 *  it; `rona` for an expiry that put the agent in RONA; `open` while none followed); other
 *  steps (picked, redirected, hunt_ended) as rows of their own. */
export function offerTrail(steps: Step[]): TrailRow[] {
  const used = new Set<number>();
  const rows: TrailRow[] = [];
  steps.forEach((step, i) => {
    if (used.has(i)) return;
    if (step.step === 'offered') {
      const j = steps.findIndex((s, k) => k > i && !used.has(k) && s.agent_id === step.agent_id && OUTCOMES.has(s.step));
      const end = j >= 0 ? steps[j] : null;
      if (j >= 0) used.add(j);
      const outcome: Outcome = end === null ? 'open' : end.step === 'expired' && end.detail === 'rona' ? 'rona' : end.step as Outcome;
      rows.push({ at_ms: step.at_ms, agent_name: step.agent_name ?? '', step: 'offered', outcome, detail: end?.detail ?? '', outcome_at_ms: end?.at_ms ?? null });
    } else {
      rows.push({ at_ms: step.at_ms, agent_name: step.agent_name ?? '', step: step.step, outcome: null, detail: step.detail, outcome_at_ms: null });
    }
  });
  return rows;
}

export const searchLogs = (filters: LogFilters, page: { limit?: number; before?: number | null }) =>
  api<{ chats: LogEntry[]; next_before: number | null }>('GET', `/chat-logs${logQuery(filters, page)}`);
export const chatLog = (chatId: number) => api<ChatLog>('GET', `/chats/${chatId}/log`);
