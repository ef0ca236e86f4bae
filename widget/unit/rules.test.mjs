// Unit tests of the widget's pure rules: the form checks that mirror the engine's (R4, R11,
// R62, docs/protocol.md 1.5) and the language choice (R12). Run with `node --test unit/`
// (tests/widget_bundle.rs does); esbuild turns the TypeScript into a module first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";

const here = new URL("..", import.meta.url).pathname;
const bundled = await build({
  stdin: { contents: 'export * from "./src/app/validation.ts"; export * from "./src/i18n/index.ts";', resolveDir: here, loader: "ts" },
  bundle: true,
  format: "esm",
  write: false,
});
const rules = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);

const form = {
  elements: [
    { type: "label", text: "Hello" },
    { type: "input", input: "text", name: "name", required: true, max_length: 5 },
    { type: "input", input: "email", name: "email" },
    { type: "input", input: "number", name: "seats", min: 1, max: 10 },
    { type: "select", name: "topic", required: true, options: [{ value: "a" }, { value: "b" }] },
    { type: "checkboxes", name: "products", options: [{ value: "x" }, { value: "y" }] },
    { type: "textarea", name: "message", max_length: 20 },
    { type: "agreement", name: "privacy" },
    { type: "attachment", name: "files", max_files: 1 },
  ],
};

test("R62: every problem at once, in the form's order, with the engine's codes", () => {
  const problems = rules.validateForm(form, {
    name: "  ",
    email: "ann@localhost",
    seats: "11",
    topic: "c",
    products: ["x", "z"],
    message: "a\u0007b",
    privacy: false,
    files: ["1", "2"],
  });
  assert.deepEqual(
    problems.map((p) => `${p.field}:${p.error}`),
    [
      "name:field_required",
      "email:invalid_email",
      "seats:number_out_of_range",
      "topic:invalid_option",
      "products:invalid_option",
      "message:control_characters",
      "privacy:agreement_required",
      "files:too_many_files",
    ],
  );
});

test("R62: valid values pass and are sent cleaned (numbers as numbers, blanks left out)", () => {
  const values = { name: " Ann ", email: "", seats: "3,5", topic: "a", products: [], message: "line\nand\ttab", privacy: true, files: [] };
  assert.deepEqual(rules.validateForm(form, values), []);
  assert.deepEqual(rules.submission(form, values), { name: " Ann ", seats: 3.5, topic: "a", message: "line\nand\ttab", privacy: true });
});

test("R38: lengths count code points, as the engine does", () => {
  assert.equal(rules.charCount("😀😀"), 2);
  assert.deepEqual(rules.validateForm(form, { name: "😀😀😀😀😀", topic: "a", privacy: true }), []);
  assert.equal(rules.validateForm(form, { name: "😀😀😀😀😀😀", topic: "a", privacy: true })[0].error, "field_too_long");
});

test("R11: accept lists by extension, exact type and type family; none takes every type", () => {
  assert.ok(rules.accepts([".pdf", "image/*"], "Report.PDF", "application/pdf"));
  assert.ok(rules.accepts([".pdf", "image/*"], "photo", "image/png"));
  assert.ok(!rules.accepts([".pdf", "image/*"], "notes.txt", "text/plain"));
  assert.ok(rules.accepts(["text/plain"], "notes", "text/plain"));
  assert.ok(rules.accepts([], "anything.bin", ""));
});

test("e-mail addresses as the engine takes them", () => {
  assert.ok(rules.isEmail("ann@example.org"));
  for (const bad of ["ann@", "ann@example", "Ann <ann@example.org>", "a b@example.org", `${"a".repeat(250)}@example.org`])
    assert.ok(!rules.isEmail(bad), bad);
});

test("R12: the first wish with a catalogue, by its primary subtag, else English", () => {
  assert.equal(rules.chooseLanguage([undefined, "de-CH", "en"]), "de");
  assert.equal(rules.chooseLanguage(["fr-FR", "nl_BE"]), "nl");
  assert.equal(rules.chooseLanguage(["fr", null]), "en");
  assert.equal(rules.chooseLanguage(["CS"]), "cs");
});

test("texts fill their placeholders and keep unknown ones", () => {
  assert.equal(rules.fill("{n} of {m}", { n: 1 }), "1 of {m}");
});
