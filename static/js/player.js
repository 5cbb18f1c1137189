/*
 * LearnStream lesson player: secure HLS playback plus progress heartbeats.
 *
 * Markup:
 *   <video data-player
 *          data-playback-url="/api/v1/lessons/<id>/playback"
 *          data-progress-url="/api/v1/lessons/<id>/progress"
 *          muted playsinline controls></video>
 *   <p data-player-status role="status"></p>      (nearest one to the video is used)
 *   <span data-lesson-complete hidden>…</span>     (optional, anywhere on the page)
 *
 * Needs: window.LearnStreamAPI (api.js), window.Hls (vendor/hls/hls.min.js, optional
 * where the browser plays HLS natively).
 * Exposes: window.LearnStreamPlayer (the first player on the page; see `publicApi`),
 *          `learnstream:completed` CustomEvent on the <video>.
 *
 * Heartbeats report the spans of the video actually played, never a jump: a span opens
 * where playback (re)starts and closes on pause, seek, end, page hide and every ~10 s.
 * Closed spans wait in `pending` until the server accepts them, so a failed beat never
 * disturbs playback and its span is merged into (or sent before) the next one.
 */
(function () {
  "use strict";

  const HEARTBEAT_MS = 10000;
  const CONTIGUOUS_S = 0.5; // spans closer than this are merged into one
  const MAX_PENDING = 100; // bound memory if the server stays unreachable for hours
  const MAX_HISTORY = 200;
  const HLS_MIME = "application/vnd.apple.mpegurl";

  const api = window.LearnStreamAPI;

  const round3 = (x) => Math.round(x * 1000) / 1000;

  // The nearest element matching `selector`, searching outwards from `el`'s ancestors.
  function findNear(el, selector) {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const found = node.querySelector(selector);
      if (found) return found;
    }
    return null;
  }

  function createPlayer(video) {
    const playbackUrl = video.dataset.playbackUrl;
    const progressUrl = video.dataset.progressUrl;
    const statusEl = findNear(video, "[data-player-status]");

    let hls = null;
    let playback = null; // last playback response
    let started = false; // has the "started" beat been queued?
    let spanStart = null; // where the open played span began, or null when none is open
    let lastTime = 0; // last position seen while not seeking (a seek moves currentTime first)
    let timer = null;
    let backoffUntil = 0; // honour Retry-After after a 429
    let sending = false; // a beat is in flight
    let queue = Promise.resolve(); // serialises flushes so beats never overlap
    let completedFired = false;
    let retryTimer = null; // a retry of pending spans after a retryable failure

    const pending = []; // [{from, to, position, duration, started?}] spans not yet accepted
    const stats = {
      lastBeat: null, // last body the server accepted
      lastProgress: null, // and its answer
      beatsSent: 0,
      beatsFailed: 0, // retryable failures (span kept)
      beatsDropped: 0, // refused with a 4xx other than 429 (span dropped)
      history: [], // [{body, status, at}] most recent last, for tests and debugging
    };

    function setStatus(message) {
      if (!statusEl) return;
      statusEl.textContent = message || "";
      statusEl.hidden = !message;
    }

    // ---- positions and spans ------------------------------------------------------

    function duration() {
      const d = video.duration;
      return Number.isFinite(d) && d > 0 ? d : null;
    }

    function clamp(t) {
      const d = duration();
      const x = Math.max(0, Number.isFinite(t) ? t : 0);
      return d === null ? x : Math.min(x, d);
    }

    // Where playback really is: during a seek currentTime already holds the target.
    function playedPosition() {
      return video.seeking ? lastTime : video.currentTime;
    }

    function addPending(entry, atFront) {
      // Merge with the neighbour when the two spans touch or overlap; otherwise keep
      // them apart so a jump between them is never reported as played.
      const neighbour = atFront ? pending[0] : pending[pending.length - 1];
      if (neighbour) {
        const [first, second] = atFront ? [entry, neighbour] : [neighbour, entry];
        // A "started" beat goes out on its own, unless it already failed once.
        if (!first.started && second.from <= first.to + CONTIGUOUS_S && second.from >= first.from - CONTIGUOUS_S) {
          first.from = Math.min(first.from, second.from);
          first.to = Math.max(first.to, second.to);
          first.position = second.position; // the later report knows where playback is
          first.duration = second.duration || first.duration;
          if (atFront) pending[0] = first;
          return;
        }
      }
      if (atFront) pending.unshift(entry);
      else pending.push(entry);
      if (pending.length > MAX_PENDING) pending.shift();
    }

    function queueSpan(from, to) {
      from = clamp(from);
      to = clamp(to);
      // Nothing played (a stall, or pause right after play), or the position went
      // backwards (a loop): nothing worth reporting. Only the "started" beat is zero-length.
      if (to <= from) return;
      addPending({ from, to, position: clamp(video.currentTime), duration: duration() }, false);
    }

    // Close the open span at `end`. With `reopen`, a new one starts there (periodic beats).
    function closeSpan(end, reopen) {
      if (spanStart === null) return;
      queueSpan(spanStart, end);
      spanStart = reopen && !video.paused && !video.seeking ? end : null;
    }

    // ---- sending ----------------------------------------------------------------

    function record(body, status) {
      stats.history.push({ body, status, at: Date.now() });
      if (stats.history.length > MAX_HISTORY) stats.history.shift();
    }

    function onProgress(progress) {
      stats.lastProgress = progress;
      if (!progress || !progress.completed || completedFired) return;
      completedFired = true;
      const done = document.querySelector("[data-lesson-complete]");
      if (done) {
        done.hidden = false;
        done.dataset.completed = "true";
        if (!done.textContent.trim()) done.textContent = "Lesson complete";
      }
      video.dispatchEvent(new CustomEvent("learnstream:completed", { bubbles: true, detail: progress }));
    }

    // Send pending spans oldest first, one request at a time. Stops at the first
    // retryable failure (the span goes back to the front of `pending`).
    async function drain() {
      while (pending.length) {
        // Once the page is hidden it may be discarded at any moment: use keepalive so
        // the request outlives it (sendBeacon cannot carry the CSRF header), and don't
        // hold back for Retry-After, as there may be no later chance.
        const keepalive = document.visibilityState === "hidden";
        if (!keepalive && Date.now() < backoffUntil) return;
        const entry = pending.shift();
        if (entry.duration === null) entry.duration = duration();
        if (entry.duration === null) {
          pending.unshift(entry); // no duration yet: the server could not place the span
          return;
        }
        const body = {
          position_s: round3(entry.position),
          duration_s: round3(entry.duration),
          played_from_s: round3(entry.from),
          played_to_s: round3(entry.to),
        };
        let progress;
        sending = true;
        try {
          progress = await api.request(progressUrl, { method: "POST", json: body, keepalive });
        } catch (err) {
          const status = err instanceof api.ApiError ? err.status : 0;
          record(body, status);
          if (status === 0 || err.retryable) {
            stats.beatsFailed += 1;
            if (status === 429) backoffUntil = Date.now() + 1000 * (err.retryAfter !== null ? err.retryAfter : 2);
            entry.started = false; // from now on it is just a span to merge
            addPending(entry, true);
            // Try again by itself: after a pause or the end no other beat may come (e.g.
            // the "ended" beat answered 429 because it came < 2 s after the previous one).
            scheduleRetry(status === 429 ? backoffUntil - Date.now() + 50 : HEARTBEAT_MS);
            return;
          }
          stats.beatsDropped += 1; // 400/403/...: the same span would be refused again
          continue;
        } finally {
          sending = false;
        }
        stats.beatsSent += 1;
        stats.lastBeat = body;
        record(body, 200);
        onProgress(progress);
      }
    }

    function scheduleRetry(delayMs) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        flush();
      }, Math.max(0, delayMs));
    }

    // Queue a drain behind any running one, so beats never overlap in flight...
    function flush(pageGoingAway) {
      if (pageGoingAway && sending) {
        // ...except when the page is going away: waiting for the beat in flight would
        // lose this one, as our continuation may never run.
        return drain();
      }
      queue = queue.then(drain);
      return queue;
    }

    function armTimer() {
      clearTimeout(timer);
      timer = video.paused ? null : setTimeout(onTick, HEARTBEAT_MS);
    }

    // ---- media events -------------------------------------------------------------

    // Playback runs from the current position: queue the one "started" beat the first
    // time, and open a span unless one is open already (e.g. after buffering).
    function openSpan() {
      if (!started) {
        started = true;
        const at = clamp(video.currentTime);
        addPending({ from: at, to: at, position: at, duration: duration(), started: true }, false);
      }
      if (spanStart === null) spanStart = video.currentTime;
      lastTime = video.currentTime;
      armTimer();
    }

    function onPlaying() {
      if (video.seeking) return; // `seeked` opens the span at the seek target
      openSpan();
      flush();
    }

    function onTimeUpdate() {
      if (!video.seeking) lastTime = video.currentTime;
    }

    function onTick() {
      closeSpan(playedPosition(), true);
      armTimer();
      flush();
    }

    function onPause() {
      clearTimeout(timer);
      closeSpan(playedPosition(), false);
      flush();
    }

    function onSeeking() {
      clearTimeout(timer);
      closeSpan(lastTime, false); // the span ends where playback was, not at the target
    }

    function onSeeked() {
      lastTime = video.currentTime;
      if (!video.paused) openSpan();
      flush();
    }

    function onEnded() {
      clearTimeout(timer);
      closeSpan(duration() || playedPosition(), false);
      flush();
    }

    function onPageHide() {
      closeSpan(playedPosition(), true);
      flush(true);
    }

    function onVisibilityChange() {
      if (document.visibilityState === "hidden") onPageHide();
    }

    // ---- loading ------------------------------------------------------------------

    function seekToResume(resume) {
      const apply = () => {
        const d = duration();
        // Resuming at the very end would just fire `ended`: start over instead.
        if (resume > 0 && (d === null || resume < d - 1)) video.currentTime = resume;
      };
      if (video.readyState >= 1) apply(); // HAVE_METADATA already
      else video.addEventListener("loadedmetadata", apply, { once: true });
    }

    function attachHls(url) {
      const Hls = window.Hls;
      let recoveries = 0; // consecutive fatal errors we tried to recover from
      const giveUp = (message) => {
        setStatus(message);
        hls.destroy();
        hls = null;
      };
      hls = new Hls();
      hls.on(Hls.Events.ERROR, (event, data) => {
        if (!data.fatal) return; // hls.js retries non-fatal errors itself
        const code = data.response && data.response.code;
        if (code === 401 || code === 403) {
          // The signed playback token expired (or was refused): a new one needs a reload.
          giveUp("Your viewing session has expired. Reload the page to continue watching.");
        } else if (recoveries < 3 && data.type === Hls.ErrorTypes.NETWORK_ERROR) {
          recoveries += 1;
          setStatus("Having trouble loading the video. Retrying…");
          hls.startLoad();
        } else if (recoveries < 3 && data.type === Hls.ErrorTypes.MEDIA_ERROR) {
          recoveries += 1;
          hls.recoverMediaError();
        } else {
          giveUp("The video could not be played. Try reloading the page.");
        }
      });
      hls.on(Hls.Events.FRAG_LOADED, () => {
        if (recoveries) setStatus(""); // media flows again
        recoveries = 0;
      });
      hls.loadSource(url);
      hls.attachMedia(video);
    }

    async function load() {
      setStatus("Loading video…");
      try {
        playback = await api.request(playbackUrl);
      } catch (err) {
        // 403 permission_denied, 409 video_not_ready, network…: show, don't throw.
        setStatus(err.message);
        return false;
      }
      if (playback.thumbnail_url) video.poster = playback.thumbnail_url;

      if (window.Hls && window.Hls.isSupported()) {
        attachHls(playback.stream_url);
      } else if (video.canPlayType(HLS_MIME)) {
        video.src = playback.stream_url; // Safari / iOS play HLS natively
      } else {
        setStatus("This browser cannot play this video.");
        return false;
      }
      seekToResume(Number(playback.resume_position_s) || 0);
      setStatus("");
      return true;
    }

    video.addEventListener("playing", onPlaying);
    video.addEventListener("timeupdate", onTimeUpdate);
    video.addEventListener("pause", onPause);
    video.addEventListener("seeking", onSeeking);
    video.addEventListener("seeked", onSeeked);
    video.addEventListener("ended", onEnded);
    document.addEventListener("visibilitychange", onVisibilityChange);
    window.addEventListener("pagehide", onPageHide);

    const ready = load();

    // Read-only views for tests and debugging, plus `flush()` to force a beat now.
    const publicApi = {
      video,
      ready, // resolves to true once a source is attached, false on an error
      get hls() { return hls; },
      get playback() { return playback; },
      get lastBeat() { return stats.lastBeat; },
      get lastProgress() { return stats.lastProgress; },
      get beatsSent() { return stats.beatsSent; },
      get beatsFailed() { return stats.beatsFailed; },
      get beatsDropped() { return stats.beatsDropped; },
      get history() { return stats.history.slice(); },
      get pending() { return pending.map((entry) => Object.assign({}, entry)); },
      get openSpanStart() { return spanStart; },
      /** Close the span played so far (playback continues) and send everything pending. */
      flush() {
        closeSpan(playedPosition(), true);
        return flush(false);
      },
    };
    return publicApi;
  }

  function init() {
    const players = Array.from(document.querySelectorAll("video[data-player]"))
      .filter((video) => !video.dataset.playerMounted)
      .map((video) => {
        video.dataset.playerMounted = "true";
        return createPlayer(video);
      });
    if (players.length && !window.LearnStreamPlayer) {
      window.LearnStreamPlayer = players[0];
      window.LearnStreamPlayer.all = players;
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
