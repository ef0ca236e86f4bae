// The queues of the supervisor console (R17, R20, R22, R28, R67): routing rules and members in
// hunt order; the pure rule of reordering by arrows, unit-tested.
import { api } from '../shared/api';
import type { ScheduleForm } from './websites';
import type { Hours } from './WeeklyEditor';

export type Strategy = 'sequential' | 'ring_all' | 'round_robin';
export const STRATEGIES: Strategy[] = ['sequential', 'ring_all', 'round_robin'];

export interface RoutingRules { strategy: Strategy; offer_timeout_ms: number; hunt_timeout_ms: number; rona_enabled: boolean }

export interface Member {
  user_id: number; username: string; display_name: string; role: string;
  hunt_order: number; capacity: number; presence: string;
}

/** R17: moves the member at `index` one place up (-1) or down (+1); the members keep the
 *  order shown, numbered 1, 2, 3…, and only those whose number changed are returned. */
export function moved(members: Member[], index: number, by: -1 | 1) {
  return reordered(members, index, index + by);
}

/** R17: the member at `from` dragged to the place `to` (the others close up behind it); the
 *  members keep the order shown, numbered 1, 2, 3…, and only changed numbers are returned. */
export function reordered(members: Member[], from: number, to: number): { order: Member[]; changes: { user_id: number; hunt_order: number }[] } {
  if (from === to || from < 0 || to < 0 || from >= members.length || to >= members.length) return { order: members, changes: [] };
  const order = [...members];
  const [member] = order.splice(from, 1);
  order.splice(to, 0, member);
  const changes = order
    .map((m, i) => ({ user_id: m.user_id, hunt_order: i + 1, was: m.hunt_order }))
    .filter((c) => c.hunt_order !== c.was)
    .map(({ user_id, hunt_order }) => ({ user_id, hunt_order }));
  return { order: order.map((m, i) => ({ ...m, hunt_order: i + 1 })), changes };
}

/** R29: a queue's opening hours as the engine shows them (4.9). */
export interface OpeningHours { queue_id: number; opening_hours: ScheduleForm; open_now: boolean; next_change_at_ms: number | null }

/** R29: the weekly editor's value from the engine's schedule… */
export function hoursOf(form: ScheduleForm): Hours {
  const ranges = form.ranges ?? [];
  return { always: ranges.length === 0, time_zone: form.time_zone ?? 'UTC', ranges: ranges.map((r) => ({ ...r, days: [...r.days] })) };
}

/** …and the schedule sent back. */
export function scheduleOf(hours: Hours): ScheduleForm {
  return hours.always ? { always_open: true } : { time_zone: hours.time_zone, ranges: hours.ranges };
}

/** R67: a new queue; the engine fills in the R20 defaults for what is left out. */
export interface NewQueue { name: string; strategy: Strategy; offer_timeout_ms: number; hunt_timeout_ms: number; rona_enabled: boolean; leave_message: boolean }

export const routingRules = (queueId: number) => api<RoutingRules>('GET', `/queues/${queueId}/routing-rules`);
export const saveRoutingRules = (queueId: number, rules: RoutingRules) => api<RoutingRules>('PUT', `/queues/${queueId}/routing-rules`, rules);
export const members = (queueId: number) => api<{ members: Member[] }>('GET', `/queues/${queueId}/members`);
export const setHuntOrder = (queueId: number, userId: number, huntOrder: number) =>
  api<unknown>('PUT', `/queues/${queueId}/members/${userId}`, { hunt_order: huntOrder });
export const removeMember = (queueId: number, userId: number) => api<void>('DELETE', `/queues/${queueId}/members/${userId}`);

export interface Agent { user_id: number; username: string; display_name: string; role: string; capacity: number }
export const listAgents = () => api<{ agents: Agent[] }>('GET', '/agents');
export const openingHours = (queueId: number) => api<OpeningHours>('GET', `/queues/${queueId}/opening-hours`);
export const saveOpeningHours = (queueId: number, hours: Hours) => api<OpeningHours>('PUT', `/queues/${queueId}/opening-hours`, scheduleOf(hours));
export const createQueue = (queue: NewQueue) => api<{ queue_id: number; name: string }>('POST', '/queues', queue);
export const deleteQueue = (queueId: number) => api<void>('DELETE', `/queues/${queueId}`);
export const leaveMessage = (queueId: number) => api<{ leave_message: boolean }>('GET', `/queues/${queueId}/leave-message`);
export const saveLeaveMessage = (queueId: number, on: boolean) => api<{ leave_message: boolean }>('PUT', `/queues/${queueId}/leave-message`, { leave_message: on });
