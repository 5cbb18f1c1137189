"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const editor = require("../quiz_editor.js");

function fakeRoot(video) {
  const field = { value: "", focused: false, dispatchEvent() {}, focus() { this.focused = true; } };
  const handlers = {};
  const button = {
    hidden: true,
    getAttribute: () => "q-0-at_s",
    addEventListener: (name, handler) => { handlers[name] = handler; },
  };
  const root = {
    querySelector: () => video,
    querySelectorAll: () => [button],
    getElementById: (id) => (id === "q-0-at_s" ? field : null),
  };
  return { root, field, button, handlers };
}

test("the current time is rounded to tenths of a second", () => {
  assert.equal(editor.roundedTime({ currentTime: 12.345 }), 12.3);
  assert.equal(editor.roundedTime({ currentTime: 0 }), 0);
});

test("the button shows with a preview player and fills the field from it", () => {
  global.Event = class { constructor(name) { this.type = name; } };
  const video = { currentTime: 41.27 };
  const { root, field, button, handlers } = fakeRoot(video);
  editor.enhance(root);
  assert.equal(button.hidden, false);
  handlers.click();
  assert.equal(field.value, "41.3");
  assert.equal(field.focused, true);
});

test("without a preview player the button stays hidden", () => {
  const { root, button } = fakeRoot(null);
  editor.enhance(root);
  assert.equal(button.hidden, true);
});

test("a row's field names, ids and references are renumbered, template rows included", () => {
  assert.equal(editor.renumberValue("q-__prefix__-prompt", 3), "q-3-prompt");
  assert.equal(editor.renumberValue("q-12-at_s", 0), "q-0-at_s");
  assert.equal(
    editor.renumberValue("q-2-answers-help q-2-answers-error", 1),
    "q-1-answers-help q-1-answers-error"
  );
  assert.equal(editor.renumberValue("quiz-pass-percent", 4), "quiz-pass-percent");
  assert.equal(editor.renumberValue("faq-1-x", 4), "faq-1-x");
});

test("a row moves one place up or down, never past either end", () => {
  assert.equal(editor.moveTarget(3, 1, "up"), 0);
  assert.equal(editor.moveTarget(3, 1, "down"), 2);
  assert.equal(editor.moveTarget(3, 0, "up"), -1);
  assert.equal(editor.moveTarget(3, 2, "down"), -1);
  assert.equal(editor.moveTarget(1, 0, "down"), -1);
});

test("each button names the question it acts on", () => {
  assert.deepEqual(editor.rowLabels(2), {
    legend: "Question 2",
    up: "Move question 2 up",
    down: "Move question 2 down",
    remove: "Remove question 2",
    addChoice: "Add a choice to question 2",
    choices: "Choices of question 2",
  });
});

test("choices belong to choice questions, tolerance to numeric ones", () => {
  assert.deepEqual(editor.kindUses("single"), { choices: true, numeric: false });
  assert.deepEqual(editor.kindUses("multiple"), { choices: true, numeric: false });
  assert.deepEqual(editor.kindUses("true_false"), { choices: false, numeric: false });
  assert.deepEqual(editor.kindUses("short_answer"), { choices: false, numeric: false });
  assert.deepEqual(editor.kindUses("numeric"), { choices: false, numeric: true });
});

test("the choices' lines become fields: trailing empty ones dropped, two at least", () => {
  assert.deepEqual(editor.splitChoices("Paris\r\nLyon\n\n  \n"), ["Paris", "Lyon"]);
  assert.deepEqual(editor.splitChoices("a\n\nb\nc"), ["a", "", "b", "c"]);
  assert.deepEqual(editor.splitChoices("only"), ["only", ""]);
  assert.deepEqual(editor.splitChoices(""), ["", ""]);
});

test("each choice is labelled with its place, its button with the question too", () => {
  assert.deepEqual(editor.choiceLabels(3, 2), {
    label: "Choice 3",
    remove: "Remove choice 3 of question 2",
  });
});
test("enhancing again (after a row is added) binds each button once", () => {
  global.Event = class { constructor(name) { this.type = name; } };
  const { root, button } = fakeRoot({ currentTime: 3 });
  let bindings = 0;
  button.addEventListener = () => { bindings += 1; };
  editor.enhance(root);
  editor.enhance(root);
  assert.equal(bindings, 1);
});
