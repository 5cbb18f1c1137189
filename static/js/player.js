/*
 * LearnStream lesson player: secure HLS playback, our own accessible controls, and progress
 * heartbeats that survive a lost session.
 *
 * Markup (templates/playback/lesson.html; the controls in _player_controls.html):
 *   <div data-player-root>
 *     <video data-player data-playback-url data-progress-url data-lesson-id data-user-key
 *            data-span-rules='{"interval_s":2,"max_rate":2,"slack_s":3,"first_beat_max_s":15}'
 *            data-signin-url controls playsinline></video>
 *     <div data-player-controls hidden>…buttons [data-action], [data-player-seek],
 *       speed and caption menus, [data-player-time]… (player_controls.js)</div>
 *     <p data-player-announce aria-live="polite"></p>   <div data-player-alert role="alert"></div>
 *   </div>
 *   <p data-player-status role="status"></p>   <p data-lesson-complete hidden></p>
 *
 * Needs: window.LearnStreamAPI (api.js), window.LearnStreamPlayerCore (player_core.js),
 * window.LearnStreamPlayerControls (player_controls.js, optional: without it the browser's
 * own controls stay), window.Hls (optional where the browser plays HLS natively).
 * The page's outline and course progress follow the `learnstream:progress` events
 * (progress_region.js).
 * Exposes: window.LearnStreamPlayer (the first player on the page; see `publicApi`),
 *          `learnstream:completed` and `learnstream:progress` CustomEvents on the <video>.
 *
 * Heartbeats report the spans of the video actually played, never a jump: a span opens where
 * playback (re)starts and closes on pause, seek, end, page hide and every ~10 s of wall time
 * (at 2x that is 20 s of video, within the server's span rule). Closed spans wait in the queue
 * until the server accepts them, and the queue is mirrored in localStorage, so spans survive a
 * failed beat, a lost session (401/403: saving pauses, the learner is told and can sign in in
 * another tab) and a closed tab. A span being sent when the tab dies is not kept: its beat may
 * have been recorded, and sending it twice would credit watch time twice.
 */
