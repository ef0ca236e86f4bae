// The console's Audit log page (R71): its REST shape and the pure rules of its filters (the
// query of a filter, times typed in local time), unit-tested.
import { api } from '../shared/api';

export interface AuditEntry {
  id: number; at_ms: number; user_id: number | null; username: string;
  action: string; target: string; details: unknown;
}

export interface AuditPage { entries: AuditEntry[]; next_before: number | null }

/** The filters as typed: a user name, an action or its start (`user` matches `user.create`),
 *  and a time range as `datetime-local` values. */
export interface AuditFilter { user: string; action: string; from: string; to: string }

export const emptyFilter = (): AuditFilter => ({ user: '', action: '', from: '', to: '' });

/** The action groups the filter offers; any other name can be typed. */
export const ACTION_GROUPS = ['auth', 'user', 'queue', 'website', 'away_reason', 'wrap_up_reason', 'predefined_message', 'options', 'review', 'visitor'];

/** A `datetime-local` value as milliseconds since the epoch, or null when empty or not a time. */
export function localTimeMs(value: string): number | null {
  if (value.trim() === '') return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

/** The query string of `GET /audit-log` for a filter and the page before `before`. */
export function auditQuery(filter: AuditFilter, limit: number, before: number | null): string {
  const params = new URLSearchParams();
  if (filter.user.trim()) params.set('user', filter.user.trim());
  if (filter.action.trim()) params.set('action', filter.action.trim());
  const from = localTimeMs(filter.from);
  const to = localTimeMs(filter.to);
  if (from !== null) params.set('from', String(from));
  if (to !== null) params.set('to', String(to));
  params.set('limit', String(limit));
  if (before !== null) params.set('before', String(before));
  return '?' + params.toString();
}

/** Details in one line, cut at `max` characters: what the table shows (the whole is a tooltip). */
export function detailsLine(details: unknown, max = 120): string {
  if (details === null || details === undefined) return '';
  const text = JSON.stringify(details);
  if (text === '{}') return '';
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

export const auditLog = (filter: AuditFilter, limit: number, before: number | null) =>
  api<AuditPage>('GET', '/audit-log' + auditQuery(filter, limit, before));
