// Small enhancements of the mentorship pages (loaded by the pages that use them; the strict
// Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  // A button with data-copy="#selector" copies that element's text and says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
})();