(function () {
  "use strict";

  const HEARTBEAT_MS = 10000;
  const MAX_HISTORY = 200;
  const HLS_MIME = "application/vnd.apple.mpegurl";
  const SIGNED_IN_KEY = "learnstream:signed-in"; // written by the "signed in again" page
  const SIGNED_IN_CHANNEL = "learnstream-auth";
  const DEFAULT_RULES = { interval_s: 2, max_rate: 2, slack_s: 3, first_beat_max_s: 15 };

  const api = window.LearnStreamAPI;
  const core = window.LearnStreamPlayerCore;

  // The nearest element matching `selector`, searching outwards from `el`'s ancestors.
  function findNear(el, selector) {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const found = node.querySelector(selector);
      if (found) return found;
    }
    return null;
  }

  // localStorage that never throws (private mode, quota, storage disabled).
  const store = {
    get(key) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw === null ? null : JSON.parse(raw);
      } catch (err) {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, JSON.stringify(value));
      } catch (err) {
        /* nothing to do: the queue still lives in memory */
      }
    },
  };

  function readRules(video) {
    try {
      return Object.assign({}, DEFAULT_RULES, JSON.parse(video.dataset.spanRules || "{}"));
    } catch (err) {
      return DEFAULT_RULES;
    }
  }

  function createPlayer(video) {
    const root = video.closest("[data-player-root]") || video.parentElement;
    const playbackUrl = video.dataset.playbackUrl;
    const progressUrl = video.dataset.progressUrl;
    const rules = readRules(video);
    const userKey = video.dataset.userKey || "anonymous";
    const lessonKey = video.dataset.lessonId || progressUrl;
    const keys = {
      speed: `learnstream:${userKey}:speed`,
      captions: `learnstream:${userKey}:captions`,
      captionsLastOn: `learnstream:${userKey}:captions-last-on`,
      outbox: `learnstream:${userKey}:outbox:${lessonKey}`,
    };
    const statusEl = findNear(video, "[data-player-status]");
    const announceEl = root.querySelector("[data-player-announce]");
    const alertEl = root.querySelector("[data-player-alert]");

    let hls = null;
    let playback = null; // last playback response
    let lastSeq = 0; // the last heartbeat seq of the current view (playback.view)
    let started = false; // has the "started" beat been queued?
    let spanStart = null; // where the open played span began, or null when none is open
    let lastTime = 0; // last position seen while not seeking (a seek moves currentTime first)
    let timer = null;
    let backoffUntil = 0; // honour Retry-After after a 429
    let sending = false; // a beat is in flight
    let queue = Promise.resolve(); // serialises flushes so beats never overlap
    let completed = false;
    let retryTimer = null; // a retry of pending spans after a retryable failure
    let authPaused = false; // the server refused us for authentication: hold spans
    let probeTimer = null;

    // Spans from an earlier visit that were never accepted (tab closed, signed out…).
    const saved = store.get(keys.outbox) || {};
    const pending = new core.SpanQueue(Array.isArray(saved.spans) ? saved.spans : []);
    let lastAcceptedAt = Number.isFinite(saved.lastAcceptedAt) ? saved.lastAcceptedAt : null;
    const stats = {
      lastBeat: null, // last body the server accepted
      lastProgress: null, // and its answer
      beatsSent: 0,
      beatsFailed: 0, // retryable failures (span kept)
      beatsDropped: 0, // refused with a 4xx other than 401/403/429 (span dropped)
      beatsHeld: 0, // refused for authentication (span kept until signed in)
      restored: pending.length, // spans found in localStorage at load
      history: [], // [{body, status, at}] most recent last, for tests and debugging
    };

    function persist() {
      store.set(keys.outbox, pending.length || lastAcceptedAt ? { spans: pending.toJSON(), lastAcceptedAt } : null);
    }

    function setStatus(message) {
      if (!statusEl) return;
      statusEl.textContent = message || "";
      statusEl.hidden = !message;
    }

    function announce(message) {
      if (!announceEl) return;
      // Clearing first makes a repeated message ("Paused") be spoken again.
      announceEl.textContent = "";
      window.setTimeout(() => {
        announceEl.textContent = message;
      }, 30);
    }

    // ---- positions and spans ------------------------------------------------------

    function duration() {
      const d = video.duration;
      return Number.isFinite(d) && d > 0 ? d : null;
    }

    // Where playback really is: during a seek currentTime already holds the target.
    function playedPosition() {
      return video.seeking ? lastTime : video.currentTime;
    }

    function queueSpan(from, to) {
      if (!progressUrl) return; // a preview without data-progress-url records nothing
      const d = duration();
      if (pending.addSpan(from, to, video.currentTime, d)) persist();
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
      video.dispatchEvent(new CustomEvent("learnstream:progress", { bubbles: true, detail: progress }));
      if (!progress || !progress.completed || completed) return;
      completed = true;
      const done = document.querySelector("[data-lesson-complete]");
      if (done) {
        done.hidden = false;
        done.dataset.completed = "true";
        if (!done.textContent.trim()) done.textContent = "Lesson complete";
      }
      announce("Lesson complete.");
      video.dispatchEvent(new CustomEvent("learnstream:completed", { bubbles: true, detail: progress }));
    }

    // Send pending spans oldest first, one request at a time, each cut to what the server's
    // span rule accepts now. Stops at the first retryable failure (the span goes back to
    // the front of the queue) and while the learner is signed out.
    async function drain(probing) {
      while (pending.length && (!authPaused || probing)) {
        // Once the page is hidden it may be discarded at any moment: use keepalive so
        // the request outlives it (sendBeacon cannot carry the CSRF header), and don't
        // hold back for Retry-After, as there may be no later chance.
        const keepalive = document.visibilityState === "hidden";
        if (!keepalive && Date.now() < backoffUntil) return;
        const entry = pending.shift();
        if (entry.duration === null) entry.duration = duration();
        if (entry.duration === null) {
          pending.add(entry, true); // no duration yet: the server could not place the span
          return;
        }
        const [piece, rest] = core.splitToAllowance(entry, core.spanAllowance(rules, lastAcceptedAt, Date.now()));
        if (rest) pending.add(rest, true);
        lastSeq = core.stampView(piece, playback && playback.view, lastSeq);
        persist(); // the piece in flight is no longer stored: see the header
        const body = core.beatBody(piece);
        let progress;
        sending = true;
        try {
          progress = await api.request(progressUrl, { method: "POST", json: body, keepalive });
        } catch (err) {
          const status = err instanceof api.ApiError ? err.status : 0;
          record(body, status);
          const kind = core.failureKind(status);
          if (kind === "retry" || kind === "auth") {
            pending.putBack(piece);
            persist();
          }
          if (kind === "retry") {
            stats.beatsFailed += 1;
            if (status === 429) backoffUntil = Date.now() + 1000 * (err.retryAfter !== null ? err.retryAfter : 2);
            // Try again by itself: after a pause or the end no other beat may come (e.g.
            // the "ended" beat answered 429 because it came < 2 s after the previous one).
            scheduleRetry(status === 429 ? backoffUntil - Date.now() + 50 : HEARTBEAT_MS);
            return;
          }
          if (kind === "auth") {
            stats.beatsHeld += 1;
            pauseSaving(err);
            return;
          }
          stats.beatsDropped += 1; // 400/404/...: the same span would be refused again
          continue;
        } finally {
          sending = false;
        }
        lastAcceptedAt = Date.now();
        persist();
        if (authPaused) resumeSaving();
        stats.beatsSent += 1;
        stats.lastBeat = body;
        record(body, 200);
        onProgress(progress);
        if (pending.length) {
          // The next piece (the rest of a long backlog) may go once the beat interval passed.
          backoffUntil = Date.now() + rules.interval_s * 1000 + 50;
          scheduleRetry(rules.interval_s * 1000 + 100);
          return;
        }
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

    // ---- signed out: hold spans, tell the learner, resume after sign-in -------------

    function pauseSaving(err) {
      if (!authPaused) showSignInAlert(err);
      authPaused = true;
      // Try again every heartbeat interval (the learner may sign in anywhere), and at once
      // when another tab says they signed in again or this tab gets the focus back.
      clearInterval(probeTimer);
      probeTimer = setInterval(probe, HEARTBEAT_MS);
    }

    function showSignInAlert(err) {
      if (!alertEl) return;
      const signedOut = !err || err.status === 401 || err.code === "not_authenticated";
      alertEl.replaceChildren();
      const text = document.createElement("p");
      text.textContent = signedOut
        ? "You have been signed out, so your progress is not being saved. Keep watching: " +
          "it is kept on this device and saved as soon as you sign in again."
        : `Your progress could not be saved: ${err.message} It is kept on this device and ` +
          "saved as soon as you can sign in again.";
      const link = document.createElement("a");
      link.href = video.dataset.signinUrl || "/accounts/login/";
      link.target = "_blank";
      link.className = "button button-small";
      link.dataset.playerSignin = "";
      link.textContent = "Sign in again (opens a new tab)";
      // Opened by script, so the "signed in" page may close itself and bring the learner back.
      link.addEventListener("click", (event) => {
        const win = window.open(link.href, "learnstream-signin");
        if (win) event.preventDefault();
      });
      const p = document.createElement("p");
      p.append(link);
      alertEl.append(text, p);
      alertEl.hidden = false;
    }

    function resumeSaving() {
      if (!authPaused) return;
      authPaused = false;
      clearInterval(probeTimer);
      probeTimer = null;
      if (alertEl) {
        alertEl.hidden = true;
        alertEl.replaceChildren();
      }
      announce("Signed in again. Your progress is being saved.");
    }

    // One beat (or, with nothing to send, one read) to see whether we may save again:
    // accepted, saving resumes; refused for authentication, it stays paused.
    function probe() {
      if (!authPaused) return queue;
      closeSpan(playedPosition(), true);
      queue = queue.then(async () => {
        if (!authPaused) return;
        if (pending.length) {
          await drain(true);
          return;
        }
        try {
          await api.request(playbackUrl);
          resumeSaving();
        } catch (err) {
          if (core.failureKind(err.status || 0) !== "auth") resumeSaving();
        }
      });
      return queue;
    }

    function onSignedInElsewhere() {
      if (authPaused) probe();
    }

    window.addEventListener("storage", (event) => {
      if (event.key === SIGNED_IN_KEY) onSignedInElsewhere();
    });
    if ("BroadcastChannel" in window) {
      new BroadcastChannel(SIGNED_IN_CHANNEL).addEventListener("message", onSignedInElsewhere);
    }
    window.addEventListener("focus", onSignedInElsewhere);

    // ---- media events -------------------------------------------------------------

    // Playback runs from the current position: queue the one "started" beat the first
    // time, and open a span unless one is open already (e.g. after buffering).
    function openSpan() {
      if (!started) {
        started = true;
        pending.addStarted(video.currentTime, duration());
        persist();
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

    function attachHls(url, config) {
      const Hls = window.Hls;
      let recoveries = 0; // consecutive fatal errors we tried to recover from
      const giveUp = (message) => {
        setStatus(message);
        hls.destroy();
        hls = null;
      };
      hls = new Hls(config);
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
      hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => controls.captionsChanged());
      hls.loadSource(url);
      hls.attachMedia(video);
    }

    async function load() {
      setStatus("Loading video…");
      try {
        playback = await api.request(playbackUrl);
        lastSeq = 0; // a new view: its beats are numbered from 1
      } catch (err) {
        // 403 permission_denied, 409 video_not_ready, network…: show, don't throw.
        setStatus(err.message);
        return false;
      }
      if (playback.thumbnail_url) video.poster = playback.thumbnail_url;
      const captionTracks = controls.addCaptionTracks(playback.captions);

      if (window.Hls && window.Hls.isSupported()) {
        // With our own <track> elements, hls.js leaves the playlist's subtitle renditions
        // alone (otherwise every caption would be listed twice).
        attachHls(playback.stream_url, captionTracks ? { enableWebVTT: false } : {});
      } else if (video.canPlayType(HLS_MIME)) {
        video.src = playback.stream_url; // Safari / iOS play HLS natively
      } else {
        setStatus("This browser cannot play this video.");
        return false;
      }
      seekToResume(Number(playback.resume_position_s) || 0);
      controls.loadStoryboard(playback.storyboard_url);
      setStatus("");
      if (pending.length) flush(); // spans left over from an earlier visit
      return true;
    }

    const controls = window.LearnStreamPlayerControls
      ? window.LearnStreamPlayerControls.mount({ root, video, core, store, keys, announce, getHls: () => hls })
      : { addCaptionTracks: () => false, captionsChanged() {}, loadStoryboard() {} };

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
      controls,
      get hls() { return hls; },
      get playback() { return playback; },
      get lastBeat() { return stats.lastBeat; },
      get lastProgress() { return stats.lastProgress; },
      get beatsSent() { return stats.beatsSent; },
      get beatsFailed() { return stats.beatsFailed; },
      get beatsDropped() { return stats.beatsDropped; },
      get beatsHeld() { return stats.beatsHeld; },
      get restored() { return stats.restored; },
      get savingPaused() { return authPaused; },
      get history() { return stats.history.slice(); },
      get pending() { return pending.snapshot(); },
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
