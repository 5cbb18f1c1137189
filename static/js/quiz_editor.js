// Quiz editor on the admin lesson page (templates/admin/catalog/includes/quiz_editor.html).
// Without JS the form works as served: a blank row for the next question, typed positions
// and "remove" boxes. With it:
// - "Add question" clones the <template data-quiz-template> row (prefix __prefix__) and
//   "Remove question N" takes a row out; rows are renumbered q-0-…, q-1-… in page order,
//   q-count follows, and each row's hidden position (q-<n>-order) is its place, so the
//   server saves the questions in the order shown;
// - "Move question N up/down" reorders the rows;
// - a choice question's choices become one field each ("Add a choice to question N",
//   "Remove choice K of question N", Enter in a choice adds the next one), written back
//   one a line into the choices textarea the server reads;
// - choices show for choice questions only, tolerance for numeric ones;
// - "use the preview's current time" fills a question's at_s from the preview player.
// Every change is announced in the polite status line, and focus goes where the work
// continues. No inline styles (the site's CSP forbids them): `hidden` and classes only.
(function () {
  "use strict";

  var PREFIXED = /\bq-(?:\d+|__prefix__)-/g;
  var RENAMED = ["id", "name", "for", "aria-describedby", "data-quiz-use-time"];
  var WITH_CHOICES = ["single", "multiple"];

  function roundedTime(video) {
    return Math.round(video.currentTime * 10) / 10;
  }

  // "q-3-prompt" (or "q-__prefix__-prompt") as the field of row `index`; "q-3-prompt-help
  // q-3-prompt-error" too.
  function renumberValue(value, index) {
    return String(value).replace(PREFIXED, "q-" + index + "-");
  }

  // The place a row at `from` goes to when moved "up" or "down" in a list of `length`
  // rows, or -1 when it is already first (up) or last (down).
  function moveTarget(length, from, direction) {
    var to = direction === "up" ? from - 1 : from + 1;
    return to < 0 || to >= length ? -1 : to;
  }

  // The visible, accessible names of a row's buttons: they say which question they act on.
  function rowLabels(number) {
    return {
      legend: "Question " + number,
      up: "Move question " + number + " up",
      down: "Move question " + number + " down",
      remove: "Remove question " + number,
      addChoice: "Add a choice to question " + number,
      choices: "Choices of question " + number,
    };
  }

  function choiceLabels(choice, question) {
    return {
      label: "Choice " + choice,
      remove: "Remove choice " + choice + " of question " + question,
    };
  }

  // Which optional fields a kind of question uses.
  function kindUses(kind) {
    return { choices: WITH_CHOICES.indexOf(kind) !== -1, numeric: kind === "numeric" };
  }

  // The choices textarea's lines as one value a field: trailing empty lines dropped, and
  // at least two fields to start from.
  function splitChoices(text) {
    var lines = String(text).replace(/\r/g, "").split("\n");
    while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
    while (lines.length < 2) lines.push("");
    return lines;
  }

  function byId(root, id) {
    return root.getElementById ? root.getElementById(id) : document.getElementById(id);
  }

  var bound = [];

  // The "use the preview's current time" buttons (run again for rows added later).
  function enhance(root) {
    var video = root.querySelector("video[data-player]");
    if (!video) return;
    root.querySelectorAll("[data-quiz-use-time]").forEach(function (button) {
      var field = byId(root, button.getAttribute("data-quiz-use-time"));
      if (!field || bound.indexOf(button) !== -1) return;
      bound.push(button);
      button.hidden = false;
      button.addEventListener("click", function () {
        // The field's id at the time of the click: rows are renumbered as they move.
        var target = byId(root, button.getAttribute("data-quiz-use-time")) || field;
        target.value = String(roundedTime(video));
        target.dispatchEvent(new Event("change", { bubbles: true }));
        target.focus();
      });
    });
  }

  function editor(form) {
    var list = form.querySelector("[data-quiz-questions]");
    var template = form.querySelector("template[data-quiz-template]");
    var count = form.querySelector("[data-quiz-count]");
    var status = form.querySelector("[data-quiz-status]");
    var addRow = form.querySelector("[data-quiz-add-row]");
    var addButton = form.querySelector("[data-quiz-add]");
    var max = parseInt(form.getAttribute("data-quiz-max"), 10) || 50;
    if (!list || !template || !count || !status || !addButton) return null;

    function rows() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-quiz-question]"));
    }

    function announce(text) {
      status.textContent = "";
      // Emptied, then filled a moment later: the same words twice are still read twice.
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }

    function showForKind(row) {
      var kind = row.querySelector("[data-quiz-kind]");
      var uses = kindUses(kind ? kind.value : "");
      row.querySelectorAll("[data-quiz-for]").forEach(function (part) {
        var wanted = part.getAttribute("data-quiz-for") === "choices" ? uses.choices : uses.numeric;
        // A field the server found fault with stays in view whatever the kind.
        var keep = wanted || part.querySelector(".errorlist") !== null;
        part.hidden = !keep;
        part.querySelectorAll("textarea, input").forEach(function (field) {
          field.disabled = !keep;
        });
      });
    }

    function renumber() {
      var all = rows();
      all.forEach(function (row, index) {
        var labels = rowLabels(index + 1);
        row.querySelectorAll("*").forEach(function (element) {
          RENAMED.forEach(function (name) {
            var value = element.getAttribute(name);
            if (value) element.setAttribute(name, renumberValue(value, index));
          });
        });
        row.querySelector("[data-quiz-legend]").textContent = labels.legend;
        row.querySelector("[data-quiz-order]").value = String(index + 1);
        var up = row.querySelector("[data-quiz-move=up]");
        var down = row.querySelector("[data-quiz-move=down]");
        up.textContent = labels.up;
        down.textContent = labels.down;
        up.setAttribute("aria-disabled", index === 0 ? "true" : "false");
        down.setAttribute("aria-disabled", index === all.length - 1 ? "true" : "false");
        row.querySelector("[data-quiz-remove]").textContent = labels.remove;
        var addChoice = row.querySelector("[data-quiz-add-choice]");
        if (addChoice) addChoice.textContent = labels.addChoice;
        labelChoices(row, index + 1);
      });
      count.value = String(all.length);
      addButton.setAttribute("aria-disabled", all.length >= max ? "true" : "false");
    }

    function prepare(row) {
      row.querySelector("[data-quiz-tools]").hidden = false;
      row.querySelectorAll("[data-quiz-order-row], [data-quiz-remove-row]").forEach(function (part) {
        part.hidden = true;
      });
      buildChoices(row);
      showForKind(row);
    }

    function focusPrompt(row) {
      var prompt = row.querySelector("[data-quiz-prompt]");
      if (prompt) prompt.focus();
    }

    function add() {
      if (rows().length >= max) {
        announce("A quiz has at most " + max + " questions.");
        return;
      }
      var row = template.content.firstElementChild.cloneNode(true);
      list.appendChild(row);
      prepare(row);
      renumber();
      enhance(document);
      focusPrompt(row);
      announce("Question " + rows().length + " added. " + rows().length + " questions.");
    }

    function remove(row) {
      var all = rows();
      var index = all.indexOf(row);
      var next = all[index + 1] || null;
      row.remove();
      renumber();
      var left = rows().length;
      if (next) focusPrompt(next);
      else addButton.focus();
      announce(
        "Question " + (index + 1) + " removed. " + left + (left === 1 ? " question." : " questions.")
      );
    }

    function move(row, direction, button) {
      var all = rows();
      var from = all.indexOf(row);
      var to = moveTarget(all.length, from, direction);
      if (to === -1) {
        announce("Question " + (from + 1) + " is already " + (direction === "up" ? "first." : "last."));
        return;
      }
      // Move the neighbour rather than the row itself: the focused button stays in place.
      var other = all[to];
      if (direction === "up") list.insertBefore(other, row.nextSibling);
      else list.insertBefore(other, row);
      renumber();
      button.focus();
      announce("Question " + (from + 1) + " moved " + direction + ": it is now question " + (to + 1) + ".");
    }

    // Choices, one field each, in place of the textarea (which stays the one submitted).
    function buildChoices(row) {
      var textarea = row.querySelector("[data-quiz-choices]");
      var addChoice = row.querySelector("[data-quiz-add-choice]");
      if (!textarea || !addChoice) return;
      var list = document.createElement("ol");
      list.className = "ls-quiz-choice-list";
      list.setAttribute("data-quiz-choice-list", "");
      splitChoices(textarea.value).forEach(function (value) {
        list.appendChild(choiceItem(textarea, value));
      });
      textarea.parentNode.insertBefore(list, textarea);
      textarea.hidden = true;
      addChoice.hidden = false;
      var help = row.querySelector("[data-quiz-for=choices] .help");
      if (help) help.textContent = "Empty choices are left out.";
    }

    function choiceItem(textarea, value) {
      var item = document.createElement("li");
      item.setAttribute("data-quiz-choice", "");
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "text";
      input.size = 40;
      input.value = value;
      input.setAttribute("data-quiz-choice-input", "");
      ["aria-describedby", "aria-invalid"].forEach(function (name) {
        var given = textarea.getAttribute(name);
        if (given) input.setAttribute(name, given);
      });
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button";
      remove.setAttribute("data-quiz-remove-choice", "");
      item.appendChild(label);
      item.appendChild(input);
      item.appendChild(remove);
      return item;
    }

    function labelChoices(row, number) {
      var list = row.querySelector("[data-quiz-choice-list]");
      if (!list) return;
      list.setAttribute("aria-label", rowLabels(number).choices);
      var prefix = renumberValue("q-0-", number - 1);
      list.querySelectorAll("[data-quiz-choice]").forEach(function (item, index) {
        var labels = choiceLabels(index + 1, number);
        var id = prefix + "choice-" + index;
        var label = item.querySelector("label");
        label.textContent = labels.label;
        label.setAttribute("for", id);
        item.querySelector("input").id = id;
        item.querySelector("[data-quiz-remove-choice]").textContent = labels.remove;
      });
    }

    function syncChoices(row) {
      var textarea = row.querySelector("[data-quiz-choices]");
      var values = Array.prototype.map.call(
        row.querySelectorAll("[data-quiz-choice-input]"),
        function (input) {
          return input.value;
        }
      );
      textarea.value = values.join("\n");
    }

    function addChoice(row, after) {
      var list = row.querySelector("[data-quiz-choice-list]");
      var item = choiceItem(row.querySelector("[data-quiz-choices]"), "");
      list.insertBefore(item, after ? after.nextSibling : null);
      var number = rows().indexOf(row) + 1;
      labelChoices(row, number);
      syncChoices(row);
      item.querySelector("input").focus();
      var place = Array.prototype.indexOf.call(list.children, item) + 1;
      announce("Choice " + place + " added to question " + number + ".");
    }

    function removeChoice(row, item) {
      var list = row.querySelector("[data-quiz-choice-list]");
      var place = Array.prototype.indexOf.call(list.children, item);
      var next = item.nextElementSibling;
      item.remove();
      var number = rows().indexOf(row) + 1;
      labelChoices(row, number);
      syncChoices(row);
      if (next) next.querySelector("input").focus();
      else row.querySelector("[data-quiz-add-choice]").focus();
      announce("Choice " + (place + 1) + " removed from question " + number + ".");
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !form.contains(button)) return;
      var row = button.closest("[data-quiz-question]");
      if (button.hasAttribute("data-quiz-add")) {
        add();
      } else if (row && button.hasAttribute("data-quiz-remove")) {
        remove(row);
      } else if (row && button.hasAttribute("data-quiz-move")) {
        move(row, button.getAttribute("data-quiz-move"), button);
      } else if (row && button.hasAttribute("data-quiz-add-choice")) {
        addChoice(row, null);
      } else if (row && button.hasAttribute("data-quiz-remove-choice")) {
        removeChoice(row, button.closest("[data-quiz-choice]"));
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute("data-quiz-choice-input")) {
        syncChoices(event.target.closest("[data-quiz-question]"));
      }
    });
    // Enter in a choice goes on to the next choice, empty, or adds one, rather than saving
    // the quiz half-written.
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !event.target.hasAttribute("data-quiz-choice-input")) return;
      event.preventDefault();
      var item = event.target.closest("li");
      var next = item.nextElementSibling && item.nextElementSibling.querySelector("input");
      if (next && !next.value) next.focus();
      else addChoice(event.target.closest("[data-quiz-question]"), item);
    });
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-quiz-kind")) {
        showForKind(event.target.closest("[data-quiz-question]"));
      }
    });

    // The served blank row is the no-JS way to add a question; "Add question" replaces it,
    // except on an empty quiz, where it is question 1.
    var served = rows();
    var blank = served.filter(function (row) {
      return row.hasAttribute("data-quiz-blank");
    });
    if (served.length > 1) {
      blank.forEach(function (row) {
        row.remove();
      });
    }
    rows().forEach(prepare);
    renumber();
    if (addRow) addRow.hidden = false;
    return { add: add, remove: remove, move: move, rows: rows };
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = {
      roundedTime: roundedTime,
      enhance: enhance,
      renumberValue: renumberValue,
      moveTarget: moveTarget,
      rowLabels: rowLabels,
      kindUses: kindUses,
      splitChoices: splitChoices,
      choiceLabels: choiceLabels,
      editor: editor,
    };
  }
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      var form = document.getElementById("quiz-editor");
      if (form) editor(form);
      enhance(document);
    });
  }
})();
