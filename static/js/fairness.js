// Draws the fairness audit's charts: <canvas data-fairness-chart="ID"> reads
// {"metric", "unit", "bars": [{"label", "gap", "low", "high", "flagged"}]} from the JSON data
// island ID and draws each group's gap with everyone else as a horizontal bar with its 95%
// interval as an error bar. Chart.js draws no error bars, so a small plugin adds them. Colours
// come from the design tokens, as in charts.js. Needs Chart.js 4 loaded first, both `defer`.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  function token(name) {
    var probe = document.createElement("span");
    probe.style.display = "none";
    probe.style.color = "var(" + name + ")";
    document.body.appendChild(probe);
    var value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }

  var errorBars = {
    id: "fairnessErrorBars",
    afterDatasetsDraw: function (chart, args, options) {
      var bars = options.bars || [];
      var meta = chart.getDatasetMeta(0);
      var x = chart.scales.x;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = options.ink;
      ctx.lineWidth = 1.5;
      meta.data.forEach(function (element, i) {
        var bar = bars[i];
        if (!bar) { return; }
        var y = element.y;
        var left = x.getPixelForValue(bar.low);
        var right = x.getPixelForValue(bar.high);
        var cap = Math.min(6, element.height / 3 || 6);
        ctx.beginPath();
        ctx.moveTo(left, y); ctx.lineTo(right, y);
        ctx.moveTo(left, y - cap); ctx.lineTo(left, y + cap);
        ctx.moveTo(right, y - cap); ctx.lineTo(right, y + cap);
        ctx.stroke();
      });
      ctx.restore();
    },
  };

  // Drawn charts by canvas, so a theme change can draw them again in the new colours.
  var instances = new Map();

  function draw(canvas) {
    var island = document.getElementById(canvas.getAttribute("data-fairness-chart"));
    if (!island) { return; }
    var spec = JSON.parse(island.textContent);
    var normal = token("--ui-chart-1");
    var flagged = token("--ui-chart-4");
    var muted = token("--ui-text-muted");
    var grid = token("--ui-chart-grid");
    var unit = spec.unit ? " " + spec.unit : "";
    canvas.parentElement.style.height = Math.max(160, 48 + spec.bars.length * 40) + "px";
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.font.size = 12;
    var values = [];
    spec.bars.forEach(function (bar) { values.push(bar.low, bar.high, 0); });
    if (instances.has(canvas)) { instances.get(canvas).destroy(); }
    instances.set(canvas, new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.bars.map(function (bar) { return bar.label; }),
        datasets: [{
          label: spec.metric,
          data: spec.bars.map(function (bar) { return bar.gap; }),
          backgroundColor: spec.bars.map(function (bar) { return bar.flagged ? flagged : normal; }),
          borderRadius: 4,
          maxBarThickness: 28,
        }],
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        // The error bars are drawn at their final place: the bars must be there too.
        animation: false,
        plugins: {
          fairnessErrorBars: { bars: spec.bars, ink: token("--ui-text") },
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var bar = spec.bars[item.dataIndex];
                return bar.gap + unit + " (" + bar.low + " … " + bar.high + ")";
              },
            },
          },
        },
        scales: {
          x: {
            suggestedMin: Math.min.apply(null, values),
            suggestedMax: Math.max.apply(null, values),
            grid: { color: grid },
            ticks: { color: muted },
            title: { display: !!spec.unit, text: spec.unit, color: muted },
          },
          y: { grid: { display: false }, ticks: { color: muted } },
        },
      },
      plugins: [errorBars],
    }));
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-fairness-chart]").forEach(draw);
  }

  function redrawAll() {
    instances.forEach(function (chart, canvas) {
      if (!document.body.contains(canvas)) { chart.destroy(); instances.delete(canvas); return; }
      draw(canvas);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("ui:themechange", redrawAll);
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redrawAll);
  }
})();
