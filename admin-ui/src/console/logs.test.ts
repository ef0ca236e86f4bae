// Unit tests of the chat logs' rules (R85, R87), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvHref, durationText, logQuery, NO_FILTERS, offerTrail, type Step } from './logs';

test('a search sends only the filters given, times as ms (R87)', () => {
  assert.equal(logQuery(NO_FILTERS), '');
  const from = new Date('2026-11-20T08:00').getTime();
  assert.equal(
    logQuery({ ...NO_FILTERS, from: '2026-11-20T08:00', website: 'demo', disposition: 'timeout', q: ' 100% sure ' }, { limit: 50, before: 9 }),
    `?from=${from}&website=demo&disposition=timeout&q=100%25+sure&limit=50&before=9`,
  );
  assert.equal(logQuery({ ...NO_FILTERS, to: 'not a time', agent: '3' }), '?agent=3');
  assert.equal(csvHref({ ...NO_FILTERS, queue: '2' }), '/api/v1/chat-logs.csv?queue=2');
});

test('durations read as minutes and seconds, hours when long', () => {
  assert.equal(durationText(null), '');
  assert.equal(durationText(61_500), '1:02');
  assert.equal(durationText(3_600_000 + 5_000), '1:00:05');
  assert.equal(durationText(0), '0:00');
});

const step = (at_ms: number, name: string, s: string, detail = ''): Step =>
  ({ at_ms, step: s, detail, agent_id: name ? name.length : null, agent_name: name || null });

test('the routing trail shows each offer with its outcome (R87)', () => {
  const rows = offerTrail([
    step(1, 'Ann', 'offered'), step(2, 'Ann', 'expired', 'rona'),
    step(3, 'Bobby', 'offered'), step(4, 'Bobby', 'rejected'),
    step(5, 'Ann', 'offered'), step(6, 'Ann', 'accepted'),
    step(7, 'Carla', 'offered'),
    step(8, '', 'hunt_ended', 'timeout'),
  ]);
  assert.deepEqual(rows.map((r) => [r.agent_name, r.step, r.outcome]), [
    ['Ann', 'offered', 'rona'], ['Bobby', 'offered', 'rejected'], ['Ann', 'offered', 'accepted'],
    ['Carla', 'offered', 'open'], ['', 'hunt_ended', null],
  ]);
  assert.equal(rows[2].outcome_at_ms, 6);
  assert.equal(rows[4].detail, 'timeout');
});
