// Unit tests of the player's span and heartbeat rules: `node --test static/js/tests/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const core = require("../player_core.js");

const RULES = { interval_s: 2, max_rate: 2, slack_s: 3, first_beat_max_s: 15 };

test("touching spans merge, a jump keeps them apart", () => {
  const q = new core.SpanQueue();
  q.addSpan(0, 10, 10, 60);
  q.addSpan(10.2, 20, 20, 60);
  q.addSpan(40, 45, 45, 60);
  assert.deepEqual(q.snapshot().map((e) => [e.from, e.to]), [[0, 20], [40, 45]]);
});

test("the started beat goes out on its own; nothing played queues nothing", () => {
  const q = new core.SpanQueue();
  q.addStarted(0, 60);
  q.addSpan(0, 5, 5, 60);
  assert.equal(q.addSpan(7, 7, 7, 60), false);
  assert.equal(q.addSpan(9, 8, 8, 60), false);
  assert.deepEqual(q.snapshot().map((e) => [e.from, e.to, !!e.started]), [[0, 0, true], [0, 5, false]]);
});

test("a span put back loses its started flag and merges with the next", () => {
  const q = new core.SpanQueue();
  q.addStarted(0, 60);
  const first = q.shift();
  q.addSpan(0, 4, 4, 60);
  q.putBack(first);
  assert.deepEqual(q.snapshot().map((e) => [e.from, e.to]), [[0, 4]]);
});

test("spans are clamped to the duration and the queue is bounded", () => {
  const q = new core.SpanQueue([], 3);
  q.addSpan(50, 99, 99, 60);
  assert.equal(q.snapshot()[0].to, 60);
  for (let i = 0; i < 5; i += 1) q.addSpan(i * 2, i * 2 + 1, 0, 60);
  assert.equal(q.length, 3);
});

test("stored queues are restored, invalid entries skipped", () => {
  const q = new core.SpanQueue([{ from: 1, to: 2, position: 2, duration: 10 }, { from: 5, to: 3 }, null]);
  assert.equal(q.length, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(q)), [{ from: 1, to: 2, position: 2, duration: 10 }]);
});

test("allowance follows the server's span rule, first beat limited", () => {
  assert.equal(core.spanAllowance(RULES, null, 0), 15);
  // 10 s after the last accepted beat: 2 x 10 + 3 - margin.
  assert.equal(core.spanAllowance(RULES, 0, 10000), 22.5);
  // Sooner than the interval: judged at the interval.
  assert.equal(core.spanAllowance(RULES, 0, 500), 6.5);
});

test("a 2x-speed tick of 10 s wall time fits the allowance", () => {
  const allowance = core.spanAllowance(RULES, 0, 10000);
  const [piece, rest] = core.splitToAllowance({ from: 0, to: 20, position: 20, duration: 100 }, allowance);
  assert.equal(rest, null);
  assert.equal(piece.to, 20);
});

test("a long backlog is cut, never extended", () => {
  const entry = { from: 10, to: 100, position: 100, duration: 100, started: true };
  const [head, rest] = core.splitToAllowance(entry, 15);
  assert.deepEqual([head.from, head.to, rest.from, rest.to], [10, 25, 25, 100]);
  assert.equal(head.started, undefined);
  assert.equal(head.to - head.from + (rest.to - rest.from), entry.to - entry.from);
});

test("failures: retry, hold for sign-in, or drop", () => {
  assert.equal(core.failureKind(0), "retry");
  assert.equal(core.failureKind(429), "retry");
  assert.equal(core.failureKind(503), "retry");
  assert.equal(core.failureKind(401), "auth");
  assert.equal(core.failureKind(403), "auth");
  assert.equal(core.failureKind(400), "drop");
});

test("beat bodies are rounded to milliseconds", () => {
  assert.deepEqual(core.beatBody({ from: 1.23456, to: 2.5, position: 2.5, duration: 10 }), {
    position_s: 2.5, duration_s: 10, played_from_s: 1.235, played_to_s: 2.5,
  });
});

test("keyboard shortcuts", () => {
  assert.deepEqual(core.keyAction({ key: " " }), { type: "toggle-play" });
  assert.deepEqual(core.keyAction({ key: "k" }), { type: "toggle-play" });
  assert.deepEqual(core.keyAction({ key: "ArrowLeft" }), { type: "seek", by: -5 });
  assert.deepEqual(core.keyAction({ key: "l" }), { type: "seek", by: 10 });
  assert.deepEqual(core.keyAction({ key: "f" }), { type: "fullscreen" });
  assert.deepEqual(core.keyAction({ key: "c" }), { type: "captions" });
  assert.deepEqual(core.keyAction({ key: "m" }), { type: "mute" });
  assert.equal(core.keyAction({ key: "k", ctrlKey: true }), null);
  assert.equal(core.keyAction({ key: "x" }), null);
});

test("speeds, captions, clock, storyboard", () => {
  assert.equal(core.normaliseSpeed("1.5"), 1.5);
  assert.equal(core.normaliseSpeed(9), 2);
  assert.equal(core.normaliseSpeed(null), 1);
  const tracks = [{ language: "en" }, { language: "fr" }];
  assert.equal(core.nextCaptionChoice(tracks, "off", "fr"), "fr");
  assert.equal(core.nextCaptionChoice(tracks, "en", "en"), "off");
  assert.equal(core.initialCaptionChoice(tracks, "de"), "off");
  assert.equal(core.formatClock(65), "1:05");
  assert.equal(core.formatClock(3723), "1:02:03");
  const cues = core.parseStoryboardVtt("WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nhttp://x/s.jpg?t=1#xywh=0,0,160,90\n");
  assert.deepEqual(core.cueAt(cues, 2), { start: 0, end: 5, url: "http://x/s.jpg?t=1", x: 0, y: 0, w: 160, h: 90 });
});
