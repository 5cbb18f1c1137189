/*
 * LearnStream player controls: our own accessible controls over the native <video> that
 * player.js feeds with hls.js (window.LearnStreamPlayerControls.mount, called by player.js).
 *
 * Markup: templates/playback/_player_controls.html inside [data-player-root]. Without it (or
 * without this script) the browser's own controls stay.
 *
 * - play/pause, ±10 s, a seek bar with time (storyboard thumbnails above it when the stream
 *   has a storyboard), mute and volume, speed (the speeds the server credits in full),
 *   captions (the playback response's text tracks, plus "Off"), picture-in-picture where
 *   the browser has it, full screen;
 * - speed and the caption choice are remembered per learner in localStorage and applied on
 *   the next lesson; playback starts only when the learner presses play, with sound;
 * - keyboard: space/k play-pause, ←/→ 5 s, j/l 10 s, f full screen, c captions, m mute, each
 *   told to screen readers through the player's aria-live region; they work while the focus
 *   is in the player (the video is focusable), and a focused control keeps the keys it needs
 *   (a button's space/Enter, the volume slider's arrows).
 *
 * Needs window.LearnStreamPlayerCore (player_core.js). The menus are disclosure buttons with
 * a list of toggle buttons, so they work with Tab, Enter and space alone; Escape closes one.
 */
