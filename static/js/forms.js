// Progressive disclosure on forms. An element marked data-show-when="name=value other" is shown
// only while the form's control `name` holds one of the listed values. While hidden, the
// controls inside it are disabled, so the browser neither checks nor sends them; the server
// ignores or clears fields that do not apply in any case (e.g. participants/forms.py), so a page
// without this script still works, showing every field.
(function () {
  function rule(element) {
    var text = element.getAttribute("data-show-when");
    var at = text.indexOf("=");
    return { name: text.slice(0, at), values: text.slice(at + 1).split(" ") };
  }

  function valueOf(form, name) {
    var control = form.elements.namedItem(name);
    return control ? control.value : null;  // a RadioNodeList's value is the checked radio's
  }

  function sync(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (element) {
      var when = rule(element);
      var show = when.values.indexOf(valueOf(form, when.name)) !== -1;
      element.hidden = !show;
      element.querySelectorAll("input, select, textarea").forEach(function (control) {
        control.disabled = !show;
      });
    });
  }

  function discloses(form) {
    return form && form.querySelector && form.querySelector("[data-show-when]");
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (discloses(form)) { sync(form); }
  });
  // htmx may swap a form in (the cohort's question form): set it up as it arrives.
  document.addEventListener("htmx:afterSwap", function (event) {
    event.target.querySelectorAll("form").forEach(function (form) {
      if (discloses(form)) { sync(form); }
    });
  });

  function syncAll() {
    document.querySelectorAll("form").forEach(function (form) {
      if (discloses(form)) { sync(form); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncAll);
  } else {
    syncAll();
  }
})();
