// The list's "new survey" form: picking a template fills the name fields with the template's
// name in each language, so the draft is named unless the manager writes another. A name the
// manager typed is kept; one a template filled in follows the next pick (blank clears it).
(function () {
  "use strict";

  function pick(form, radio) {
    form.querySelectorAll("[data-name-field]").forEach(function (input) {
      var language = input.getAttribute("data-name-field");
      var filled = input.getAttribute("data-filled");
      if (input.value && input.value !== filled) {
        return;
      }
      var name = radio.getAttribute("data-name-" + language) || "";
      input.value = name;
      input.setAttribute("data-filled", name);
    });
  }

  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.matches || !radio.matches("[data-new-survey] input[name=template]")) {
      return;
    }
    pick(radio.closest("form"), radio);
  });
})();
