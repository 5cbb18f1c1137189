// Quiz editor on the admin lesson page: "use the preview's current time" buttons fill a
// question's at_s field from the preview player. Without JS (or without a ready video) the
// buttons stay hidden and the seconds are typed.
(function () {
  "use strict";

  function roundedTime(video) {
    return Math.round(video.currentTime * 10) / 10;
  }

  function enhance(root) {
    var video = root.querySelector("video[data-player]");
    if (!video) return;
    root.querySelectorAll("[data-quiz-use-time]").forEach(function (button) {
      var field = root.getElementById
        ? root.getElementById(button.getAttribute("data-quiz-use-time"))
        : document.getElementById(button.getAttribute("data-quiz-use-time"));
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        field.value = String(roundedTime(video));
        field.dispatchEvent(new Event("change", { bubbles: true }));
        field.focus();
      });
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { roundedTime: roundedTime, enhance: enhance };
  }
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      enhance(document);
    });
  }
})();
