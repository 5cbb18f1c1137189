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

test("every offered speed is credited in full by the server's span rule", () => {
  assert.deepEqual(core.speedsAllowed(2), [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);
  assert.deepEqual(core.speedsAllowed(1.5), [0.5, 0.75, 1, 1.25, 1.5]);
  assert.deepEqual(core.speedsAllowed(undefined), core.SPEEDS);
  // The player closes a span every 10 s of wall time: at each speed it fits what the server
  // accepts 10 s after the previous beat, so nothing is cut and left behind.
  for (const speed of core.speedsAllowed(RULES.max_rate)) {
    const played = speed * 10;
    const [piece, rest] = core.splitToAllowance(
      { from: 30, to: 30 + played, position: 30 + played, duration: 600 },
      core.spanAllowance(RULES, 0, 10000),
    );
    assert.equal(rest, null, `at ${speed}x`);
    assert.equal(piece.to - piece.from, played);
  }
  assert.equal(core.speedLabel(1.5), "1.5\u00d7");
  assert.equal(core.speedLabel(1), "1\u00d7");
  assert.equal(core.speedLabel(0.75), "0.75\u00d7");
  assert.equal(core.speedLabel("junk"), "1\u00d7");
});

test("a focused control keeps its own keys; elsewhere the shortcuts apply", () => {
  const kind = core.keyTargetKind;
  assert.equal(kind({ tagName: "INPUT", type: "search" }), "text");
  assert.equal(kind({ tagName: "TEXTAREA" }), "text");
  assert.equal(kind({ tagName: "DIV", isContentEditable: true }), "text");
  assert.equal(kind({ tagName: "BUTTON" }), "button");
  assert.equal(kind({ tagName: "A" }), "button");
  assert.equal(kind({ tagName: "INPUT", type: "range" }), "slider");
  assert.equal(kind({ tagName: "INPUT", type: "range", seek: true }), "seek");
  assert.equal(kind({ tagName: "VIDEO" }), "other");
  assert.equal(kind(null), "other");

  assert.equal(core.ownsKey("text", "k"), true);
  assert.equal(core.ownsKey("button", " "), true);
  assert.equal(core.ownsKey("button", "Enter"), true);
  assert.equal(core.ownsKey("button", "k"), false);
  assert.equal(core.ownsKey("button", "ArrowLeft"), false);
  assert.equal(core.ownsKey("slider", "ArrowLeft"), true);
  assert.equal(core.ownsKey("slider", "m"), false);
  assert.equal(core.ownsKey("seek", "ArrowLeft"), false); // the seek bar's arrows seek 5 s
  assert.equal(core.ownsKey("seek", "Home"), true);
  assert.equal(core.ownsKey("other", " "), false);
});

test("seeks stay inside the video and are told in words", () => {
  assert.equal(core.seekTarget(3, -5, 60), 0);
  assert.equal(core.seekTarget(58, 10, 60), 60);
  assert.equal(core.seekTarget(20, 10, null), 30);
  assert.equal(core.seekMessage(-5, 15), "Back 5 seconds, at 15 seconds");
  assert.equal(core.seekMessage(10, 75), "Forward 10 seconds, at 1 minute 15 seconds");
  assert.equal(core.seekValueText(65, 180), "1 minute 5 seconds of 3 minutes");
  assert.equal(core.seekValueText(0, NaN), "0 seconds");
});

test("caption menu: Off, then one entry per language", () => {
  assert.deepEqual(
    core.captionOptions([
      { language: "en", label: "English" },
      { language: "fr", label: "" },
      { language: "en", label: "English (again)" },
      { language: "", label: "No language" },
    ]),
    [
      { value: "off", label: "Off" },
      { value: "en", label: "English" },
      { value: "fr", label: "fr" },
    ],
  );
  assert.deepEqual(core.captionOptions([]), [{ value: "off", label: "Off" }]);
});

test("scrubber thumbnails: time under the pointer and the sprite tile", () => {
  assert.equal(core.scrubTime(150, 100, 200, 60), 15);
  assert.equal(core.scrubTime(50, 100, 200, 60), 0);
  assert.equal(core.scrubTime(400, 100, 200, 60), 60);
  assert.equal(core.scrubTime(150, 100, 0, 60), 0);
  const cues = core.parseStoryboardVtt(
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhttps://img/s.jpg?token=a#xywh=0,0,160,90\n\n" +
      "00:00:01.000 --> 00:00:02.000\nhttps://img/s.jpg?token=a#xywh=160,0,160,90\n",
  );
  assert.deepEqual(core.tileStyle(core.cueAt(cues, 1.5)), {
    width: "160px",
    height: "90px",
    backgroundImage: 'url("https://img/s.jpg?token=a")',
    backgroundPosition: "-160px -0px",
  });
  // A quote in the URL cannot end the CSS string.
  const odd = core.tileStyle({ url: 'https://x/"); color: red', x: 0, y: 0, w: 1, h: 1 });
  assert.equal(odd.backgroundImage, 'url("https://x/%22); color: red")');
});

const COURSE = {
  completed_lessons: 0,
  total_lessons: 2,
  percent: 0,
  continue_lesson_id: "a",
  continue_title: "First",
  continue_position_s: 0,
  lessons: [
    { id: "a", title: "First", completed: false, position_s: 0, coverage: 0 },
    { id: "b", title: "Second", completed: false, position_s: 0, coverage: 0 },
  ],
};

test("an accepted beat moves 'Continue' to the lesson and its position", () => {
  const { course, refetch } = core.applyBeat(
    COURSE,
    "b",
    { completed: false, position_s: 12.4, duration_s: 60, coverage: 0.2 },
    0.05,
  );
  assert.equal(refetch, false);
  assert.equal(course.continue_lesson_id, "b");
  assert.equal(core.continueText(course), "Continue: Second at 0:12");
  assert.equal(core.progressSummary(course), "0 of 2 lessons completed \u00b7 0%");
  assert.equal(COURSE.continue_lesson_id, "a"); // the input is left alone
  // Near the end the server resumes from the start.
  const tail = core.applyBeat(COURSE, "a", { completed: false, position_s: 58, duration_s: 60 }, 0.05);
  assert.equal(core.continueText(tail.course), "Start: First");
});

test("a completing beat ticks the lesson, counts it and asks the server what comes next", () => {
  const { course, refetch } = core.applyBeat(
    COURSE,
    "a",
    { completed: true, position_s: 4, duration_s: 4, coverage: 1 },
    0.05,
  );
  assert.equal(refetch, true);
  assert.equal(course.lessons[0].completed, true);
  assert.equal(course.completed_lessons, 1);
  assert.equal(course.percent, 50);
  assert.equal(core.progressSummary(course), "1 of 2 lessons completed \u00b7 50%");
  assert.equal(core.continueText(course), "Continue: Second");
  // Watching a completed lesson again changes nothing; the last lesson leaves nothing to do.
  const again = core.applyBeat(course, "a", { completed: false, position_s: 1, duration_s: 4 }, 0.05);
  assert.equal(again.refetch, false);
  assert.equal(again.course.completed_lessons, 1);
  assert.equal(again.course.continue_lesson_id, "b");
  const last = core.applyBeat(again.course, "b", { completed: true, position_s: 9, duration_s: 9 }, 0.05);
  assert.equal(last.course.percent, 100);
  assert.equal(core.continueText(last.course), null);
  assert.equal(core.percentOf(1, 3), 33.3);
  assert.equal(core.applyBeat(COURSE, "zzz", { completed: true }, 0.05).refetch, true);
});

test("beats carry the view and a seq that stays the same across retries", () => {
  const view = { id: "v1.abc", expires_at: "2026-01-01T00:00:00Z" };
  const entry = { from: 0, to: 4, position: 4, duration: 10 };
  let last = core.stampView(entry, view, 0);
  assert.equal(last, 1);
  assert.deepEqual(core.beatBody(entry), {
    position_s: 4, duration_s: 10, played_from_s: 0, played_to_s: 4, view_id: "v1.abc", seq: 1,
  });
  last = core.stampView(entry, view, last); // a retry keeps its number
  assert.equal(entry.seq, 1);
  const next = { from: 4, to: 8, position: 8, duration: 10 };
  last = core.stampView(next, view, last);
  assert.equal(next.seq, 2);
  const [head, rest] = core.splitToAllowance({ ...next, from: 4, to: 20 }, 4);
  assert.equal(head.seq, 2);
  assert.equal(rest.seq, undefined);
  assert.equal(rest.viewId, undefined);
  // a beat kept from an earlier view (a reload) is numbered for the new one
  const renumbered = core.stampView(next, { id: "v2.def" }, 0);
  assert.equal(renumbered, 1);
  assert.equal(next.viewId, "v2.def");
});

test("old servers without a view: beats have no view fields", () => {
  const entry = { from: 0, to: 4, position: 4, duration: 10 };
  assert.equal(core.stampView(entry, undefined, 0), 0);
  assert.deepEqual(Object.keys(core.beatBody(entry)).sort(), [
    "duration_s", "played_from_s", "played_to_s", "position_s",
  ]);
});
