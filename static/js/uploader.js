/*
 * LearnStream lesson video uploader: Mux direct upload with UpChunk, then live status.
 *
 * Markup (the input, progress bar and status line are created when missing):
 *   <div data-uploader
 *        data-create-url="/api/v1/instructor/lessons/<id>/upload"
 *        data-status-url="/api/v1/instructor/lessons/<id>/video"
 *        data-max-bytes="5368709120"
 *        data-initial-state="processing"               (optional)
 *        data-state-target="#video-state">             (optional: an element elsewhere
 *                                                      on the page that shows the state
 *                                                      in words, kept up to date)
 *     <input type="file" accept="video/*">
 *     <select data-generate-captions>…</select>        (optional: a language code asks
 *                                                      Mux for automatic captions)
 *     <button type="button" data-upload-again>…</button>  (optional: opens the picker)
 *     <progress max="100" value="0"></progress>
 *     <p data-upload-status role="status"></p>
 *     <img data-upload-thumbnail hidden alt="">        (optional)
 *   </div>
 *
 * Needs: window.LearnStreamAPI (api.js), window.UpChunk (vendor/upchunk/upchunk.js).
 * Exposes: window.LearnStreamUploader (the first uploader on the page);
 *          `learnstream:video-ready` CustomEvent on the container (detail = video status);
 *          the container's `data-state` attribute mirrors the last known video state.
 */
