// Unit tests of the queue page's reordering (R17), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moved, type Member } from './queues';

const member = (user_id: number, hunt_order: number): Member =>
  ({ user_id, username: `u${user_id}`, display_name: `U${user_id}`, role: 'agent', hunt_order, capacity: 3, presence: 'offline' });

test('moving a member up renumbers the members in the order shown (R17)', () => {
  const { order, changes } = moved([member(1, 1), member(2, 2), member(3, 3)], 2, -1);
  assert.deepEqual(order.map((m) => m.user_id), [1, 3, 2]);
  assert.deepEqual(changes, [{ user_id: 3, hunt_order: 2 }, { user_id: 2, hunt_order: 3 }]);
});

test('equal or gapped hunt orders become distinct places', () => {
  const { changes } = moved([member(1, 5), member(2, 5)], 0, 1);
  assert.deepEqual(changes, [{ user_id: 2, hunt_order: 1 }, { user_id: 1, hunt_order: 2 }]);
});

test('moving past either end changes nothing', () => {
  assert.deepEqual(moved([member(1, 1)], 0, -1).changes, []);
  assert.deepEqual(moved([member(1, 1), member(2, 2)], 1, 1).changes, []);
});
