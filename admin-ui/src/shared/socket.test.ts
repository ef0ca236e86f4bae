// Unit tests of the live socket's reconnect timing (issue 10), run by `node unit.mjs`: an engine
// that stops gracefully closes with 1012 after `server_closing`, and the dashboard comes back
// after the time it asked for, with a little jitter, not after a failure's backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelayMs, SERVICE_RESTART } from './socket';

test('after 1012 the wait is what the engine asked, plus under half a second', () => {
  assert.equal(SERVICE_RESTART, 1012);
  for (let i = 0; i < 50; i++) {
    const delay = reconnectDelayMs(1012, 1000, 4);
    assert.ok(delay >= 1000 && delay < 1500, String(delay));
  }
});

test('any other close backs off by its attempt', () => {
  assert.equal(reconnectDelayMs(1006, 1000, 0), 250);
  assert.equal(reconnectDelayMs(1006, 1000, 9), 10000);
});
