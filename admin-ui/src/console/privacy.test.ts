// Unit tests of the Privacy page's rules (R92), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erasedKey, errorKey, parseChatId } from './privacy';

test('a chat number is a positive whole number, typed with or without #', () => {
  assert.equal(parseChatId('12'), 12);
  assert.equal(parseChatId(' #7 '), 7);
  for (const bad of ['', '0', '-3', '1.5', 'abc', '12a', '1e3', '9'.repeat(16)]) {
    assert.equal(parseChatId(bad), null, bad);
  }
});

test('an erasure that found everything erased before says so', () => {
  assert.equal(erasedKey({ chat_ids: [3], anonymised: 0, files_removed: 0 }), 'privacy_already_erased');
  assert.equal(erasedKey({ chat_ids: [3, 9], anonymised: 2, files_removed: 1 }), 'privacy_erased');
});

test('known refusals are explained, others show their code', () => {
  assert.equal(errorKey('chat_still_open'), 'privacy_error_chat_still_open');
  assert.equal(errorKey('chat_not_found'), 'privacy_error_chat_not_found');
  assert.equal(errorKey('internal'), null);
});
