// Unit tests of the live monitor's model (issue 9), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFrame, elapsed, EMPTY, totals, type MonitorChat, type MonitorQueue } from './monitor';

const queue = (queue_id: number, waiting: number, since: number | null): MonitorQueue =>
  ({ queue_id, name: `Q${queue_id}`, open: true, waiting, longest_wait_since_ms: since });
const chat = (chat_id: number, state: 'queued' | 'active', started: number): MonitorChat => ({
  chat_id, website_key: 'demo', queue_id: 1, queue_name: 'Q1', visitor_name: `V${chat_id}`,
  agents: state === 'active' ? [{ agent_id: 7, name: 'Ann' }] : [], state, started_at_ms: started,
  waiting_since_ms: state === 'queued' ? started : null,
});
const changes = (over: Partial<Extract<Parameters<typeof applyFrame>[1], { type: 'monitor_changes' }>>) => ({
  type: 'monitor_changes' as const, at_ms: 2, queues: [], agents: [], chats: [],
  removed_queues: [], removed_agents: [], removed_chats: [], ...over,
});

test('a snapshot replaces the state and sorts its lists', () => {
  const state = applyFrame(EMPTY, {
    type: 'monitor_snapshot', at_ms: 1, queues: [queue(2, 0, null), queue(1, 1, 500)], agents: [],
    chats: [chat(9, 'queued', 900), chat(8, 'active', 100)],
  });
  assert.deepEqual(state.queues.map((q) => q.queue_id), [1, 2]);
  assert.deepEqual(state.chats.map((c) => c.chat_id), [8, 9]);
});

test('changes replace changed rows, add new ones and drop removed ones', () => {
  let state = applyFrame(EMPTY, { type: 'monitor_snapshot', at_ms: 1, queues: [queue(1, 1, 500)], agents: [], chats: [chat(8, 'queued', 500)] });
  // Chat 8 is accepted; chat 9 arrives.
  state = applyFrame(state, changes({ queues: [queue(1, 1, 700)], chats: [chat(8, 'active', 500), chat(9, 'queued', 700)] }));
  assert.deepEqual(state.chats.map((c) => [c.chat_id, c.state]), [[8, 'active'], [9, 'queued']]);
  assert.deepEqual(totals(state), { waiting: 1, active: 1, available: 0 });
  state = applyFrame(state, changes({ removed_chats: [8, 9], queues: [queue(1, 0, null)] }));
  assert.deepEqual(state.chats, []);
  assert.equal(state.queues[0].waiting, 0);
});

test('waits are shown as m:ss and h:mm:ss and never negative', () => {
  assert.equal(elapsed(0, 65_000), '1:05');
  assert.equal(elapsed(0, 3_725_000), '1:02:05');
  assert.equal(elapsed(10_000, 0), '0:00');
});
