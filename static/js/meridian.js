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
  document.addEventListener("change", function (event) {
    if (event.target.name === "role") { syncRequired(event.target.form); }
  });
  function syncAll() {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-required-for-roles]")) { syncRequired(form); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", syncAll);
  } else {
    syncAll();
  }
})();
