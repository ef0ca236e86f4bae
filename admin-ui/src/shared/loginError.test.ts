// Unit tests of the login form's refusals (issue 10: lockout and rate limits), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, CSRF_HEADERS } from './api';
import { loginErrorText, retrySeconds } from './loginError';

test('the wait is told in whole seconds, rounded up', () => {
  assert.equal(retrySeconds(1), 1);
  assert.equal(retrySeconds(1500), 2);
  assert.equal(retrySeconds(null), 1);
});

test('a locked or limited login says how long to wait', () => {
  const locked = new ApiError(429, 'login_locked', 'locked', [], 30000);
  assert.match(loginErrorText(locked), /30/);
  const limited = new ApiError(429, 'rate_limited', 'limited', [], 2500);
  assert.match(loginErrorText(limited), /3/);
  assert.notEqual(loginErrorText(locked), loginErrorText(new ApiError(401, 'invalid_credentials', 'x')));
});

test('every request names itself for the CSRF check', () => {
  assert.equal(CSRF_HEADERS['X-Requested-With'], 'parley-admin');
});
