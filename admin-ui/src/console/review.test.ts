// Unit tests of the review desk's rules (R81), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formRows, mergeReviewItems, replyProblem, valueText, type ChatReview, type OfflineSummary } from './review';

const offline = (id: number, at: number, state: 'open' | 'closed' = 'open'): OfflineSummary => ({
  offline_message_id: id, website_key: 'demo', state, reason: 'no_agent', disposition: 'offline',
  visitor_name: null, visitor_email: 'ann@example.org', created_at_ms: at, closed_at_ms: null, attachment_count: 0,
});
const chat = (id: number, ended: number | null, kind: 'unmanaged' | 'timeout' = 'unmanaged'): ChatReview => ({
  chat_id: id, queue_id: 1, website_key: 'demo', queue_name: 'Support', kind, status: 'open', visitor_name: 'Bob',
  visitor_email: null, direct: false, requested_at_ms: 5, accepted_at_ms: null, ended_at_ms: ended, closed_at_ms: null,
  closed_by: null, left_message: null,
});

test('offline messages and reviewed chats are one list, newest first (R81)', () => {
  const items = mergeReviewItems([offline(1, 100), offline(2, 300, 'closed')], [chat(7, 200, 'timeout'), chat(8, null)]);
  assert.deepEqual(items.map((i) => i.key), ['offline-2', 'chat-7', 'offline-1', 'chat-8']);
  assert.equal(items[0].open, false);
  assert.equal(items[1].kind, 'timeout');
  assert.equal(items[2].visitor_name, '');
  assert.equal(items[3].at_ms, 5, 'a chat without an end counts from its request');
});

test('form values are shown in the form order with labels, options and file names', () => {
  const form = { elements: [
    { type: 'label', text: 'Hello' },
    { type: 'input', name: 'name', label: 'Name' },
    { type: 'select', name: 'topic', label: 'Topic', options: [{ value: 'billing', label: 'Billing' }] },
    { type: 'checkboxes', name: 'products', label: 'Products', options: [{ value: 'a', label: 'Apples' }, { value: 'b' }] },
    { type: 'attachment', name: 'files', label: 'Files' },
    { type: 'agreement', name: 'privacy', label: 'Privacy' },
  ] };
  const files = [{ upload_id: 'u1', file_name: 'invoice.pdf', content_type: 'application/pdf', size_bytes: 10 }];
  const rows = formRows(form, { privacy: true, name: 'Ann', topic: 'billing', products: ['a', 'b'], files: [{ upload_id: 'u1', file_name: 'invoice.pdf' }], old: 'kept' }, files);
  assert.deepEqual(rows.map((r) => [r.label, r.value]), [
    ['Name', 'Ann'], ['Topic', 'Billing'], ['Products', 'Apples, b'], ['Files', 'invoice.pdf'], ['Privacy', '✓'], ['old', 'kept'],
  ]);
  assert.equal(valueText(['u1'], files), 'invoice.pdf');
  assert.equal(valueText(42), '42');
  assert.deepEqual(formRows(null, { email: 'a@b.cz' }), [{ name: 'email', label: 'email', value: 'a@b.cz' }]);
});

test('a reply needs a one-line subject of at most 200 characters and a body (4.19, 4.26)', () => {
  assert.equal(replyProblem('', 'x'), 'review_subject_required');
  assert.equal(replyProblem('a\nb', 'x'), 'review_subject_required');
  assert.equal(replyProblem('x'.repeat(201), 'x'), 'review_subject_long');
  assert.equal(replyProblem('Hi', '  \n '), 'review_body_required');
  assert.equal(replyProblem('Hi', 'x'.repeat(10001)), 'review_body_long');
  assert.equal(replyProblem(' Hi ', 'Dear Ann,\nthanks.'), null);
});
