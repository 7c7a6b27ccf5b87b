// The round review (templates/matching/round_detail.html): selecting pairs for a bulk decision.
// "Select all on this page" ticks every row; the count and the buttons follow the selection,
// and the confirmation says how many pairs change. Rows are checkboxes tied to the bulk form by
// their `form` attribute, so they work without this script too (the buttons then stay enabled).
(function () {
  "use strict";

  function boxes(bulk) {
    return Array.prototype.slice.call(document.querySelectorAll("input[data-review-select]"));
  }

  function sync(bulk) {
    var all = boxes(bulk);
    var chosen = all.filter(function (box) { return box.checked; }).length;
    var count = bulk.querySelector("[data-review-count]");
    var form = bulk.querySelector("form.mx-bulk__selected");
    var toggle = bulk.querySelector("[data-review-select-all]");
    if (count) {
      count.textContent = chosen ? (count.getAttribute("data-selected") || "%(n)s selected").replace("%(n)s", chosen)
        : (count.getAttribute("data-none") || count.textContent);
    }
    bulk.querySelectorAll("[data-review-needs-selection]").forEach(function (button) {
      button.disabled = chosen === 0;
    });
    if (toggle) {
      toggle.checked = chosen > 0 && chosen === all.length;
      toggle.indeterminate = chosen > 0 && chosen < all.length;
    }
    if (form && form.getAttribute("data-confirm-template")) {
      form.setAttribute("data-confirm", form.getAttribute("data-confirm-template").replace("%(n)s", chosen));
    }
  }

  function setUp(root) {
    var bulk = (root.matches && root.matches("[data-review-bulk]")) ? root : root.querySelector("[data-review-bulk]");
    if (!bulk || bulk.hasAttribute("data-review-ready")) { return; }
    bulk.setAttribute("data-review-ready", "");
    var count = bulk.querySelector("[data-review-count]");
    if (count && !count.hasAttribute("data-none")) { count.setAttribute("data-none", count.textContent); }
    sync(bulk);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var bulk = document.querySelector("[data-review-bulk]");
    if (!bulk) { return; }
    if (target.matches("[data-review-select-all]")) {
      boxes(bulk).forEach(function (box) { box.checked = target.checked; });
      sync(bulk);
    } else if (target.matches("[data-review-select]")) {
      sync(bulk);
    }
  });

  // The decision travels in a hidden field: the pressed button's own value is lost when the
  // confirmation dialog takes the focus before htmx sends the form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-review-needs-selection]");
    if (!button || !button.form) { return; }
    var field = button.form.querySelector("[data-review-decision]");
    if (field) { field.value = button.value; }
  }, true);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
  document.addEventListener("htmx:load", function (event) { setUp(document); });
})();
