// The program-health filter (templates/analytics/dashboard_panel.html): a program, cohort or
// preset period redraws the panel at once (htmx, on the form's submit); "Dates of my choice"
// shows the two date fields and waits for Apply, so typing a date never redraws under the
// cursor. Delegated from the document: the panel is swapped in and out by htmx.
(function () {
  "use strict";

  function dateFields(form) {
    return form.querySelectorAll("[data-health-dates]");
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field.closest && field.closest("form[data-health-filter]");
    if (!form || field.tagName !== "SELECT") { return; }
    if (field.name === "period") {
      var custom = field.value === "custom";
      dateFields(form).forEach(function (label) { label.hidden = !custom; });
      if (custom) {
        var first = form.querySelector("[data-health-dates] input");
        if (first) { first.focus(); }
        return;
      }
    }
    form.requestSubmit();
  });
})();
