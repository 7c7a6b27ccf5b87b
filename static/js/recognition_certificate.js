// The certificate's "Download as PDF": the browser's print dialog, where "Save as PDF" writes
// the file (a script file, not an inline handler, as the Content-Security-Policy asks).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
