// Unit tests of the forms builder's pure rules (R62, R63, R64, R74), run by `node unit.mjs`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ELEMENT_TYPES, cleanElement, elementOfError, fieldNames, formsBody, moveElement, newElement, offlineOptionsBody,
  previewConfig, prunedMapping, subjectFields, targetOf, withTarget, type ContactMapping, type ElementSpec,
} from './forms';

const mapping: ContactMapping = { list: 'default', match_key: 'email', name: 'name', email: 'email', phone: null, custom: {} };

test('every one of the eight element types can be added, each field with a name of its own (R62)', () => {
  const list: ElementSpec[] = [];
  for (const type of ELEMENT_TYPES) list.push(newElement(type, list));
  assert.equal(list.length, 8);
  const names = list.filter((e) => e.type !== 'label').map((e) => e.name);
  assert.equal(new Set(names).size, 7);
  assert.deepEqual(list.find((e) => e.type === 'select')?.options?.length, 2);
  assert.equal(list.find((e) => e.type === 'agreement')?.required, undefined, 'an agreement is always required');
});

test('elements move up and down, not past either end (R62)', () => {
  assert.deepEqual(moveElement(['a', 'b', 'c'], 2, -1), ['a', 'c', 'b']);
  assert.deepEqual(moveElement(['a', 'b', 'c'], 0, 1), ['b', 'a', 'c']);
  assert.deepEqual(moveElement(['a', 'b'], 0, -1), ['a', 'b']);
  assert.deepEqual(moveElement(['a', 'b'], 1, 1), ['a', 'b']);
});

test('an element is saved with only the properties its type takes', () => {
  const input: ElementSpec = { type: 'input', input: 'email', name: 'email', label: 'E-mail', required: true, max_length: 80, min: 1, options: [] };
  assert.deepEqual(cleanElement(input), { type: 'input', input: 'email', name: 'email', label: 'E-mail', required: true });
  const number: ElementSpec = { type: 'input', input: 'number', name: 'n', label: 'N', min: 1, max: Number.NaN };
  assert.deepEqual(cleanElement(number), { type: 'input', input: 'number', name: 'n', label: 'N', min: 1 });
  const select: ElementSpec = { type: 'select', name: 's', label: 'S', required: false, options: [{ value: 'a', label: 'a' }, { value: 'b', label: 'Bee' }], text: 'x' };
  assert.deepEqual(cleanElement(select).options, [{ value: 'a' }, { value: 'b', label: 'Bee' }]);
  assert.deepEqual(cleanElement({ type: 'label', text: 'Hi', name: 'x' }), { type: 'label', text: 'Hi' });
});

test('a form switched off is null: the name-only start or the default offline form (R74, R77)', () => {
  assert.deepEqual(formsBody(null, null), { prechat_form: null, offline_form: null });
  assert.deepEqual(formsBody([{ type: 'label', text: 'Hi' }], null).prechat_form, { elements: [{ type: 'label', text: 'Hi' }] });
});

test('an engine error is placed next to the element it names', () => {
  assert.equal(elementOfError('element 3: another field of the form has this name'), 2);
  assert.equal(elementOfError('the form is not valid: missing field'), null);
});

test('a field goes to one contact field or is a routing variable (R63)', () => {
  assert.equal(targetOf(mapping, 'email'), 'email');
  assert.equal(targetOf(mapping, 'topic'), 'variable');
  let next = withTarget(mapping, 'topic', 'custom:subject');
  assert.equal(targetOf(next, 'topic'), 'custom:subject');
  next = withTarget(next, 'mail2', 'email');
  assert.equal(next.email, 'mail2');
  assert.equal(targetOf(next, 'email'), 'variable', 'the field that had e-mail before is let go');
  next = withTarget(next, 'topic', 'variable');
  assert.deepEqual(next.custom, {});
});

test('fields no form has any more leave the mapping', () => {
  const names = fieldNames([{ type: 'input', input: 'text', name: 'name', label: 'Name' }], null);
  const pruned = prunedMapping({ ...mapping, custom: { city: 'town', zip: 'name' } }, names);
  assert.equal(pruned.name, 'name');
  assert.equal(pruned.email, null);
  assert.deepEqual(pruned.custom, { zip: 'name' });
});

test('offline options: a blank address switches its option off; only one-text fields give a subject (R64)', () => {
  assert.deepEqual(offlineOptionsBody('de', ' ', '', 'x'), { language: 'de', forward_to: null, open_interaction: null });
  assert.deepEqual(offlineOptionsBody(null, 'a@b.c', 'in@b.c', ''), {
    language: null, forward_to: 'a@b.c', open_interaction: { mailbox: 'in@b.c', subject_field: null },
  });
  const fields = subjectFields([
    { type: 'input', input: 'number', name: 'n', label: 'N' }, { type: 'input', input: 'text', name: 's', label: 'S' },
    { type: 'checkboxes', name: 'c', label: 'C', options: [{ value: 'a' }] }, { type: 'agreement', name: 'ok', label: 'OK' },
    { type: 'select', name: 't', label: 'T', options: [{ value: 'a' }] },
  ]);
  assert.deepEqual(fields.map((f) => f.name), ['n', 's', 't']);
});

test('the preview draws the unsaved forms, the default offline form when there is none', () => {
  const config = previewConfig({
    key: 'shop', name: 'Shop', offline: true, appearance: {}, language: null,
    prechat: [{ type: 'input', input: 'text', name: 'name', label: 'Name', required: true }], offlineForm: null,
  });
  assert.equal(config.mode, 'offline');
  assert.equal(config.offline_form.elements.length, 3);
  assert.equal(config.prechat_form?.elements[0].name, 'name');
});
