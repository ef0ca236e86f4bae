// Unit tests of the queue page's reordering (R17), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hoursOf, moved, reordered, scheduleOf, type Member } from './queues';

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

test('dragging a member to another place closes up the others (R17)', () => {
  const list = [member(1, 1), member(2, 2), member(3, 3), member(4, 4)];
  const down = reordered(list, 0, 2);
  assert.deepEqual(down.order.map((m) => m.user_id), [2, 3, 1, 4]);
  assert.deepEqual(down.changes, [{ user_id: 2, hunt_order: 1 }, { user_id: 3, hunt_order: 2 }, { user_id: 1, hunt_order: 3 }]);
  const up = reordered(list, 3, 1);
  assert.deepEqual(up.order.map((m) => m.user_id), [1, 4, 2, 3]);
  assert.deepEqual(reordered(list, 2, 2).changes, []);
  assert.deepEqual(reordered(list, 0, 9).changes, []);
});

test('opening hours go to the weekly editor and back (R29)', () => {
  assert.deepEqual(scheduleOf(hoursOf({ always_open: true })), { always_open: true });
  const weekly = { time_zone: 'Europe/Prague', ranges: [{ days: ['mon' as const], start: '08:00', end: '16:00' }] };
  assert.deepEqual(scheduleOf(hoursOf(weekly)), weekly);
});
