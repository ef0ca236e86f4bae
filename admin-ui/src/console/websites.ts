// The websites of the supervisor console (R1, R2, R14, R57-R59): their REST shapes and the pure
// rules of the editor (a draft from a website, a body from a draft, the snippet), unit-tested.
import { api } from '../shared/api';

export type Day = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface Range { days: Day[]; start: string; end: string }
export interface ScheduleForm { always_open?: boolean; time_zone?: string; ranges?: Range[] }

export interface Website {
  id: number;
  key: string;
  name: string;
  description: string;
  allowed_domains: string[];
  queue_id: number;
  time_zone: string;
  working_hours: ScheduleForm;
  max_concurrent_sessions: number;
  language: string | null;
  appearance: Record<string, unknown>;
  created_at_ms: number;
}

export interface Queue { queue_id: number; name: string; offer_timeout_ms: number; hunt_timeout_ms: number; rona_enabled: boolean }

/** What the editor holds: texts as typed, until saved. */
export interface Draft {
  key: string;
  name: string;
  description: string;
  domains: string;
  queue_id: number;
  always: boolean;
  time_zone: string;
  ranges: Range[];
  max_sessions: string;
  language: string;
  appearance: Record<string, unknown>;
}

export const DEFAULT_APPEARANCE = {
  title_online: 'Chat with us',
  title_offline: 'Leave us a message',
  launcher_label: 'Chat',
  position: 'right',
  primary_color: '#1f6feb',
};

export function newDraft(queueId: number): Draft {
  return {
    key: '', name: '', description: '', domains: '', queue_id: queueId, always: true,
    time_zone: 'UTC', ranges: [], max_sessions: '0', language: '', appearance: { ...DEFAULT_APPEARANCE },
  };
}

export function draftOf(website: Website): Draft {
  const ranges = website.working_hours.ranges ?? [];
  return {
    key: website.key,
    name: website.name,
    description: website.description,
    domains: website.allowed_domains.join('\n'),
    queue_id: website.queue_id,
    always: ranges.length === 0,
    time_zone: website.working_hours.time_zone ?? website.time_zone,
    ranges: ranges.map((r) => ({ ...r, days: [...r.days] })),
    max_sessions: String(website.max_concurrent_sessions),
    language: website.language ?? '',
    appearance: { ...website.appearance },
  };
}

/** The body of `PUT /websites/{key}` (and, with the key, of `POST /websites`). */
export function bodyOf(draft: Draft): Record<string, unknown> {
  const sessions = draft.max_sessions.trim() === '' ? 0 : Number(draft.max_sessions);
  return {
    name: draft.name,
    description: draft.description,
    allowed_domains: draft.domains.split(/[\s,]+/).map((d) => d.trim()).filter((d) => d !== ''),
    queue_id: draft.queue_id,
    time_zone: draft.time_zone,
    working_hours: draft.always ? { always_open: true } : { time_zone: draft.time_zone, ranges: draft.ranges },
    max_concurrent_sessions: Number.isFinite(sessions) ? sessions : -1,
    language: draft.language.trim() === '' ? null : draft.language.trim(),
    appearance: draft.appearance,
  };
}

/** The embed code a web developer pastes into the website's pages, for this engine (R1): the
 *  loader reads the key from `data-website` (widget/src/loader.ts). */
export function snippetOf(origin: string, key: string): string {
  return `<script src="${origin}/widget.js" data-website="${key}" async></script>`;
}

export const listWebsites = () => api<{ websites: Website[] }>('GET', '/websites');
export const listQueues = () => api<{ queues: Queue[] }>('GET', '/queues');
export const createWebsite = (draft: Draft) => api<Website>('POST', '/websites', { key: draft.key.trim(), ...bodyOf(draft) });
export const saveWebsite = (key: string, draft: Draft) => api<Website>('PUT', `/websites/${encodeURIComponent(key)}`, bodyOf(draft));

/** R61: an automatic action of the widget (widget/src/protocol.ts `ProactiveRule`). */
export interface ProactiveRule { url_contains?: string; after_seconds?: number; hover_selector?: string; action?: 'open' | 'highlight' }

/** R61: the rules kept in the appearance. */
export function proactiveRulesOf(appearance: Record<string, unknown>): ProactiveRule[] {
  return Array.isArray(appearance.proactive) ? (appearance.proactive as ProactiveRule[]) : [];
}

/** R61: the appearance with these rules (none: the key is left out). */
export function withProactiveRules(appearance: Record<string, unknown>, rules: ProactiveRule[]): Record<string, unknown> {
  const { proactive: _old, ...rest } = appearance;
  return rules.length === 0 ? rest : { ...rest, proactive: rules };
}

/** R61: what is wrong with a rule before it is sent, as a catalogue key; null when fine. The
 *  selector is checked by the browser's own CSS parser, as the widget will use it. */
export function proactiveProblem(rule: ProactiveRule, isSelector: (s: string) => boolean): 'site_rule_never' | 'site_rule_seconds' | 'site_rule_selector' | null {
  const selector = rule.hover_selector?.trim() ?? '';
  if (rule.after_seconds === undefined && selector === '') return 'site_rule_never';
  if (rule.after_seconds !== undefined && !(Number.isInteger(rule.after_seconds) && rule.after_seconds >= 0 && rule.after_seconds <= 3600)) return 'site_rule_seconds';
  if (selector !== '' && !isSelector(selector)) return 'site_rule_selector';
  return null;
}

/** R31, R76, R78: what a website does when nobody can or does take a chat (4.39). */
export interface Unmanaged { unmanaged_message: string | null; leave_message: boolean; unmanaged_autoclose_ms: number; no_agent_mode: 'busy' | 'offline' }

export const loadUnmanaged = (key: string) => api<Unmanaged>('GET', `/websites/${encodeURIComponent(key)}/unmanaged`);
export const saveUnmanaged = (key: string, body: Unmanaged) => api<Unmanaged>('PUT', `/websites/${encodeURIComponent(key)}/unmanaged`, body);
export const deleteWebsite = (key: string) => api<void>('DELETE', `/websites/${encodeURIComponent(key)}`);
