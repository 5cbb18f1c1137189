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
