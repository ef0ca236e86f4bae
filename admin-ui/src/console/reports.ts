// Reports of the supervisor console (issue 9; R87, R91): the period picker's rules, the
// scales of the hand-drawn charts and the shares, all pure and unit-tested; the numbers come
// from `GET /api/v1/reports` (docs/protocol.md 4.40).
import { api } from '../shared/api';

export interface Report {
  from: string; to: string; time_zone: string;
  per_hour: { hour: number; chats: number }[];
  per_day: { date: string; chats: number }[];
  wait: { answered: number; p50_ms: number | null; p90_ms: number | null; p99_ms: number | null; average_ms: number | null; longest_ms: number | null };
  outcomes: { total: number; answered: number; timeout: number; unmanaged: number; offline: number; abandoned: number; waiting: number };
  end_reasons: { visitor_ended: number; agent_ended: number; timeout: number; banned: number };
  agents: { agent_id: number; name: string; handled: number; ended: number; total_handle_ms: number; average_handle_ms: number | null }[];
}

export type Preset = 'today' | '7d' | '30d' | 'custom';
export const PRESETS: Preset[] = ['today', '7d', '30d', 'custom'];

export interface Filter { from: string; to: string; website: string; queue: string; tz: string }

/** `YYYY-MM-DD` of a local calendar date. */
export function isoDate(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The days a preset covers, ending today (both days included). */
export function presetRange(preset: Exclude<Preset, 'custom'>, today: Date): { from: string; to: string } {
  const days = preset === 'today' ? 1 : preset === '7d' ? 7 : 30;
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: isoDate(first), to: isoDate(today) };
}

/** The query string of a report request (empty filters left out). */
export function reportQuery(filter: Filter): string {
  const params = new URLSearchParams({ from: filter.from, to: filter.to, tz: filter.tz });
  if (filter.website) params.set('website', filter.website);
  if (filter.queue) params.set('queue', filter.queue);
  return params.toString();
}

export const loadReport = (filter: Filter) => api<Report>('GET', `/reports?${reportQuery(filter)}`);
export const csvUrl = (filter: Filter) => `/api/v1/reports.csv?${reportQuery(filter)}`;

/** A round top for a chart's axis: 1, 2, 5 or 10 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export type OutcomeKey = 'answered' | 'timeout' | 'unmanaged' | 'offline' | 'abandoned' | 'waiting';
export const OUTCOMES: OutcomeKey[] = ['answered', 'timeout', 'unmanaged', 'offline', 'abandoned', 'waiting'];

/** Each outcome's count and share in percent (one decimal); the shares of a total of 0 are 0. */
export function shares(outcomes: Report['outcomes']): { key: OutcomeKey; count: number; percent: number }[] {
  return OUTCOMES.map((key) => ({
    key, count: outcomes[key],
    percent: outcomes.total === 0 ? 0 : Math.round((outcomes[key] * 1000) / outcomes.total) / 10,
  }));
}

/** A duration for people: `42 s`, `3 min 5 s`, `1 h 2 min`; `–` for none. */
export function duration(ms: number | null): string {
  if (ms === null) return '–';
  const total = Math.round(ms / 1000);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${total % 60} s`;
}
