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

  function withUnit(unit) {
    return function (value) { return unit ? value + unit : value; };
  }

  function config(spec, colours) {
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
    instances.set(canvas, new window.Chart(canvas, config(spec, palette())));
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
