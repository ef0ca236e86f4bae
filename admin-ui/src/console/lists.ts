// The lists of the supervisor console (R68, R69, R72): predefined messages with their scope,
// wrap-up and away reasons, and the global settings; their REST shapes and the pure rules
// (a message's scope, a reason moved up or down, who may edit what), unit-tested.
import { api } from '../shared/api';
import type { User } from '../shared/api';

export interface Predefined { id: number; title: string; body: string; queue_id: number | null; agent_id: number | null; updated_at_ms: number }

/** R68: a predefined message is for everyone, the members of one queue, or one agent. */
export type Scope = { kind: 'all' } | { kind: 'queue'; queue_id: number } | { kind: 'agent'; agent_id: number };

export function scopeOf(message: Pick<Predefined, 'queue_id' | 'agent_id'>): Scope {
  if (message.agent_id !== null) return { kind: 'agent', agent_id: message.agent_id };
  if (message.queue_id !== null) return { kind: 'queue', queue_id: message.queue_id };
  return { kind: 'all' };
}

/** The body of `POST` / `PUT /predefined-messages` (4.28). */
export function predefinedBody(title: string, body: string, scope: Scope): { title: string; body: string; queue_id?: number; agent_id?: number } {
  const base = { title: title.trim(), body };
  if (scope.kind === 'queue') return { ...base, queue_id: scope.queue_id };
  if (scope.kind === 'agent') return { ...base, agent_id: scope.agent_id };
  return base;
}

export interface Reason { id: number; label: string; sort_order: number; active: boolean; is_default?: boolean }

/** R69: moving a reason one place up (-1) or down (+1) in the list as shown: every reason
 *  gets its place (0, 1, 2…) and only those whose `sort_order` changes are returned. */
export function reorder(reasons: Reason[], index: number, by: -1 | 1): { id: number; sort_order: number }[] {
  const target = index + by;
  if (target < 0 || target >= reasons.length) return [];
  const order = [...reasons];
  [order[index], order[target]] = [order[target], order[index]];
  return order.map((r, i) => ({ id: r.id, sort_order: i, was: r.sort_order }))
    .filter((c) => c.sort_order !== c.was)
    .map(({ id, sort_order }) => ({ id, sort_order }));
}

/** R71: who edits which list. Reasons and global settings are admins'; predefined messages
 *  are managed by supervisors and admins (R68). */
export function mayEdit(user: Pick<User, 'role'>, list: 'predefined' | 'wrap_up' | 'away' | 'options'): boolean {
  if (list === 'predefined') return user.role === 'supervisor' || user.role === 'admin';
  return user.role === 'admin';
}

export interface Options {
  client_preview: boolean; show_routed_agents: boolean; agents_may_ban: boolean;
  /** R66: ms, 0 never; null follows the configured value. */
  unattended_timeout_ms: number | null;
  configured_unattended_timeout_ms: number;
}
export type Switch = 'client_preview' | 'show_routed_agents' | 'agents_may_ban';
export const OPTION_NAMES: Switch[] = ['client_preview', 'show_routed_agents', 'agents_may_ban'];

const MINUTE = 60_000;
/** R66: the longest timeout the engine takes (a week), in minutes. */
export const MAX_TIMEOUT_MINUTES = 7 * 24 * 60;

/** A timeout in ms as the minutes field shows it: empty when it follows the configuration. */
export const minutesText = (ms: number | null) => (ms === null ? '' : String(Math.round((ms / MINUTE) * 100) / 100));

/** R66: the minutes typed as ms: empty follows the configuration (null), 0 is never; anything
 *  else but 0 to a week is 'invalid'. */
export function timeoutFromMinutes(text: string): number | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const minutes = Number(trimmed);
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > MAX_TIMEOUT_MINUTES) return 'invalid';
  return Math.round(minutes * MINUTE);
}

export type ReasonList = 'wrap-up-reasons' | 'away-reasons';

export const listPredefined = () => api<{ predefined_messages: Predefined[] }>('GET', '/predefined-messages');
export const createPredefined = (b: ReturnType<typeof predefinedBody>) => api<Predefined>('POST', '/predefined-messages', b);
export const updatePredefined = (id: number, b: ReturnType<typeof predefinedBody>) => api<Predefined>('PUT', `/predefined-messages/${id}`, b);
export const deletePredefined = (id: number) => api<void>('DELETE', `/predefined-messages/${id}`);
export const listReasons = async (list: ReasonList): Promise<Reason[]> => {
  const body = await api<Record<string, Reason[]>>('GET', `/${list}?include_inactive=true`);
  return body[list === 'wrap-up-reasons' ? 'wrap_up_reasons' : 'away_reasons'] ?? [];
};
export const createReason = (list: ReasonList, label: string) => api<Reason>('POST', `/${list}`, { label: label.trim() });
export const changeReason = (list: ReasonList, id: number, change: Partial<Omit<Reason, 'id'>>) => api<Reason>('PATCH', `/${list}/${id}`, change);
export const getOptions = () => api<Options>('GET', '/options');
export const saveOptions = (o: Partial<Omit<Options, 'configured_unattended_timeout_ms'>>) => api<Options>('PUT', '/options', o);
