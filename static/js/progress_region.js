/*
 * The lesson page's progress keeps up with the learner: after each accepted heartbeat or
 * completion the outline's ✓, the course percent and bar, the "Continue" link and the
 * mark-complete button change in place, without a reload.
 *
 * Markup: <aside data-progress-region data-progress-url="/api/v1/courses/<slug>/progress"
 *   data-course-slug data-resume-tail> holding the course progress
 *   (tracking/_course_progress.html: [data-progress-summary], [data-progress-bar],
 *   [data-continue]) and the outline (<li data-lesson-id>).
 * Listens for `learnstream:progress` (a lesson's progress as the heartbeat and complete
 * endpoints answer it), dispatched by player.js on its <video data-lesson-id> and by
 * lesson_complete.js on its <button data-lesson-id>.
 *
 * The first beat on the page reads the course's progress once (GET the progress URL); later
 * beats are applied here (core.applyBeat: no extra request), except when a lesson completes,
 * when the server says which lesson comes next. Exposes window.LearnStreamProgressRegion
 * ({refresh(), get course()}) for player.js and tests.
 *
 * Needs window.LearnStreamAPI (api.js) and window.LearnStreamPlayerCore (player_core.js).
 */
(function () {
  "use strict";

  const api = window.LearnStreamAPI;
  const core = window.LearnStreamPlayerCore;
  const RETRY_READ_MS = 60000;

  function mount(region) {
    const url = region.dataset.progressUrl;
    const slug = region.dataset.courseSlug;
    const tail = Number(region.dataset.resumeTail);
    const box = region.querySelector(".course-progress");
    let course = null; // the last known course progress (the API's shape)
    let inFlight = null;
    let again = false;
    let renders = 0;
    let lastBeat = null; // {lessonId, progress}: the newest answer, laid over every read
    let failedAt = 0; // a read failed then: don't read again on every beat for a while

    function lessonHref(id) {
      return `/courses/${slug}/lessons/${id}/`;
    }

    function renderContinue(data) {
      const text = core.continueText(data);
      let link = box.querySelector("[data-continue]");
      let done = box.querySelector("[data-progress-done]");
      if (text) {
        if (done) done.remove();
        if (!link) {
          const p = document.createElement("p");
          link = document.createElement("a");
          link.className = "button";
          link.dataset.continue = "";
          p.append(link);
          box.append(p);
        }
        link.href = lessonHref(data.continue_lesson_id);
        link.textContent = text;
        return;
      }
      if (link) link.closest("p").remove();
      if (data.total_lessons && data.completed_lessons === data.total_lessons && !done) {
        done = document.createElement("p");
        done.dataset.progressDone = "";
        done.textContent = "You have completed every lesson.";
        box.append(done);
      }
    }

    function renderOutline(data) {
      const completed = new Set(data.lessons.filter((item) => item.completed).map((item) => item.id));
      region.querySelectorAll("li[data-lesson-id]").forEach((item) => {
        const id = item.dataset.lessonId;
        const mark = item.querySelector("[data-completed]");
        if (completed.has(id) && !mark) {
          const span = document.createElement("span");
          span.className = "lesson-done";
          span.dataset.completed = "";
          span.setAttribute("role", "img");
          span.setAttribute("aria-label", "Completed");
          span.title = "Completed";
          span.textContent = "✓";
          item.querySelector("a").after(" ", span);
        } else if (!completed.has(id) && mark) {
          mark.remove();
        }
      });
    }

    function renderCurrentLesson(data) {
      const current = region.querySelector("li[aria-current=page]");
      const item = current && data.lessons.find((entry) => entry.id === current.dataset.lessonId);
      if (!item || !item.completed) return;
      const button = document.querySelector("button[data-mark-complete]");
      if (button) {
        button.hidden = true;
        button.disabled = true;
      }
      const doneEl = document.querySelector("[data-lesson-complete]");
      if (doneEl) {
        doneEl.hidden = false;
        doneEl.dataset.completed = "true";
      }
    }

    function render(data) {
      if (!data || !Array.isArray(data.lessons)) return;
      course = data;
      const summary = box.querySelector("[data-progress-summary]");
      if (summary) summary.textContent = core.progressSummary(data);
      const bar = box.querySelector("[data-progress-bar]");
      if (bar) {
        const percent = Math.round(data.percent);
        bar.value = percent;
        bar.textContent = `${percent}%`;
      }
      renderContinue(data);
      renderOutline(data);
      renderCurrentLesson(data);
      renders += 1;
      region.dispatchEvent(new CustomEvent("learnstream:progress-region", { detail: data }));
    }

    // One read at a time. A beat answered while a read is running may be newer than what
    // that read sees: `stale` reads again after it. A plain refresh joins the running read.
    function refresh(stale) {
      if (inFlight) {
        if (stale) again = true;
        return inFlight;
      }
      inFlight = api
        .request(url)
        .then(
          (data) => {
            failedAt = 0;
            // The server may store beats a moment after answering them: the newest answer
            // this page holds is laid over what it read (applying a beat twice is harmless).
            render(lastBeat ? core.applyBeat(data, lastBeat.lessonId, lastBeat.progress, tail).course : data);
          },
          () => {
            failedAt = Date.now(); // signed out or offline: the page keeps what it shows
          },
        )
        .finally(() => {
          inFlight = null;
          if (again) {
            again = false;
            refresh(false);
          }
        });
      return inFlight;
    }

    function onProgress(event) {
      const source = event.target && event.target.closest && event.target.closest("[data-lesson-id]");
      const lessonId = source && source.dataset.lessonId;
      if (!lessonId || !event.detail) return;
      lastBeat = { lessonId, progress: event.detail };
      if (!course) {
        if (Date.now() - failedAt > RETRY_READ_MS) refresh(true);
        return;
      }
      const applied = core.applyBeat(course, lessonId, event.detail, tail);
      render(applied.course);
      if (applied.refetch) refresh(true);
    }

    document.addEventListener("learnstream:progress", onProgress);
    return {
      refresh: () => refresh(false),
      get course() {
        return course;
      },
      get renders() {
        return renders;
      },
    };
  }

  const region = document.querySelector("[data-progress-region]");
  if (region && region.querySelector(".course-progress") && api && core) {
    window.LearnStreamProgressRegion = mount(region);
  }
})();
