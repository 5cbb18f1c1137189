/*
 * "Mark as complete" for lessons without a video (they have no heartbeats to complete them).
 *
 * Markup: <button data-mark-complete data-complete-url="/api/v1/lessons/<id>/complete">
 *         <p data-complete-status hidden></p>   <p data-lesson-complete hidden></p>
 * `data-complete-after="<s>"`: the button is enabled after that long on the page;
 * with `data-complete-by-itself` the lesson is completed then without a click.
 * Needs: window.LearnStreamAPI (api.js). POSTs with no body; the answer is the lesson's
 * progress (`completed: true`), dispatched as a `learnstream:progress` event from the button
 * so the page's outline and course progress update (progress_region.js).
 */
(function () {
  "use strict";

  const api = window.LearnStreamAPI;

  function mount(button) {
    const statusEl = document.querySelector("[data-complete-status]");
    const doneEl = document.querySelector("[data-lesson-complete]");

    function setStatus(message) {
      if (!statusEl) return;
      statusEl.textContent = message || "";
      statusEl.hidden = !message;
    }

    async function complete() {
      button.disabled = true;
      setStatus("Saving…");
      try {
        const progress = await api.request(button.dataset.completeUrl, { method: "POST" });
        setStatus("");
        if (progress && progress.completed && doneEl) {
          doneEl.hidden = false;
          doneEl.dataset.completed = "true";
        }
        button.hidden = true;
        button.dispatchEvent(new CustomEvent("learnstream:progress", { bubbles: true, detail: progress }));
      } catch (err) {
        setStatus(err.message);
        button.disabled = false; // let the learner try again
      }
    }

    button.addEventListener("click", complete);

    // A minimum time on the page (the server counts it from the first opening): the button
    // waits that long; a lesson that completes by itself is completed then.
    const after = Number(button.dataset.completeAfter || 0);
    if (after > 0 && !button.hidden) {
      button.disabled = true;
      window.setTimeout(() => {
        button.disabled = false;
        if ("completeByItself" in button.dataset) complete();
      }, after * 1000 + 500);
    }
  }

  document.querySelectorAll("button[data-mark-complete]").forEach(mount);
})();
