// Starts Redoc on /api/v1/redoc/ from the container's data attributes (templates/api/redoc.html),
// so that the page needs no inline script under the Content-Security-Policy.
(function () {
  "use strict";
  var container = document.getElementById("redoc-container");
  if (!container || !window.Redoc) return;
  var settings = JSON.parse(container.dataset.settings || "{}");
  window.Redoc.init(container.dataset.schemaUrl, settings, container);
})();
