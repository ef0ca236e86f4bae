// Unit tests of the dashboard's pure rules and of the state's frame handling, run by
// `node unit.mjs` (tests/admin_ui_bundle.rs runs it with the other tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canSend, characterCount, elapsed, isSlashCommand, isUnreadWorthy, matchesTitle, resumeParameter, secondsLeft,
} from './rules';
import { AgentStore } from './state';
import type { ChatEvent } from '../shared/protocol';

const ME = 1;

function event(seq: number, fields: Partial<ChatEvent>): ChatEvent {
  return { chat_id: 7, seq, at_ms: 1000 + seq, author: { kind: 'visitor', name: 'Ann' }, private: false, kind: 'message', text: 'hi', ...fields };
}

test('R38: the counter counts code points, and 1000 is the most that may be sent', () => {
  assert.equal(characterCount('😀é'), 2);
  assert.ok(canSend('é'.repeat(1000), 0));
  assert.ok(!canSend('😀'.repeat(1001), 0));
  assert.ok(!canSend('   ', 0));
  assert.ok(canSend('', 1), 'files alone may be sent');
  assert.ok(!canSend('abc', 0, 2), 'the engine\'s own limit wins');
});

test('R47: a leading slash makes a command', () => {
  assert.ok(isSlashCommand('  /dc'));
  assert.ok(!isSlashCommand('see /docs'));
});

test('R33: the visitor\'s messages and picks are unread-worthy, the agent\'s own and system events are not', () => {
  assert.ok(isUnreadWorthy(event(2, {}), ME));
  assert.ok(isUnreadWorthy(event(2, { kind: 'choice_picked' }), ME));
  assert.ok(isUnreadWorthy(event(2, { author: { kind: 'agent', id: 2, name: 'Bob' } }), ME), 'another agent in a conference');
  assert.ok(!isUnreadWorthy(event(2, { author: { kind: 'agent', id: ME, name: 'Me' } }), ME));
  assert.ok(!isUnreadWorthy(event(2, { kind: 'agent_joined', author: { kind: 'system' } }), ME));
});

test('timers and countdowns', () => {
  assert.equal(elapsed(0, 67_000), '1:07');
  assert.equal(elapsed(0, 3_727_000), '1:02:07');
  assert.equal(elapsed(5_000, 0), '0:00');
  assert.equal(secondsLeft(10_500, 0), 11);
  assert.equal(secondsLeft(0, 10_000), 0);
});

test('R41: predefined titles match ignoring case and accents', () => {
  assert.ok(matchesTitle('Café hours', 'cafe'));
  assert.ok(matchesTitle('Greeting', ' gree '));
});

test('6.5: resume names each chat with the last seq held', () => {
  assert.equal(resumeParameter([{ chatId: 3, lastSeq: 9 }, { chatId: 4, lastSeq: 0 }, { chatId: 5, lastSeq: 2 }]), '3:9,5:2');
});

function store(): AgentStore {
  return new AgentStore({ id: ME, username: 'agent', display_name: 'Demo Agent', role: 'agent', capacity: 3 });
}

test('a replay after a reconnect adds nothing twice; unread counts only chats not in front', () => {
  const s = store();
  s.apply({ type: 'chat_assigned', chat_id: 7 });
  s.apply({ type: 'event', ...event(1, { kind: 'chat_requested', visitor_name: 'Ann', website_key: 'demo' }) });
  s.apply({ type: 'event', ...event(2, {}) });
  s.apply({ type: 'event', ...event(2, {}) });
  const ann = s.chat(7)!;
  assert.equal(ann.events.length, 2);
  assert.equal(ann.visitorName, 'Ann');
  assert.equal(ann.unread, 0, 'the first chat is in front');
  s.apply({ type: 'chat_assigned', chat_id: 8 });
  s.apply({ type: 'event', ...event(3, {}) });
  assert.equal(ann.unread, 0, 'still in front: a chat assigned elsewhere does not steal the focus');
  s.activate(8);
  s.apply({ type: 'event', ...event(4, {}) });
  assert.equal(ann.unread, 1);
  s.activate(7);
  assert.equal(ann.unread, 0);
});

test('R22: an expired offer is remembered for the RONA banner until the agent is Available', () => {
  const s = store();
  const offer = { type: 'offer', chat_id: 9, queue_id: 1, queue_name: 'Support', website_key: 'demo', visitor_name: 'Rita',
    requested_at_ms: 0, expires_at_ms: 15_000, visitor_details: {} };
  s.apply(offer);
  assert.equal(s.state.offer?.visitor_name, 'Rita');
  s.apply({ type: 'offer_withdrawn', chat_id: 9, reason: 'expired' });
  s.apply({ type: 'presence', presence: 'rona', away_reason: null });
  assert.equal(s.state.offer, null);
  assert.equal(s.state.missedOffer?.visitor_name, 'Rita');
  s.apply({ type: 'presence', presence: 'available', away_reason: null });
  assert.equal(s.state.missedOffer, null);
});

test('R50, R45: wrap-ups are owed until done; a chat handed on stays as a closed tab', () => {
  const s = store();
  s.apply({ type: 'chat_assigned', chat_id: 7 });
  s.apply({ type: 'chat_participants', chat_id: 7, owner_id: ME, agents: [], pending: { kind: 'transfer', from_agent_id: ME, offered_to: 3 } });
  s.apply({ type: 'chat_left', chat_id: 7, reason: 'transferred' });
  assert.equal(s.chat(7)!.participants, null, 'the pending transfer is over');
  s.apply({ type: 'error', chat_id: 7, error: 'not_a_participant' });
  assert.equal(s.chat(7)!.notice, null, 'a receipt that crossed the hand-over is no news');
  s.apply({ type: 'wrap_up_required', chat_id: 7, owed_at_ms: 0, auto_at_ms: null, default_reason_id: 1, reasons: [] });
  s.apply({ type: 'wrap_up_required', chat_id: 7, owed_at_ms: 0, auto_at_ms: null, default_reason_id: 1, reasons: [] });
  assert.equal(s.state.wrapUps.length, 1, 'a repeated request (a second tab) is one wrap-up');
  assert.equal(s.chat(7)!.left, 'transferred');
  s.apply({ type: 'wrap_up_done', chat_id: 7 });
  assert.equal(s.state.wrapUps.length, 0);
});
