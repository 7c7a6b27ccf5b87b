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