(function () {
  "use strict";

  const SEEK_BUTTON_S = 10;
  const FALLBACK = { addCaptionTracks: () => false, captionsChanged() {}, loadStoryboard() {} };

  function readMaxRate(video) {
    try {
      const rules = JSON.parse(video.dataset.spanRules || "{}");
      return Number(rules.max_rate);
    } catch (err) {
      return NaN;
    }
  }

  function mount({ root, video, core, store, keys, announce }) {
    const bar = root.querySelector("[data-player-controls]");
    if (!bar || !core) return FALLBACK;
    const $ = (selector) => bar.querySelector(selector);
    const playButton = $("[data-action=play]");
    const muteButton = $("[data-action=mute]");
    const pipButton = $("[data-action=pip]");
    const fullscreenButton = $("[data-action=fullscreen]");
    const speedButton = $("[data-action=speed-menu]");
    const captionsButton = $("[data-action=captions-menu]");
    const speedMenu = $("[data-player-speed-menu]");
    const captionsMenu = $("[data-player-captions-menu]");
    const speedLabel = $("[data-player-speed-label]");
    const captionsLabel = $("[data-player-captions-label]");
    const seek = $("[data-player-seek]");
    const volume = $("[data-player-volume]");
    const timeEl = $("[data-player-time]");
    const preview = $("[data-player-preview]");
    const previewTile = $("[data-player-preview-tile]");
    const previewTime = $("[data-player-preview-time]");

    const speeds = core.speedsAllowed(readMaxRate(video));
    let speed = core.normaliseSpeed(store.get(keys.speed));
    if (!speeds.includes(speed)) speed = speeds.includes(1) ? 1 : speeds[speeds.length - 1];
    let captions = "off"; // the language shown, or "off"
    let captionsApplied = false; // has the stored choice been applied to this lesson's tracks?
    let storyboard = [];
    let scrubbing = false; // the learner is dragging the seek bar

    // Our controls replace the browser's; the video itself stays focusable for shortcuts.
    video.controls = false;
    video.muted = false; // sound on: playback only ever starts from the learner's press
    video.autoplay = false;
    if (!video.hasAttribute("tabindex")) video.tabIndex = 0;
    video.setAttribute("aria-describedby", "player-shortcuts");
    bar.hidden = false;
    root.classList.add("player-custom");

    const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0);

    // ---- play, time, seek ----------------------------------------------------------

    function play() {
      video.muted = false;
      const attempt = video.play();
      if (attempt && attempt.catch) {
        attempt.catch((err) => {
          if (err && err.name !== "AbortError") announce("The video could not start. Press play again.");
        });
      }
    }

    function togglePlay() {
      if (video.paused || video.ended) play();
      else video.pause();
    }

    function showPlayState() {
      const playing = !video.paused && !video.ended;
      root.classList.toggle("is-playing", playing);
      playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    }

    function seekBy(by) {
      video.currentTime = core.seekTarget(video.currentTime, by, duration());
      return video.currentTime;
    }

    function showTime() {
      const d = duration();
      const t = video.currentTime || 0;
      timeEl.textContent = `${core.formatClock(t)} / ${core.formatClock(d)}`;
      if (String(seek.max) !== String(d)) seek.max = String(d);
      if (!scrubbing) seek.value = String(t);
      seek.setAttribute("aria-valuetext", core.seekValueText(t, d));
      seek.style.setProperty("--played", d ? `${(100 * t) / d}%` : "0%");
    }

    seek.seek = true; // for core.keyTargetKind: its arrows are the player's 5 s seek
    seek.addEventListener("input", () => {
      video.currentTime = Number(seek.value);
      showPreviewAt(Number(seek.value));
    });
    seek.addEventListener("change", () => {
      scrubbing = false;
      hidePreview();
    });
    seek.addEventListener("pointerdown", () => {
      scrubbing = true;
    });
    seek.addEventListener("pointerup", () => {
      scrubbing = false;
    });
    seek.addEventListener("pointermove", (event) => {
      const rect = seek.getBoundingClientRect();
      showPreviewAt(core.scrubTime(event.clientX, rect.left, rect.width, duration()));
    });
    seek.addEventListener("pointerleave", hidePreview);
    seek.addEventListener("blur", hidePreview);

    // ---- storyboard thumbnails ------------------------------------------------------

    function showPreviewAt(t) {
      const cue = storyboard.length ? core.cueAt(storyboard, t) : null;
      if (!cue) return;
      Object.assign(previewTile.style, core.tileStyle(cue));
      previewTime.textContent = core.formatClock(t);
      const d = duration();
      const width = seek.getBoundingClientRect().width;
      const left = d ? (t / d) * width : 0;
      const half = cue.w / 2;
      preview.style.left = `${Math.min(Math.max(left - half, 0), Math.max(0, width - cue.w))}px`;
      preview.hidden = false;
    }

    function hidePreview() {
      preview.hidden = true;
    }

    async function loadStoryboard(url) {
      if (!url || !window.fetch) return;
      try {
        const response = await fetch(url, { credentials: "omit" });
        if (!response.ok) return;
        storyboard = core.parseStoryboardVtt(await response.text());
        if (storyboard.length) {
          new Image().src = storyboard[0].url; // warm the sprite before the first hover
          root.classList.add("has-storyboard");
        }
      } catch (err) {
        storyboard = []; // thumbnails are a nicety: the seek bar works without them
      }
    }

    // ---- sound ----------------------------------------------------------------------

    function showSound() {
      const silent = video.muted || video.volume === 0;
      root.classList.toggle("is-muted", silent);
      muteButton.setAttribute("aria-label", silent ? "Unmute" : "Mute");
      muteButton.setAttribute("aria-pressed", String(video.muted));
      volume.value = String(video.muted ? 0 : video.volume);
      volume.setAttribute("aria-valuetext", `${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
    }

    function toggleMute() {
      if (video.muted || video.volume === 0) {
        video.muted = false;
        if (video.volume === 0) video.volume = 1;
      } else {
        video.muted = true;
      }
      return !video.muted;
    }

    volume.addEventListener("input", () => {
      video.volume = Number(volume.value);
      video.muted = video.volume === 0;
    });

    // ---- menus (disclosure buttons over lists of toggle buttons) -------------------------

    function closeMenus(except) {
      for (const [button, menu] of [
        [speedButton, speedMenu],
        [captionsButton, captionsMenu],
      ]) {
        if (menu === except) continue;
        menu.hidden = true;
        button.setAttribute("aria-expanded", "false");
      }
    }

    function toggleMenu(button, menu) {
      const open = menu.hidden;
      closeMenus(menu);
      menu.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      if (open) {
        const chosen = menu.querySelector("[aria-pressed=true]") || menu.querySelector("button");
        if (chosen) chosen.focus();
      }
    }

    function fillMenu(menu, options, current, onChoose) {
      menu.replaceChildren();
      for (const option of options) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "player-menu-item";
        button.dataset.value = String(option.value);
        button.textContent = option.label;
        button.setAttribute("aria-pressed", String(String(option.value) === String(current)));
        button.addEventListener("click", () => onChoose(option.value, button));
        item.append(button);
        menu.append(item);
      }
    }

    function markChosen(menu, value) {
      menu.querySelectorAll("button").forEach((button) => {
        button.setAttribute("aria-pressed", String(button.dataset.value === String(value)));
      });
    }

    function chooseAndClose(menu, button) {
      return () => {
        closeMenus();
        button.focus();
      };
    }

    speedButton.addEventListener("click", () => toggleMenu(speedButton, speedMenu));
    captionsButton.addEventListener("click", () => toggleMenu(captionsButton, captionsMenu));
    bar.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = [speedMenu, captionsMenu].find((menu) => !menu.hidden);
      if (!open) return;
      event.preventDefault();
      event.stopPropagation();
      closeMenus();
      (open === speedMenu ? speedButton : captionsButton).focus();
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest || !event.target.closest(".player-menu")) closeMenus();
    });

    // ---- speed ----------------------------------------------------------------------

    function applySpeed(rate, chosen) {
      speed = core.normaliseSpeed(rate);
      video.defaultPlaybackRate = speed; // a new source (hls.js attaching) keeps it
      video.playbackRate = speed;
      speedLabel.textContent = core.speedLabel(speed);
      markChosen(speedMenu, speed);
      if (chosen) {
        store.set(keys.speed, speed);
        announce(`Speed ${core.speedLabel(speed)}`);
      }
    }

    fillMenu(
      speedMenu,
      speeds.map((rate) => ({ value: rate, label: core.speedLabel(rate) })),
      speed,
      (rate) => {
        applySpeed(rate, true);
        chooseAndClose(speedMenu, speedButton)();
      },
    );
    applySpeed(speed, false);
    // Loading a source resets the rate to the default in some browsers: keep the learner's.
    video.addEventListener("loadedmetadata", () => {
      if (video.playbackRate !== speed) video.playbackRate = speed;
    });

    // ---- captions -------------------------------------------------------------------

    function textTracks() {
      return Array.from(video.textTracks || []).filter(
        (track) => track.kind === "captions" || track.kind === "subtitles",
      );
    }

    function applyCaptions(choice, chosen) {
      const tracks = textTracks();
      const options = core.captionOptions(tracks);
      captions = options.some((option) => option.value === choice) ? choice : "off";
      let shown = false;
      for (const track of tracks) {
        const show = !shown && captions !== "off" && track.language === captions;
        track.mode = show ? "showing" : "disabled";
        shown = shown || show;
      }
      const label = options.find((option) => option.value === captions).label;
      captionsLabel.textContent = label;
      root.classList.toggle("captions-on", captions !== "off");
      markChosen(captionsMenu, captions);
      if (chosen) {
        store.set(keys.captions, captions);
        if (captions !== "off") store.set(keys.captionsLastOn, captions);
        announce(captions === "off" ? "Captions off" : `Captions on: ${label}`);
      }
    }

    function rebuildCaptionMenu() {
      const options = core.captionOptions(textTracks());
      captionsButton.disabled = options.length < 2;
      captionsButton.title = options.length < 2 ? "This video has no captions" : "";
      fillMenu(captionsMenu, options, captions, (value) => {
        applyCaptions(value, true);
        chooseAndClose(captionsMenu, captionsButton)();
      });
      const tracks = textTracks();
      if (!captionsApplied && tracks.length) {
        captionsApplied = true;
        applyCaptions(core.initialCaptionChoice(tracks, store.get(keys.captions)), false);
      } else {
        applyCaptions(captions, false);
      }
    }

    function toggleCaptions() {
      const tracks = textTracks();
      if (!tracks.length) {
        announce("This video has no captions");
        return;
      }
      applyCaptions(core.nextCaptionChoice(tracks, captions, store.get(keys.captionsLastOn)), true);
    }

    /** The playback response's ready text tracks as <track> elements; true when any. */
    function addCaptionTracks(list) {
      const items = Array.isArray(list) ? list.filter((item) => item && item.url && item.language) : [];
      if (items.length) {
        // The WebVTT files come from the Mux host: a cross-origin track needs CORS mode.
        video.crossOrigin = "anonymous";
        for (const item of items) {
          const track = document.createElement("track");
          track.kind = item.closed_captions ? "captions" : "subtitles";
          track.srclang = item.language;
          track.label = item.label || item.language;
          track.src = item.url;
          track.dataset.captionId = item.id || "";
          video.append(track);
        }
      }
      rebuildCaptionMenu();
      return items.length > 0;
    }

    // ---- full screen, picture-in-picture ------------------------------------------------

    const canFullscreen = !!(document.fullscreenEnabled && root.requestFullscreen);
    fullscreenButton.hidden = !canFullscreen && !video.webkitEnterFullscreen;
    const isFullscreen = () => document.fullscreenElement === root;

    function toggleFullscreen() {
      if (canFullscreen) {
        if (isFullscreen()) return document.exitFullscreen().then(() => false, () => true);
        return root.requestFullscreen().then(() => true, () => false);
      }
      if (video.webkitEnterFullscreen) video.webkitEnterFullscreen(); // iOS: the system player
      return Promise.resolve(true);
    }

    document.addEventListener("fullscreenchange", () => {
      const on = isFullscreen();
      fullscreenButton.setAttribute("aria-label", on ? "Exit full screen" : "Full screen");
      fullscreenButton.setAttribute("aria-pressed", String(on));
      root.classList.toggle("is-fullscreen", on);
    });

    const canPip = !!(document.pictureInPictureEnabled && video.requestPictureInPicture && !video.disablePictureInPicture);
    pipButton.hidden = !canPip;
    pipButton.addEventListener("click", () => {
      const request = document.pictureInPictureElement === video
        ? document.exitPictureInPicture()
        : video.requestPictureInPicture();
      request.catch(() => announce("Picture-in-picture is not available now"));
    });
    video.addEventListener("enterpictureinpicture", () => pipButton.setAttribute("aria-pressed", "true"));
    video.addEventListener("leavepictureinpicture", () => pipButton.setAttribute("aria-pressed", "false"));

    // ---- buttons and keys -------------------------------------------------------------

    playButton.addEventListener("click", togglePlay);
    video.addEventListener("click", togglePlay);
    video.addEventListener("dblclick", () => toggleFullscreen());
    $("[data-action=back]").addEventListener("click", () => seekBy(-SEEK_BUTTON_S));
    $("[data-action=forward]").addEventListener("click", () => seekBy(SEEK_BUTTON_S));
    muteButton.addEventListener("click", toggleMute);
    fullscreenButton.addEventListener("click", () => toggleFullscreen());

    function perform(action) {
      switch (action.type) {
        case "toggle-play": {
          const willPlay = video.paused || video.ended;
          togglePlay();
          announce(willPlay ? "Playing" : "Paused");
          break;
        }
        case "seek":
          announce(core.seekMessage(action.by, seekBy(action.by)));
          break;
        case "fullscreen":
          toggleFullscreen().then((on) => announce(on ? "Full screen" : "Exit full screen"));
          break;
        case "captions":
          toggleCaptions();
          break;
        case "mute":
          announce(toggleMute() ? "Sound on" : "Muted");
          break;
        default:
      }
    }

    function onKeyDown(event) {
      if (event.defaultPrevented) return;
      const target = event.target;
      // Only while the focus is in the player (the video or one of its controls): single-key
      // shortcuts must not fire while the learner reads or types elsewhere (WCAG 2.1.4).
      if (!root.contains(target)) return;
      const action = core.keyAction(event);
      if (!action) return;
      if (core.ownsKey(core.keyTargetKind(target), event.key)) return;
      event.preventDefault();
      perform(action);
    }

    root.addEventListener("keydown", onKeyDown);

    for (const name of ["play", "playing", "pause", "ended"]) video.addEventListener(name, showPlayState);
    for (const name of ["timeupdate", "durationchange", "loadedmetadata", "seeked"]) {
      video.addEventListener(name, showTime);
    }
    video.addEventListener("volumechange", showSound);
    if (video.textTracks && video.textTracks.addEventListener) {
      // hls.js may add tracks from the playlist when the response listed none.
      video.textTracks.addEventListener("addtrack", () => rebuildCaptionMenu());
    }
    showPlayState();
    showTime();
    showSound();
    rebuildCaptionMenu();

    return {
      addCaptionTracks,
      captionsChanged: rebuildCaptionMenu,
      loadStoryboard,
      get speed() {
        return speed;
      },
      get captions() {
        return captions;
      },
      get storyboardCues() {
        return storyboard.length;
      },
      setSpeed: (rate) => applySpeed(rate, true),
      setCaptions: (choice) => applyCaptions(choice, true),
    };
  }

  window.LearnStreamPlayerControls = { mount };
})();
