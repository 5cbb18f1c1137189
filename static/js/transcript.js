/*
 * LearnStream transcripts: the interactive transcript beside the lesson video, and the
 * course page's search over every lesson's transcript.
 *
 * The player (player.js) owns the <video>; this file only listens to it (`timeupdate`)
 * and seeks it (`currentTime`) when a line is chosen, so the two stay independent.
 * A `?t=<seconds>` in the page URL starts the video there (course search links use it).
 *
 * Needs window.LearnStreamAPI (api.js).
 */
(function () {
  "use strict";

  const api = window.LearnStreamAPI;

  function clock(seconds) {
    const total = Math.floor(seconds);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  }

  // Case- and accent-insensitive, like the server's search.
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function startAt(video) {
    const t = Number(new URLSearchParams(window.location.search).get("t"));
    if (!video || !Number.isFinite(t) || t <= 0) return;
    const seek = () => {
      video.currentTime = t;
    };
    if (video.readyState >= 1) seek();
    else video.addEventListener("loadedmetadata", seek, { once: true });
  }

  function transcriptPanel(panel) {
    const video = document.querySelector("video[data-player]");
    const list = panel.querySelector("[data-transcript-cues]");
    const status = panel.querySelector("[data-transcript-status]");
    const search = panel.querySelector("[data-transcript-search]");
    const languageSelect = panel.querySelector("[data-transcript-language]");
    let items = [];
    let active = null;

    function render(cues) {
      list.replaceChildren();
      items = cues.map((cue) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "transcript-cue";
        button.dataset.start = String(cue.start_s);
        const time = document.createElement("span");
        time.className = "transcript-time";
        time.textContent = clock(cue.start_s);
        const text = document.createElement("span");
        text.textContent = cue.text;
        button.append(time, " ", text);
        button.setAttribute("aria-label", `${clock(cue.start_s)}: ${cue.text}. Play from here`);
        button.addEventListener("click", () => {
          if (!video) return;
          video.currentTime = cue.start_s;
          highlight();
        });
        li.append(button);
        list.append(li);
        return { cue, li, button, folded: fold(cue.text) };
      });
      status.textContent = cues.length ? "" : "This lesson has no transcript yet.";
    }

    function highlight() {
      if (!video) return;
      const now = video.currentTime;
      const current = items.find((item) => now >= item.cue.start_s && now < item.cue.end_s) || null;
      if (current === active) return;
      if (active) {
        active.li.classList.remove("current");
        active.button.removeAttribute("aria-current");
      }
      active = current;
      if (active) {
        active.li.classList.add("current");
        active.button.setAttribute("aria-current", "true");
        // Keep the line in view without moving the page or stealing focus.
        const top = active.li.offsetTop - list.offsetTop;
        if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - active.li.offsetHeight) {
          list.scrollTop = Math.max(0, top - list.clientHeight / 3);
        }
      }
    }

    function filter() {
      const words = fold(search.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const item of items) {
        const match = words.every((word) => item.folded.includes(word));
        item.li.hidden = !match;
        if (match) shown += 1;
      }
      status.textContent = words.length
        ? `${shown} line${shown === 1 ? "" : "s"} match.`
        : "";
    }

    async function load(language) {
      const url = `${panel.dataset.transcriptUrl}?language=${encodeURIComponent(language || "")}`;
      try {
        const body = await api.request(url);
        render(body.cues);
        filter();
        highlight();
      } catch (error) {
        render([]);
        status.textContent = error.status === 404 ? "This lesson has no transcript yet." : error.message;
      }
      for (const link of panel.querySelectorAll("[data-transcript-download]")) {
        const target = new URL(link.href, window.location.href);
        target.searchParams.set("language", language || "");
        link.href = target.pathname + target.search;
      }
    }

    if (video) video.addEventListener("timeupdate", highlight);
    search.addEventListener("input", filter);
    if (languageSelect) languageSelect.addEventListener("change", () => load(languageSelect.value));
    load(panel.dataset.language);
  }

  function courseSearch(section) {
    const form = section.querySelector("[data-course-search-form]");
    const input = form.querySelector("input[name=q]");
    const status = section.querySelector("[data-course-search-status]");
    const results = section.querySelector("[data-course-search-results]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const query = input.value.trim();
      if (!query) return;
      status.textContent = "Searching…";
      results.replaceChildren();
      try {
        const body = await api.request(`${section.dataset.searchUrl}?q=${encodeURIComponent(query)}`);
        for (const hit of body.results) {
          const li = document.createElement("li");
          const link = document.createElement("a");
          const seconds = Math.floor(hit.start_s);
          link.href = `${section.dataset.lessonUrl.replace("__lesson__", hit.lesson_id)}?t=${seconds}`;
          link.textContent = `${hit.lesson_title} at ${clock(hit.start_s)}`;
          const quote = document.createElement("span");
          quote.className = "muted";
          quote.textContent = ` — “${hit.text}”`;
          li.append(link, quote);
          results.append(li);
        }
        const n = body.results.length;
        status.textContent = n ? `${n} result${n === 1 ? "" : "s"}.` : "Nothing found.";
      } catch (error) {
        status.textContent = error.message;
      }
    });
  }

  startAt(document.querySelector("video[data-player]"));
  for (const panel of document.querySelectorAll("[data-transcript]")) transcriptPanel(panel);
  for (const section of document.querySelectorAll("[data-course-search]")) courseSearch(section);
})();
