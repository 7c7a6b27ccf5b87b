// Behaviour of the design system's components (docs/design.md). Load in <head> without `defer`:
// the theme is applied before the first paint; everything else waits for the DOM. No inline
// scripts or handlers anywhere (CSP): components are found by their data-ui-* attributes, and
// content htmx swaps in is set up the same way (htmx:load).
(function () {
  "use strict";

  // Theme: <html data-theme="light|dark"> when the person chose one, else the system's.
  var THEME_KEY = "meridian-theme";
  function storedTheme() {
    try { return localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    } else {
      document.documentElement.removeAttribute("data-theme");
    }
  }
  applyTheme(storedTheme());

  // Flag emoji: Windows and systems without a colour emoji font draw two letters or boxes.
  // Draw one flag on a canvas and look for colour; without it, person chips show the country
  // code alone (<html data-flags="no">).
  try {
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = 16;
    var pen = canvas.getContext("2d", { willReadFrequently: true });
    pen.textBaseline = "top";
    pen.font = "14px sans-serif";
    pen.fillText("\uD83C\uDDEA\uD83C\uDDF8", 0, 0);
    var pixels = pen.getImageData(0, 0, 16, 16).data;
    var coloured = false;
    for (var i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] && (Math.abs(pixels[i] - pixels[i + 1]) > 40 || Math.abs(pixels[i + 1] - pixels[i + 2]) > 40)) {
        coloured = true;
        break;
      }
    }
    if (!coloured) { document.documentElement.setAttribute("data-flags", "no"); }
  } catch (e) { /* no canvas: leave the flags */ }

  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) { return set; }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-ui-theme-toggle]");
    if (!toggle) { return; }
    var next = currentTheme() === "dark" ? "light" : "dark";
    applyTheme(next);
    try { localStorage.setItem(THEME_KEY, next); } catch (e) { /* private mode: this page only */ }
    toggle.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
    document.dispatchEvent(new CustomEvent("ui:themechange", { detail: { theme: next } }));
  });

  // Tabs (WAI-ARIA Authoring Practices, automatic activation): arrows move and select, Home and
  // End jump to the ends; only the selected tab is in the tab order.
  function selectTab(tab, focus) {
    var list = tab.closest("[role=tablist]");
    list.querySelectorAll("[role=tab]").forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !selected; }
    });
    if (focus) { tab.focus(); }
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-ui-tabs] [role=tab]");
    if (tab) { selectTab(tab, false); }
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[data-ui-tabs] [role=tab]");
    if (!tab) { return; }
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
    else if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
    else if (event.key === "Home") { next = tabs[0]; }
    else if (event.key === "End") { next = tabs[tabs.length - 1]; }
    if (next) {
      event.preventDefault();
      selectTab(next, true);
    }
  });

  // Toasts: a close button on each; success and info leave by themselves after a while (not
  // while hovered or focused), warnings and errors stay until closed.
  var TOAST_MS = 8000;
  function dismiss(toast) {
    if (!toast || toast.hasAttribute("data-leaving")) { return; }
    toast.setAttribute("data-leaving", "");
    var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    setTimeout(function () { toast.remove(); }, reduced ? 0 : 200);
  }
  function arm(toast) {
    if (toast.hasAttribute("data-ui-armed")) { return; }
    toast.setAttribute("data-ui-armed", "");
    var kind = toast.getAttribute("data-ui-toast");
    if (kind !== "success" && kind !== "info") { return; }
    if (toast.closest(".ui-toasts--inline")) { return; }
    var timer = null;
    function start() { timer = setTimeout(function () { dismiss(toast); }, TOAST_MS); }
    function stop() { clearTimeout(timer); }
    toast.addEventListener("mouseenter", stop);
    toast.addEventListener("mouseleave", start);
    toast.addEventListener("focusin", stop);
    toast.addEventListener("focusout", start);
    start();
  }
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-ui-toast-close]");
    if (close) { dismiss(close.closest("[data-ui-toast]")); }
  });

  // Menus (<details data-ui-menu>): Enter and Space open and close them natively; Escape closes
  // the open one and returns focus to its button, and a click or focus outside closes it.
  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-ui-menu][open]"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest("details[data-ui-menu][open]");
    if (!menu) { return; }
    event.preventDefault();
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  function closeOutside(event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);
  // Say on each menu's button whether it is open: "toggle" does not bubble, so listen while
  // it travels down.
  function markExpanded(menu) {
    var summary = menu.querySelector("summary");
    if (summary) { summary.setAttribute("aria-expanded", menu.open ? "true" : "false"); }
  }
  document.addEventListener("toggle", function (event) {
    if (event.target.matches && event.target.matches("details[data-ui-menu]")) {
      markExpanded(event.target);
    }
  }, true);

  function setUp(root) {
    root.querySelectorAll("[data-ui-toast]").forEach(arm);
    root.querySelectorAll("details[data-ui-menu]").forEach(markExpanded);
    root.querySelectorAll("[data-ui-theme-toggle]").forEach(function (toggle) {
      toggle.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
