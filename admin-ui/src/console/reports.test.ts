// Unit tests of the reports page's rules (issue 9), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, niceMax, presetRange, reportQuery, shares } from './reports';

test('presets end today and include both ends', () => {
  const today = new Date(2026, 2, 10);
  assert.deepEqual(presetRange('today', today), { from: '2026-03-10', to: '2026-03-10' });
  assert.deepEqual(presetRange('7d', today), { from: '2026-03-04', to: '2026-03-10' });
  assert.deepEqual(presetRange('30d', today), { from: '2026-02-09', to: '2026-03-10' });
});

test('the query leaves out empty filters', () => {
  assert.equal(reportQuery({ from: '2026-03-01', to: '2026-03-02', website: '', queue: '', tz: 'Europe/Prague' }),
    'from=2026-03-01&to=2026-03-02&tz=Europe%2FPrague');
  assert.equal(reportQuery({ from: 'a', to: 'b', website: 'demo', queue: '2', tz: 'UTC' }), 'from=a&to=b&tz=UTC&website=demo&queue=2');
});

test('axes end on a round number at least the largest value', () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 180, 999].map(niceMax), [1, 1, 5, 10, 10, 20, 200, 1000]);
});

test('shares are percent of the total with one decimal (R91)', () => {
  const s = shares({ total: 3, answered: 2, timeout: 0, unmanaged: 1, offline: 0, abandoned: 0, waiting: 0 });
  assert.deepEqual(s.filter((x) => x.count > 0), [
    { key: 'answered', count: 2, percent: 66.7 }, { key: 'unmanaged', count: 1, percent: 33.3 },
  ]);
  assert.ok(shares({ total: 0, answered: 0, timeout: 0, unmanaged: 0, offline: 0, abandoned: 0, waiting: 0 }).every((x) => x.percent === 0));
});

test('durations read like people say them', () => {
  assert.equal(duration(null), '–');
  assert.equal(duration(42_000), '42 s');
  assert.equal(duration(185_000), '3 min 5 s');
  assert.equal(duration(3_720_000), '1 h 2 min');
});
