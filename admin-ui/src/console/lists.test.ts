// Unit tests of the lists' rules (R68, R69, R71), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayEdit, minutesText, predefinedBody, reorder, scopeOf, timeoutFromMinutes, type Reason } from './lists';

test('a predefined message is for everyone, a queue or an agent (R68)', () => {
  assert.deepEqual(scopeOf({ queue_id: null, agent_id: null }), { kind: 'all' });
  assert.deepEqual(scopeOf({ queue_id: 2, agent_id: null }), { kind: 'queue', queue_id: 2 });
  assert.deepEqual(scopeOf({ queue_id: null, agent_id: 5 }), { kind: 'agent', agent_id: 5 });
  assert.deepEqual(predefinedBody(' Hi ', 'Hello <visitor_name>', { kind: 'all' }), { title: 'Hi', body: 'Hello <visitor_name>' });
  assert.deepEqual(predefinedBody('Hi', 'x', { kind: 'queue', queue_id: 2 }), { title: 'Hi', body: 'x', queue_id: 2 });
  assert.deepEqual(predefinedBody('Hi', 'x', { kind: 'agent', agent_id: 5 }), { title: 'Hi', body: 'x', agent_id: 5 });
});

const reason = (id: number, sort_order: number): Reason => ({ id, label: `R${id}`, sort_order, active: true });

test('moving a reason renumbers the list as shown (R69)', () => {
  assert.deepEqual(reorder([reason(1, 0), reason(2, 1), reason(3, 2)], 2, -1), [{ id: 3, sort_order: 1 }, { id: 2, sort_order: 2 }]);
  assert.deepEqual(reorder([reason(1, 1), reason(2, 2)], 0, 1), [{ id: 2, sort_order: 0 }]);
  assert.deepEqual(reorder([reason(1, 0)], 0, 1), []);
});

test('reasons and settings are edited by admins, predefined messages by supervisors too (R71)', () => {
  assert.equal(mayEdit({ role: 'supervisor' }, 'predefined'), true);
  assert.equal(mayEdit({ role: 'supervisor' }, 'wrap_up'), false);
  assert.equal(mayEdit({ role: 'supervisor' }, 'options'), false);
  assert.equal(mayEdit({ role: 'admin' }, 'away'), true);
  assert.equal(mayEdit({ role: 'agent' }, 'predefined'), false);
});

test('the unattended timeout is typed in minutes: empty follows the configuration, 0 is never (R66)', () => {
  assert.equal(timeoutFromMinutes(''), null);
  assert.equal(timeoutFromMinutes('0'), 0);
  assert.equal(timeoutFromMinutes(' 30 '), 1_800_000);
  assert.equal(timeoutFromMinutes('0.5'), 30_000);
  assert.equal(timeoutFromMinutes('-1'), 'invalid');
  assert.equal(timeoutFromMinutes('soon'), 'invalid');
  assert.equal(timeoutFromMinutes(String(7 * 24 * 60 + 1)), 'invalid');
  assert.equal(minutesText(null), '');
  assert.equal(minutesText(1_800_000), '30');
  assert.equal(minutesText(300), '0.01');
});
