// Unit tests of the Agents page's rules (R17, R25, R70, R71), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountProblems, createBody, emptyAccount, huntOrder, joinable, takesChats, type Account } from './agents';

test('a new account is checked as the engine would (R70, R71)', () => {
  const ok = { ...emptyAccount(), username: 'ann.smith', password: 'long enough' };
  assert.deepEqual(accountProblems(ok), []);
  assert.deepEqual(accountProblems({ ...ok, username: 'ann smith' }).map((p) => p.code), ['invalid_username']);
  assert.deepEqual(accountProblems({ ...ok, capacity: '0' }).map((p) => p.field), ['capacity']);
  assert.deepEqual(accountProblems({ ...ok, capacity: '21' }).map((p) => p.code), ['capacity_out_of_range']);
  assert.deepEqual(accountProblems({ ...ok, capacity: '2.5' }).map((p) => p.code), ['capacity_out_of_range']);
  assert.deepEqual(accountProblems({ ...ok, password: 'short' }).map((p) => p.code), ['weak_password']);
  assert.deepEqual(accountProblems({ ...ok, password: 'Ann.Smith' }).map((p) => p.code), ['weak_password']);
});

test('the body trims names and leaves a blank display name to the engine', () => {
  const body = createBody({ ...emptyAccount(), username: ' ann ', display_name: '  ', password: 'long enough', capacity: '4' });
  assert.equal(body.username, 'ann');
  assert.equal(body.display_name, null);
  assert.equal(body.capacity, 4);
  assert.equal(body.role, 'agent');
});

test('only queues not joined yet are offered, by name; admins join none (R25)', () => {
  const account = { queues: [{ queue_id: 1, name: 'Support', hunt_order: 1 }] } as Account;
  const queues = [{ queue_id: 1, name: 'Support' }, { queue_id: 3, name: 'Sales' }, { queue_id: 2, name: 'Billing' }];
  assert.deepEqual(joinable(queues, account).map((q) => q.queue_id), [2, 3]);
  assert.equal(takesChats('admin'), false);
  assert.equal(takesChats('supervisor'), true);
});

test('hunt orders are whole numbers from 1 to 1000 (R17)', () => {
  assert.equal(huntOrder('2'), 2);
  for (const bad of ['', '0', '1001', '1.5', 'x']) assert.equal(huntOrder(bad), null, bad);
});
