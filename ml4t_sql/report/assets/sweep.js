// Draws the sweep page's heatmap (one metric over two swept keys) with Apache ECharts from the JSON
// in <script id="report-data">; document.body gets data-charts-ready="1" when it is drawn.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = {};
  window.ml4tCharts = charts;
  var show = function (v) {  // numbers.js
    return data.kind === "pct" ? window.ml4tFormat.pct(v, 1) : window.ml4tFormat.ratio(v);
  };
  var g = data.grid, xs = [], ys = [], cells = [], lo = Infinity, hi = -Infinity;
  for (var i = 0; i < g.x.length; i++) {
    xs[g.x_order[i] - 1] = g.x[i] == null ? "(all)" : g.x[i];
    ys[g.y_order[i] - 1] = g.y[i] == null ? "(all)" : g.y[i];
  }
  for (var j = 0; j < g.x.length; j++) {
    cells.push({ value: [g.x_order[j] - 1, g.y_order[j] - 1, g.value[j]], best: g.best_variant[j], n: g.n_variants[j] });
    if (g.value[j] != null) { lo = Math.min(lo, g.value[j]); hi = Math.max(hi, g.value[j]); }
  }
  if (!isFinite(lo)) { lo = 0; hi = 1; }
  if (lo === hi) { lo -= 1e-9; hi += 1e-9; }
  var chart = echarts.init(document.getElementById("chart-heatmap"), null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 110, right: 30, top: 20, bottom: 90 },
    tooltip: {
      formatter: function (p) {
        var d = p.data;
        return data.x_key + " = " + xs[d.value[0]] + (data.y_key ? ", " + data.y_key + " = " + ys[d.value[1]] : "") +
          "<br>" + data.label + ": " + show(d.value[2]) + "<br>variant " + d.best + " (" + data.names[String(d.best)] + ")" +
          (d.n > 1 ? ", best of " + d.n : "");
      },
    },
    xAxis: { type: "category", data: xs, name: data.x_key, nameLocation: "middle", nameGap: 28, splitArea: { show: true } },
    yAxis: { type: "category", data: ys, inverse: true, name: data.y_key, nameLocation: "middle", nameGap: 80, nameRotate: 90, splitArea: { show: true } },
    visualMap: {
      min: lo, max: hi, calculable: false, orient: "horizontal", left: "center", bottom: 0, text: [show(hi), show(lo)],
      inRange: { color: ["#b2182b", "#f7f7f7", "#1a9850"] },
      formatter: function (v) { return show(v); },
    },
    series: [{ name: data.label, type: "heatmap", data: cells, label: { show: true, formatter: function (p) { return show(p.data.value[2]); } } }],
  });
  charts["chart-heatmap"] = chart;
  window.addEventListener("resize", function () { chart.resize(); });
  document.body.setAttribute("data-charts-ready", "1");
})();
