// Surveys: the respondent's form shows a conditional question only while the earlier answer it
// depends on is one of its values (data-show-if='{"question": key, "values": [...]}'), and the
// preview switches between desktop and phone width. Without this script every question shows
// and the server drops answers to questions that were hidden (surveys.services.answers_clean).
(function () {
  function chosen(form, block) {
    // The answers a question block holds now: checked radios and boxes, or a text's value.
    if (!block || block.hidden) { return []; }
    var values = [];
    block.querySelectorAll("input, select, textarea").forEach(function (control) {
      if (control.type === "radio" || control.type === "checkbox") {
        if (control.checked) { values.push(control.value); }
      } else if (control.value) {
        values.push(control.value);
      }
    });
    return values;
  }

  function sync(root) {
    // In document order, so a question that depends on a hidden one is hidden too.
    root.querySelectorAll(".survey-question").forEach(function (block) {
      var text = block.getAttribute("data-show-if");
      if (!text) { return; }
      var condition;
      try { condition = JSON.parse(text); } catch (error) { return; }
      var source = root.querySelector('.survey-question[data-key="' + condition.question + '"]');
      var wanted = (condition.values || []).map(String);
      var show = chosen(root, source).some(function (value) { return wanted.indexOf(value) !== -1; });
      block.hidden = !show;
    });
  }

  function setUp(scope) {
    scope.querySelectorAll("[data-survey-form]").forEach(sync);
  }

  document.addEventListener("change", function (event) {
    var root = event.target.closest && event.target.closest("[data-survey-form]");
    if (root) { sync(root); }
  });
  document.addEventListener("input", function (event) {
    var root = event.target.closest && event.target.closest("[data-survey-form]");
    if (root && event.target.type !== "radio" && event.target.type !== "checkbox") { sync(root); }
  });

  // The preview's width switch: buttons with data-preview-width="desktop|phone" resize the
  // frame in place (the links they enhance reload the page at that width without script).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-preview-width]");
    if (!button) { return; }
    var frame = document.querySelector("[data-preview-frame]");
    if (!frame) { return; }
    event.preventDefault();
    var width = button.getAttribute("data-preview-width");
    frame.setAttribute("data-width", width);
    document.querySelectorAll("[data-preview-width]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    document.querySelectorAll("input[name=width]").forEach(function (input) { input.value = width; });
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setUp(event.target); });
  if (document.readyState !== "loading") { setUp(document); }
})();
