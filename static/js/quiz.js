/*
 * LearnStream: the lesson's quiz on the lesson page.
 *
 * Markup (templates/assessments/_quiz.html): <section data-quiz data-attempts-url> with a
 * <form data-quiz-form> of <fieldset data-question-id data-kind [data-at-s]> questions,
 * each with a <div data-question-result hidden>, a [data-quiz-submit] button and a
 * [data-quiz-status] role=status line. The page holds no answer key: the server grades.
 *
 * In-video questions (data-at-s): this script listens to the lesson <video>'s `timeupdate`
 * (it never touches the player's own scripts). When playback reaches a question's time it
 * pauses the video, moves that question into a panel under the video, focuses it and
 * offers "Continue the video"; the answer stays in the form and is sent with the others
 * as one attempt. The hook for other scripts, on the <video> element:
 *   "learnstream:quiz-question"  detail {questionId, atS}  (the video was paused for it)
 *   "learnstream:quiz-continue"  detail {questionId}       (the learner went on)
 * and window.LearnStreamQuiz = {questions: [{questionId, atS}], ask(questionId)}.
 *
 * Needs: window.LearnStreamAPI (api.js).
 */
(function () {
  "use strict";

  const api = window.LearnStreamAPI;

  function answerOf(fieldset) {
    const kind = fieldset.dataset.kind;
    const inputs = Array.from(fieldset.querySelectorAll("input"));
    if (kind === "multiple") {
      const values = inputs.filter((input) => input.checked).map((input) => input.value);
      return values.length ? values : undefined;
    }
    if (kind === "single" || kind === "true_false") {
      const checked = inputs.find((input) => input.checked);
      if (!checked) return undefined;
      return kind === "true_false" ? checked.value === "true" : checked.value;
    }
    const text = (inputs[0] && inputs[0].value.trim()) || "";
    if (!text) return undefined;
    if (kind === "numeric") {
      const number = Number(text.replace(",", "."));
      return Number.isFinite(number) ? number : NaN;
    }
    return text;
  }

  function describeAnswer(value) {
    if (Array.isArray(value)) return value.map(describeAnswer).join(" / ");
    if (value === true) return "True";
    if (value === false) return "False";
    return String(value);
  }

  function showResult(fieldset, result) {
    const box = fieldset.querySelector("[data-question-result]");
    if (!box) return;
    box.textContent = "";
    box.className = "quiz-result " + (result.correct ? "quiz-correct" : "quiz-incorrect");
    const verdict = document.createElement("p");
    verdict.textContent = result.correct
      ? `Correct (${result.points_earned} point${result.points_earned === 1 ? "" : "s"}).`
      : "Not correct.";
    box.appendChild(verdict);
    if (result.feedback) {
      const feedback = document.createElement("p");
      feedback.textContent = result.feedback;
      box.appendChild(feedback);
    }
    if (Object.prototype.hasOwnProperty.call(result, "correct_answer")) {
      const key = document.createElement("p");
      key.textContent = "Correct answer: " + describeAnswer(result.correct_answer);
      box.appendChild(key);
    }
    box.hidden = false;
  }

  function mountInVideo(section, form, setStatus) {
    const video = document.querySelector("video[data-player]");
    const timed = Array.from(form.querySelectorAll("fieldset[data-at-s]"))
      .map((fieldset) => ({ fieldset, questionId: fieldset.dataset.questionId, atS: parseFloat(fieldset.dataset.atS) }))
      .filter((item) => Number.isFinite(item.atS))
      .sort((a, b) => a.atS - b.atS);
    const hook = { questions: timed.map(({ questionId, atS }) => ({ questionId, atS })), ask: () => {} };
    window.LearnStreamQuiz = hook;
    if (!video || !timed.length) return;

    const panel = document.createElement("div");
    panel.className = "card quiz-pause";
    panel.setAttribute("role", "region");
    panel.setAttribute("aria-label", "Question in the video");
    panel.hidden = true;
    const heading = document.createElement("h2");
    heading.tabIndex = -1;
    heading.textContent = "The video is paused for a question";
    const slot = document.createElement("div");
    const go = document.createElement("button");
    go.type = "button";
    go.className = "button";
    go.textContent = "Continue the video";
    panel.append(heading, slot, go);
    const root = video.closest("[data-player-root]") || video;
    root.insertAdjacentElement("afterend", panel);

    const asked = new Set();
    let open = null; // {item, marker}

    function ask(item) {
      if (open) return;
      asked.add(item.questionId);
      video.pause();
      const marker = document.createComment("question " + item.questionId);
      item.fieldset.before(marker);
      slot.appendChild(item.fieldset);
      open = { item, marker };
      panel.hidden = false;
      heading.focus();
      video.dispatchEvent(new CustomEvent("learnstream:quiz-question", { detail: { questionId: item.questionId, atS: item.atS } }));
    }

    function close() {
      if (!open) return;
      const { item, marker } = open;
      marker.replaceWith(item.fieldset);
      open = null;
      panel.hidden = true;
      video.dispatchEvent(new CustomEvent("learnstream:quiz-continue", { detail: { questionId: item.questionId } }));
      const next = timed.find((candidate) => !asked.has(candidate.questionId));
      if (!next) setStatus("You have met every question in the video. Submit your answers below when ready.");
      video.focus();
      const played = video.play();
      if (played && typeof played.catch === "function") played.catch(() => {});
    }

    hook.ask = (questionId) => {
      const item = timed.find((candidate) => candidate.questionId === questionId);
      if (item) ask(item);
    };
    go.addEventListener("click", close);
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    video.addEventListener("timeupdate", () => {
      if (open) return;
      const due = timed.find((item) => !asked.has(item.questionId) && video.currentTime >= item.atS);
      if (due) ask(due);
    });
    video.addEventListener("play", () => {
      // Playing on (e.g. with the keyboard) while a question is open answers it later.
      if (open) close();
    });
  }

  function mount(section) {
    const form = section.querySelector("[data-quiz-form]");
    const submit = section.querySelector("[data-quiz-submit]");
    const statusEl = section.querySelector("[data-quiz-status]");
    const standingEl = section.querySelector("[data-quiz-standing]");
    if (!form) return;

    function setStatus(message) {
      if (statusEl) statusEl.textContent = message || "";
    }

    mountInVideo(section, form, setStatus);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answers = {};
      let bad = null;
      section.querySelectorAll("fieldset[data-question-id]").forEach((fieldset) => {
        const value = answerOf(fieldset);
        if (Number.isNaN(value)) bad = bad || fieldset;
        else if (value !== undefined) answers[fieldset.dataset.questionId] = value;
      });
      if (bad) {
        setStatus("Enter a number (for example 3.5) where a number is asked.");
        const input = bad.querySelector("input");
        if (input) input.focus();
        return;
      }
      submit.disabled = true;
      setStatus("Grading…");
      try {
        const result = await api.request(section.dataset.attemptsUrl, { method: "POST", json: { answers } });
        result.results.forEach((item) => {
          const fieldset = section.querySelector(`fieldset[data-question-id="${CSS.escape(item.question_id)}"]`);
          if (fieldset) showResult(fieldset, item);
        });
        const left = result.attempts_left;
        let message = `Attempt ${result.attempt}: ${result.score_percent}% (${result.points_earned} of ${result.points_possible} points), ${result.passed ? "passed" : "not passed yet"}.`;
        if (left === 0) message += " You have used every attempt.";
        else if (left !== null && left !== undefined) message += ` ${left} attempt${left === 1 ? "" : "s"} left.`;
        setStatus(message);
        if (standingEl && result.passed) standingEl.textContent += " · passed";
        submit.disabled = left === 0;
      } catch (err) {
        setStatus(err.message);
        submit.disabled = err.code === "conflict";
      }
    });
  }

  document.querySelectorAll("[data-quiz]").forEach(mount);
})();
