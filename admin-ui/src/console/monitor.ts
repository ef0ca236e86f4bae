// The live monitor of the supervisor console (issue 9, R71): the model the page draws, kept
// from the monitor socket's frames (docs/protocol.md 5.8): a full `monitor_snapshot`, then
// `monitor_changes` with the rows that changed and the ids of the rows that are gone.

export interface MonitorQueue { queue_id: number; name: string; open: boolean; waiting: number; longest_wait_since_ms: number | null }
export interface MonitorAgent {
  agent_id: number; name: string; presence: 'available' | 'away' | 'rona' | 'offline';
  away_reason: string | null; chats: number; capacity: number;
}
export interface MonitorChat {
  chat_id: number; website_key: string; queue_id: number; queue_name: string; visitor_name: string;
  agents: { agent_id: number; name: string }[]; state: 'queued' | 'active'; started_at_ms: number; waiting_since_ms: number | null;
}

export interface MonitorState { queues: MonitorQueue[]; agents: MonitorAgent[]; chats: MonitorChat[]; at_ms: number }

export type MonitorFrame =
  | ({ type: 'monitor_snapshot'; at_ms: number } & Omit<MonitorState, 'at_ms'>)
  | {
    type: 'monitor_changes'; at_ms: number; queues: MonitorQueue[]; agents: MonitorAgent[]; chats: MonitorChat[];
    removed_queues: number[]; removed_agents: number[]; removed_chats: number[];
  };

export const EMPTY: MonitorState = { queues: [], agents: [], chats: [], at_ms: 0 };

/** Replaces rows by key, adds new ones, drops removed ones, and keeps the list in `order`. */
function merge<T>(rows: T[], changed: T[], removed: number[], key: (row: T) => number, order: (a: T, b: T) => number): T[] {
  const byKey = new Map(rows.map((r) => [key(r), r]));
  for (const id of removed) byKey.delete(id);
  for (const row of changed) byKey.set(key(row), row);
  return [...byKey.values()].sort(order);
}

const byQueue = (a: MonitorQueue, b: MonitorQueue) => a.queue_id - b.queue_id;
const byAgent = (a: MonitorAgent, b: MonitorAgent) => a.agent_id - b.agent_id;
const byStart = (a: MonitorChat, b: MonitorChat) => a.started_at_ms - b.started_at_ms || a.chat_id - b.chat_id;

/** The state after a frame; a frame of another type leaves it as it is. */
export function applyFrame(state: MonitorState, frame: MonitorFrame): MonitorState {
  if (frame.type === 'monitor_snapshot') {
    return {
      queues: [...frame.queues].sort(byQueue), agents: [...frame.agents].sort(byAgent),
      chats: [...frame.chats].sort(byStart), at_ms: frame.at_ms,
    };
  }
  if (frame.type === 'monitor_changes') {
    return {
      queues: merge(state.queues, frame.queues, frame.removed_queues, (q) => q.queue_id, byQueue),
      agents: merge(state.agents, frame.agents, frame.removed_agents, (a) => a.agent_id, byAgent),
      chats: merge(state.chats, frame.chats, frame.removed_chats, (c) => c.chat_id, byStart),
      at_ms: frame.at_ms,
    };
  }
  return state;
}

/** `m:ss`, or `h:mm:ss` from an hour on, of the time since `since` (never negative). */
export function elapsed(since: number, now: number): string {
  const total = Math.max(0, Math.floor((now - since) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Totals for the page's headline: chats waiting, chats active, agents available. */
export function totals(state: MonitorState): { waiting: number; active: number; available: number } {
  return {
    waiting: state.queues.reduce((n, q) => n + q.waiting, 0),
    active: state.chats.filter((c) => c.state === 'active').length,
    available: state.agents.filter((a) => a.presence === 'available').length,
  };
}
