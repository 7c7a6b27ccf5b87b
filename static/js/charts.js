// Draws the charts `{% chart %}` declares: <canvas data-chart="ID"> reads its data from
// <script type="application/json" id="ID"> (a data island, allowed under a strict CSP). Colours
// come from the design tokens, so charts follow the light or dark scheme. Needs Chart.js 4
// (static/vendor/chartjs/chart.umd.min.js) loaded first, both with `defer`.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  var instances = new Map();

  function token(name) {
    // Custom properties hold `light-dark(…)`; resolve through a real colour property.
    var probe = document.createElement("span");
    probe.style.display = "none";
    probe.style.color = "var(" + name + ")";
    document.body.appendChild(probe);
    var value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }

  function palette() {
    return {
      series: [1, 2, 3, 4, 5].map(function (n) { return token("--ui-chart-" + n); }),
      grid: token("--ui-chart-grid"),
      text: token("--ui-text-muted"),
      surface: token("--ui-surface"),
    };
  }

  // Long category labels (a survey's answer texts, its matrix statements) would be cut at the
  // canvas edge on a phone: each is wrapped to two lines at most and the rest ends in "…". The
  // tooltip shows the whole text, wrapped to the chart, and the table below the chart has it too.
  var LABEL_LINES = 2;
  var measurer = null;

  function textWidth(text, font) {
    if (!measurer) { measurer = document.createElement("canvas").getContext("2d"); }
    measurer.font = font;
    return measurer.measureText(text).width;
  }

  function shorten(text, maxWidth, font) {
    var cut = text;
    while (cut && textWidth(cut + "\u2026", font) > maxWidth) { cut = cut.slice(0, -1); }
    return cut.replace(/\s+$/, "") + "\u2026";
  }

  // The text in lines no wider than maxWidth (a word too long for one line is split), at most
  // maxLines of them, the last ending in "…" when some text is left over.
  function fitLines(text, maxWidth, maxLines, font) {
    var lines = [];
    var line = "";
    String(text).split(/\s+/).filter(Boolean).forEach(function (word) {
      var candidate = line ? line + " " + word : word;
      if (textWidth(candidate, font) <= maxWidth) { line = candidate; return; }
      if (line) { lines.push(line); }
      line = word;
      while (line.length > 1 && textWidth(line, font) > maxWidth) {
        var head = line;
        while (head.length > 1 && textWidth(head, font) > maxWidth) { head = head.slice(0, -1); }
        lines.push(head);
        line = line.slice(head.length);
      }
    });
    if (line) { lines.push(line); }
    if (lines.length > maxLines) {
      lines = lines.slice(0, maxLines - 1).concat(shorten(lines.slice(maxLines - 1).join(" "), maxWidth, font));
    }
    return lines.length > 1 ? lines : lines[0] || "";
  }

  function withUnit(unit) {
    return function (value) { return unit ? value + unit : value; };
  }

  function config(spec, colours, font) {
    var kind = spec.type;
    var horizontal = kind === "hbar" || kind === "stacked-hbar";
    var stacked = kind === "stacked-hbar";
    var chartType = kind === "line" ? "line" : kind === "doughnut" ? "doughnut" : "bar";
    var datasets = spec.series.map(function (series, i) {
      var colour = colours.series[i % colours.series.length];
      var set = { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour };
      if (chartType === "bar") {
        set.borderRadius = 4;
        if (kind === "histogram") { set.categoryPercentage = 1; set.barPercentage = 0.92; }
        else { set.maxBarThickness = 36; }
      }
      if (chartType === "line") {
        set.tension = 0; // straight segments: a curve overshoots between points (below 0 for counts)
        set.pointRadius = 2;
        set.fill = false;
        set.borderWidth = 2;
      }
      if (chartType === "doughnut") {
        set.backgroundColor = series.data.map(function (_, j) { return colours.series[j % colours.series.length]; });
        set.borderColor = colours.surface;
      }
      return set;
    });
    var axis = {
      grid: { color: colours.grid, drawTicks: false },
      border: { display: false },
      ticks: { color: colours.text, padding: 6 },
    };
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : { duration: 300 },
      indexAxis: horizontal ? "y" : "x",
      plugins: {
        legend: {
          display: spec.series.length > 1 || chartType === "doughnut",
          position: "bottom",
          labels: { color: colours.text, boxWidth: 10, boxHeight: 10, useBorderRadius: true, borderRadius: 2 },
        },
        tooltip: { callbacks: {} },
      },
    };
    if (chartType !== "doughnut") {
      var valueAxis = Object.assign({}, axis, {
        beginAtZero: true,
        stacked: stacked,
        ticks: Object.assign({}, axis.ticks, { callback: withUnit(spec.unit), precision: 0 }),
        title: { display: !!spec.y_label, text: spec.y_label, color: colours.text },
      });
      var categoryAxis = Object.assign({}, axis, {
        stacked: stacked,
        grid: { display: false },
        ticks: Object.assign({}, axis.ticks, { maxRotation: 0, autoSkipPadding: 8 }),
        title: { display: !!spec.x_label, text: spec.x_label, color: colours.text },
      });
      if (chartType === "bar" && kind !== "histogram") {
        // A bar's label has its own share of the width; across, a phone leaves the bars most of it.
        categoryAxis.ticks.callback = function (value) {
          var width = horizontal
            ? this.chart.width * 0.4
            : this.chart.width / Math.max(1, spec.labels.length) - 8;
          return fitLines(this.getLabelForValue(value), Math.max(40, width), LABEL_LINES, font);
        };
        // Every bar across keeps its label (makeRoom gives them the height).
        if (horizontal) { categoryAxis.ticks.autoSkip = false; }
        options.plugins.tooltip.callbacks.title = function (items) {
          if (!items.length) { return ""; }
          return fitLines(items[0].label, Math.max(120, items[0].chart.width - 48), Infinity, font);
        };
      }
      options.scales = horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
    }
    return { type: chartType, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(canvas) {
    var island = document.getElementById(canvas.getAttribute("data-chart"));
    if (!island) { return; }
    var spec = JSON.parse(island.textContent);
    if (instances.has(canvas)) { instances.get(canvas).destroy(); }
    var font = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.family = font;
    window.Chart.defaults.font.size = 12;
    if (spec.type === "hbar" || spec.type === "stacked-hbar") { makeRoom(canvas.parentNode, spec); }
    instances.set(canvas, new window.Chart(canvas, config(spec, palette(), "12px " + font)));
  }

  // Bars across get room for two-line labels: Chart.js would otherwise leave out every other
  // label of a short chart. A style property set from script is allowed under the CSP.
  function makeRoom(box, spec) {
    var legend = spec.series.length > 1 ? 32 : 0;
    var needed = spec.labels.length * LABEL_LINES * 16 + 40 + legend;
    box.style.minHeight = needed + "px";
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  function redrawAll() {
    instances.forEach(function (chart, canvas) {
      if (!document.body.contains(canvas)) { chart.destroy(); instances.delete(canvas); return; }
      draw(canvas);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  document.addEventListener("ui:themechange", redrawAll);
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawAll);
  }
})();
