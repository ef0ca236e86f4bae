// The queues of the supervisor console (R17, R20, R22, R28, R67): routing rules and members in
// hunt order; the pure rule of reordering by arrows, unit-tested.
import { api } from '../shared/api';

export type Strategy = 'sequential' | 'ring_all' | 'round_robin';
export const STRATEGIES: Strategy[] = ['sequential', 'ring_all', 'round_robin'];

export interface RoutingRules { strategy: Strategy; offer_timeout_ms: number; hunt_timeout_ms: number; rona_enabled: boolean }

export interface Member {
  user_id: number; username: string; display_name: string; role: string;
  hunt_order: number; capacity: number; presence: string;
}

/** R17: moves the member at `index` one place up (-1) or down (+1); the members keep the
 *  order shown, numbered 1, 2, 3…, and only those whose number changed are returned. */
export function moved(members: Member[], index: number, by: -1 | 1): { order: Member[]; changes: { user_id: number; hunt_order: number }[] } {
  const target = index + by;
  if (target < 0 || target >= members.length) return { order: members, changes: [] };
  const order = [...members];
  [order[index], order[target]] = [order[target], order[index]];
  const changes = order
    .map((m, i) => ({ user_id: m.user_id, hunt_order: i + 1, was: m.hunt_order }))
    .filter((c) => c.hunt_order !== c.was)
    .map(({ user_id, hunt_order }) => ({ user_id, hunt_order }));
  return { order: order.map((m, i) => ({ ...m, hunt_order: i + 1 })), changes };
}

export const routingRules = (queueId: number) => api<RoutingRules>('GET', `/queues/${queueId}/routing-rules`);
export const saveRoutingRules = (queueId: number, rules: RoutingRules) => api<RoutingRules>('PUT', `/queues/${queueId}/routing-rules`, rules);
export const members = (queueId: number) => api<{ members: Member[] }>('GET', `/queues/${queueId}/members`);
export const setHuntOrder = (queueId: number, userId: number, huntOrder: number) =>
  api<unknown>('PUT', `/queues/${queueId}/members/${userId}`, { hunt_order: huntOrder });
export const removeMember = (queueId: number, userId: number) => api<void>('DELETE', `/queues/${queueId}/members/${userId}`);

export interface Agent { user_id: number; username: string; display_name: string; role: string; capacity: number }
export const listAgents = () => api<{ agents: Agent[] }>('GET', '/agents');