(function () {
  "use strict";

  const POLL_MS = 2000;
  const CHUNK_KB = 5120; // UpChunk takes KB; must be a multiple of 256
  const POLLING_STATES = ["awaiting_upload", "processing"];
  const FINAL_STATES = ["ready", "errored", "cancelled", "deleted"];

  const api = window.LearnStreamAPI;

  function formatBytes(bytes) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
  }

  function formatDuration(seconds) {
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
  }

  // The state in words, as the admin pages say it (catalog/video_state.py).
  const STATE_LABELS = {
    none: "No video",
    awaiting_upload: "Waiting for the upload",
    processing: "Processing",
    ready: "Ready",
    errored: "Failed",
    cancelled: "Upload cancelled",
    deleted: "Removed",
  };

  function stateLabel(video) {
    const label = STATE_LABELS[video.state] || String(video.state || "").replace(/_/g, " ");
    if (video.state === "errored" && video.error) return `${label}: ${video.error}`;
    return label;
  }

  function describeState(video) {
    switch (video.state) {
      case "none":
        return "No video yet. Choose a file to upload.";
      case "awaiting_upload":
        return "Waiting for the upload…";
      case "processing":
        return "Processing the video…";
      case "ready":
        return video.duration_s ? `Video ready (${formatDuration(video.duration_s)}).` : "Video ready.";
      case "errored":
        return `Failed${video.error ? `: ${video.error}` : "."}`;
      case "cancelled":
        return "The upload was cancelled.";
      case "deleted":
        return "The video was deleted.";
      default:
        return `Video state: ${video.state}`;
    }
  }

  // Return the child matching `selector`, or append the one `make()` builds.
  function child(container, selector, make) {
    let el = container.querySelector(selector);
    if (!el) {
      el = make();
      container.appendChild(el);
    }
    return el;
  }

  function createUploader(container) {
    const createUrl = container.dataset.createUrl;
    const statusUrl = container.dataset.statusUrl;
    const maxBytes = Number(container.dataset.maxBytes) || Infinity;
    const stateTarget = container.dataset.stateTarget
      ? document.querySelector(container.dataset.stateTarget)
      : null;
    const captionsChoice = container.querySelector("select[data-generate-captions]");
    const againButton = container.querySelector("[data-upload-again]");

    const input = child(container, 'input[type="file"]', () => {
      const el = document.createElement("input");
      el.type = "file";
      el.accept = "video/*";
      return el;
    });
    const bar = child(container, "progress", () => {
      const el = document.createElement("progress");
      el.max = 100;
      el.value = 0;
      el.hidden = true;
      return el;
    });
    const statusEl = child(container, "[data-upload-status]", () => {
      const el = document.createElement("p");
      el.setAttribute("data-upload-status", "");
      el.setAttribute("role", "status");
      return el;
    });

    let upload = null; // the UpChunk instance while one is running
    let pollTimer = null;
    let pollRun = 0; // bumped to cancel a polling loop, even one with a request in flight
    let polling = false;
    let lastVideo = null; // last status response

    function setStatus(message) {
      statusEl.textContent = message || "";
    }

    function setBusy(busy) {
      input.disabled = busy;
      container.toggleAttribute("aria-busy", busy);
    }

    function showThumbnail(url) {
      if (!url) return;
      const img = child(container, "img[data-upload-thumbnail]", () => {
        const el = document.createElement("img");
        el.setAttribute("data-upload-thumbnail", "");
        el.alt = "Video thumbnail";
        return el;
      });
      img.src = url;
      img.hidden = false;
    }

    // ---- status polling -------------------------------------------------------------

    function showState(video) {
      container.dataset.state = video.state;
      if (stateTarget) {
        stateTarget.textContent = stateLabel(video);
        stateTarget.dataset.videoState = video.state;
      }
    }

    function render(video) {
      lastVideo = video;
      showState(video);
      setStatus(describeState(video));
      if (video.state === "ready") {
        showThumbnail(video.thumbnail_url);
        container.dispatchEvent(new CustomEvent("learnstream:video-ready", { bubbles: true, detail: video }));
      }
    }

    function stopPolling() {
      pollRun += 1;
      polling = false;
      clearTimeout(pollTimer);
    }

    // One request at a time: the next poll is scheduled only after this one settles.
    async function poll(run) {
      if (!container.isConnected) return stopPolling(); // the widget left the page
      let again = true;
      try {
        const video = await api.request(statusUrl);
        if (run !== pollRun) return; // stopped (or restarted) while we waited
        render(video);
        again = !FINAL_STATES.includes(video.state);
      } catch (err) {
        if (run !== pollRun) return;
        setStatus(err.message);
        again = err.retryable; // 403/404…: asking again will not help
      }
      if (again) pollTimer = setTimeout(poll, POLL_MS, run);
      else stopPolling();
    }

    function startPolling() {
      stopPolling();
      polling = true;
      poll(pollRun);
    }

    // ---- upload -----------------------------------------------------------------------

    async function start(file) {
      if (file.size > maxBytes) {
        setStatus(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`);
        input.value = "";
        return;
      }
      stopPolling(); // a new upload replaces whatever we were watching
      setBusy(true);
      bar.hidden = false;
      bar.value = 0;
      setStatus("Preparing the upload…");

      let target;
      const language = captionsChoice ? captionsChoice.value : "";
      try {
        target = await api.request(
          createUrl,
          language ? { method: "POST", json: { generate_captions: language } } : { method: "POST" }
        );
      } catch (err) {
        setStatus(err.message);
        setBusy(false);
        return;
      }

      try {
        upload = window.UpChunk.createUpload({ endpoint: target.url, file, chunkSize: CHUNK_KB });
      } catch (err) {
        // UpChunk validates its options synchronously.
        setStatus(`The upload could not start: ${err.message}`);
        setBusy(false);
        return;
      }
      upload.on("progress", (event) => {
        const percent = Math.floor(event.detail);
        bar.value = percent;
        setStatus(`Uploading ${file.name}… ${percent}%`);
      });
      upload.on("error", (event) => {
        // UpChunk has already retried the chunk (5 attempts by default).
        upload = null;
        setBusy(false);
        setStatus(`Upload failed: ${(event.detail && event.detail.message) || "unknown error"}`);
      });
      upload.on("success", () => {
        upload = null;
        setBusy(false);
        bar.value = 100;
        setStatus("Upload complete. Waiting for processing…");
        startPolling();
      });
      // The upload exists now: the page's state follows it from here.
      showState({ state: "awaiting_upload" });
    }

    if (againButton) againButton.addEventListener("click", () => input.click());

    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (file) start(file);
    });

    // Leaving the page would abort the chunked upload half way.
    window.addEventListener("beforeunload", (event) => {
      if (!upload) return;
      event.preventDefault();
      event.returnValue = "";
    });

    const initialState = container.dataset.initialState;
    if (POLLING_STATES.includes(initialState)) {
      showState({ state: initialState });
      setStatus(describeState({ state: initialState }));
      startPolling();
    }

    return {
      container,
      get state() { return lastVideo ? lastVideo.state : initialState || null; },
      get video() { return lastVideo; },
      get upload() { return upload; },
      get polling() { return polling; },
      startPolling,
      stopPolling,
    };
  }

  function init() {
    const uploaders = Array.from(document.querySelectorAll("[data-uploader]"))
      .filter((el) => !el.dataset.uploaderMounted)
      .map((el) => {
        el.dataset.uploaderMounted = "true";
        return createUploader(el);
      });
    if (uploaders.length && !window.LearnStreamUploader) {
      window.LearnStreamUploader = uploaders[0];
      window.LearnStreamUploader.all = uploaders;
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
