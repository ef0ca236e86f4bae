// Unit tests of the websites editor's pure rules (R2, R57-R59), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyOf, draftOf, newDraft, proactiveProblem, proactiveRulesOf, snippetOf, withProactiveRules, type Website } from './websites';

const website: Website = {
  id: 1, key: 'demo', name: 'Demo', description: '', allowed_domains: ['localhost', 'shop.example.com'], queue_id: 3,
  time_zone: 'Europe/Prague', working_hours: { always_open: true }, max_concurrent_sessions: 0, language: null,
  appearance: { launcher_label: 'Chat' }, created_at_ms: 1,
};

test('a new website is open Always with no session cap (R58, R59)', () => {
  const body = bodyOf(newDraft(3));
  assert.deepEqual(body.working_hours, { always_open: true });
  assert.equal(body.max_concurrent_sessions, 0);
  assert.equal(body.queue_id, 3);
});

test('domains are one per line or comma-separated, blanks dropped (R2)', () => {
  const draft = draftOf(website);
  assert.equal(draft.domains, 'localhost\nshop.example.com');
  draft.domains = ' a.com, b.com\n\n*.c.com ';
  assert.deepEqual(bodyOf(draft).allowed_domains, ['a.com', 'b.com', '*.c.com']);
});

test('weekly ranges are sent with the zone; an empty language is English (R58, R12)', () => {
  const draft = draftOf(website);
  assert.equal(draft.always, true);
  draft.always = false;
  draft.ranges = [{ days: ['mon', 'fri'], start: '09:00', end: '17:00' }];
  const body = bodyOf(draft);
  assert.deepEqual(body.working_hours, { time_zone: 'Europe/Prague', ranges: [{ days: ['mon', 'fri'], start: '09:00', end: '17:00' }] });
  assert.equal(body.language, null);
});

test('a session cap that is not a number is sent as invalid, not as no limit (R59)', () => {
  const draft = draftOf(website);
  draft.max_sessions = 'ten';
  assert.equal(bodyOf(draft).max_concurrent_sessions, -1);
});

test('the snippet names the engine and the key', () => {
  assert.equal(snippetOf('https://chat.example.com', 'shop'),
    '<script src="https://chat.example.com/widget.js" data-website="shop" async></script>');
});

test('proactive rules live in the appearance; none leaves no key (R61)', () => {
  const look = withProactiveRules({ primary_color: '#000' }, [{ after_seconds: 30, url_contains: '/pricing' }]);
  assert.deepEqual(proactiveRulesOf(look), [{ after_seconds: 30, url_contains: '/pricing' }]);
  assert.deepEqual(withProactiveRules(look, []), { primary_color: '#000' });
  assert.deepEqual(proactiveRulesOf({}), []);
});

test('a proactive rule that cannot fire, or has a bad time or selector, is caught (R61)', () => {
  const css = (s: string) => !s.includes('[');
  assert.equal(proactiveProblem({ url_contains: '/a' }, css), 'site_rule_never');
  assert.equal(proactiveProblem({ after_seconds: 4000 }, css), 'site_rule_seconds');
  assert.equal(proactiveProblem({ hover_selector: 'a[' }, css), 'site_rule_selector');
  assert.equal(proactiveProblem({ after_seconds: 10, hover_selector: '#buy' }, css), null);
});
