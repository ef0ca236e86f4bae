// Unit tests of the Audit log page's filters (R71), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditQuery, detailsLine, emptyFilter, localTimeMs } from './audit';

test('an empty filter asks for the newest page only', () => {
  assert.equal(auditQuery(emptyFilter(), 50, null), '?limit=50');
});

test('filters and the page cursor go into the query', () => {
  const from = '2026-11-20T08:30';
  const query = new URLSearchParams(auditQuery({ user: ' ann ', action: 'user', from, to: 'nonsense' }, 20, 41).slice(1));
  assert.equal(query.get('user'), 'ann');
  assert.equal(query.get('action'), 'user');
  assert.equal(query.get('from'), String(new Date(from).getTime()));
  assert.equal(query.get('to'), null);
  assert.equal(query.get('before'), '41');
});

test('times typed are read in local time; blanks are no bound', () => {
  assert.equal(localTimeMs(''), null);
  assert.equal(localTimeMs('2026-01-02T03:04'), new Date(2026, 0, 2, 3, 4).getTime());
});

test('details show in one bounded line', () => {
  assert.equal(detailsLine({}), '');
  assert.equal(detailsLine({ active: false }), '{"active":false}');
  const line = detailsLine({ text: 'x'.repeat(500) }, 40);
  assert.equal(line.length, 40);
  assert.ok(line.endsWith('…'));
});
