// Tell the server the browser's time zone so times render in the viewer's zone before they
// choose one in their settings.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("meridian_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "meridian_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browsers: the server falls back to UTC */ }
})();
// htmx: send the CSRF token with every request it makes.
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// A question asked of one audience (mentors or mentees) is required only while the chosen role
// is in that audience: keep its `required` attribute in step with the role select.
(function () {
  function syncRequired(form) {
    if (!form) { return; }
    var role = form.querySelector("select[name=role]");
    if (!role) { return; }
    form.querySelectorAll("[data-required-for-roles]").forEach(function (input) {
      if (input.type === "checkbox") { return; }
      var roles = input.getAttribute("data-required-for-roles").split(" ");
      input.required = roles.indexOf(role.value) !== -1;
    });
  }
  // Progressive disclosure: a part marked data-shown-for-roles="mentor both" shows only while
  // the form's role is one of those (its fields stay in the form, so nothing is lost).
  function syncShown(form) {
    if (!form) { return; }
    var role = form.querySelector("select[name=role]");
    if (!role) { return; }
    form.querySelectorAll("[data-shown-for-roles]").forEach(function (part) {
      var roles = part.getAttribute("data-shown-for-roles").split(" ");
      part.hidden = role.value !== "" && roles.indexOf(role.value) === -1;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "role") {
      syncRequired(event.target.form);
      syncShown(event.target.form);
    }
  });
  function syncAll() {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-required-for-roles]")) { syncRequired(form); }
      if (form.querySelector("[data-shown-for-roles]")) { syncShown(form); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncAll);
  } else {
    syncAll();
  }
})();
// Confirm before far-reaching actions: a form with data-confirm="What will happen" (and
// optionally data-confirm-title and data-confirm-button) opens the page's <dialog> instead of
// submitting. Focus moves to the confirming button, so Enter confirms and Escape cancels; focus
// returns to the button that asked. htmx forms are sent by htmx once confirmed.
(function () {
  var pending = null;

  function dialog() { return document.getElementById("confirm-dialog"); }

  function ask(form, submitter) {
    var box = dialog();
    if (!box || typeof box.showModal !== "function") { return false; }
    var ok = box.querySelector("[data-confirm-ok]");
    box.querySelector("[data-confirm-title]").textContent =
      form.getAttribute("data-confirm-title") || box.getAttribute("data-default-title");
    box.querySelector("[data-confirm-message]").textContent = form.getAttribute("data-confirm");
    ok.textContent = form.getAttribute("data-confirm-button") ||
      (submitter && submitter.textContent.trim()) || box.getAttribute("data-default-button");
    pending = { form: form, submitter: submitter };
    box.returnValue = "";
    box.showModal();
    ok.focus();
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) { return; }
    if (form.getAttribute("data-confirmed") === "true") {
      form.removeAttribute("data-confirmed");
      return;
    }
    if (ask(form, event.submitter || null)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("close", function (event) {
    var box = event.target;
    if (box.id !== "confirm-dialog" || !pending) { return; }
    var asked = pending;
    pending = null;
    if (box.returnValue === "confirm") {
      asked.form.setAttribute("data-confirmed", "true");
      if (asked.form.requestSubmit) {
        asked.form.requestSubmit(asked.submitter || undefined);
      } else {
        asked.form.submit();
      }
    } else if (asked.submitter) {
      asked.submitter.focus();
    }
  }, true);
})();
