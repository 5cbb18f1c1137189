/*
 * The instructor's caption manager on a lesson's video page: lists the captions with their
 * state, uploads a file per language, edits the WebVTT with a check as you type (the server
 * checks again and names the first bad line), marks reviewed, deletes. Needs api.js.
 */
(function () {
  "use strict";

  const api = window.LearnStreamAPI;
  const TIMING = /^\s*(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})\s+-->\s+(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})/;

  function seconds(h, m, s, ms) {
    return Number(h || 0) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
  }

  // The same rules as the server: times parse, start < end, starts never go backwards.
  function check(text) {
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (!lines[0].startsWith("WEBVTT")) return "Line 1: a WebVTT file starts with 'WEBVTT'.";
    let previous = 0;
    let cues = 0;
    for (let i = 0; i < lines.length; i += 1) {
      if (!lines[i].includes("-->")) continue;
      const m = TIMING.exec(lines[i]);
      if (!m) return `Line ${i + 1}: cannot read the cue times.`;
      const start = seconds(m[1], m[2], m[3], m[4]);
      const end = seconds(m[5], m[6], m[7], m[8]);
      if (start >= end) return `Line ${i + 1}: the cue ends before (or when) it starts.`;
      if (start < previous) return `Line ${i + 1}: the cue starts before the previous cue.`;
      previous = start;
      cues += 1;
    }
    return cues ? "" : "The file has no cues.";
  }

  function init(section) {
    const url = section.dataset.captionsUrl;
    const rows = section.querySelector("[data-captions-rows]");
    const status = section.querySelector("[data-captions-status]");
    const upload = section.querySelector("[data-captions-upload]");
    const editor = section.querySelector("[data-captions-editor]");
    const textarea = editor.querySelector("textarea");
    const verdict = editor.querySelector("[data-editor-check]");
    let editing = null;

    function button(label, onClick) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link-button";
      b.textContent = label;
      b.addEventListener("click", onClick);
      return b;
    }

    async function refresh() {
      const captions = await api.request(url);
      rows.replaceChildren();
      if (!captions.length) {
        rows.innerHTML = '<tr><td colspan="5">No captions yet.</td></tr>';
      }
      for (const c of captions) {
        const tr = document.createElement("tr");
        const cells = [
          `${c.label} (${c.language})`,
          c.source,
          c.state + (c.error ? ` — ${c.error}` : "") + (c.serving && c.state !== "ready" ? " (students see the previous version)" : ""),
          c.reviewed ? "yes" : "no",
        ];
        for (const value of cells) {
          const td = document.createElement("td");
          td.textContent = value;
          tr.append(td);
        }
        const actions = document.createElement("td");
        actions.append(
          button(`Edit ${c.language}`, () => edit(c.id)),
          " ",
          button(c.reviewed ? `Mark ${c.language} unreviewed` : `Mark ${c.language} reviewed`, () =>
            save(c.id, { reviewed: !c.reviewed }),
          ),
          " ",
          button(`Delete ${c.language}`, async () => {
            if (!window.confirm(`Delete the ${c.label} captions?`)) return;
            await run(() => api.request(`${url}/${c.id}`, { method: "DELETE" }), "Deleted.");
          }),
        );
        tr.append(actions);
        rows.append(tr);
      }
    }

    async function run(action, done) {
      try {
        await action();
        status.textContent = done;
      } catch (error) {
        status.textContent = error.message;
      }
      await refresh();
    }

    async function edit(id) {
      const caption = await api.request(`${url}/${id}`);
      editing = id;
      editor.hidden = false;
      editor.querySelector("[data-editor-title]").textContent = `Edit ${caption.label} (${caption.language})`;
      textarea.value = caption.vtt;
      verdict.textContent = check(textarea.value) || "The captions look right.";
      textarea.focus();
    }

    function save(id, body) {
      return run(() => api.request(`${url}/${id}`, { method: "PUT", json: body }), "Saved.");
    }

    textarea.addEventListener("input", () => {
      verdict.textContent = check(textarea.value) || "The captions look right.";
    });
    editor.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = check(textarea.value);
      if (problem) {
        verdict.textContent = problem;
        textarea.focus();
        return;
      }
      await save(editing, { vtt: textarea.value });
    });
    editor.querySelector("[data-editor-close]").addEventListener("click", () => {
      editor.hidden = true;
      editing = null;
    });
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = new FormData(upload);
      if (!form.get("closed_captions")) form.set("closed_captions", "false");
      status.textContent = "Uploading…";
      const response = await fetch(url, {
        method: "POST",
        body: form,
        credentials: "same-origin",
        headers: { "X-CSRFToken": api.csrfToken(), Accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      status.textContent = response.ok ? "Uploaded: Mux is processing it." : body.detail || "Upload failed.";
      if (response.ok) upload.reset();
      await refresh();
    });
    refresh().catch((error) => {
      status.textContent = error.message;
    });
  }

  for (const section of document.querySelectorAll("[data-captions-admin]")) init(section);
})();
