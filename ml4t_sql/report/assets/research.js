// Draws a research run's charts with Apache ECharts (inlined above this script) from the JSON in
// <script id="report-data">, in the tearsheet's style (report.js). Every chart is registered in
// window.ml4tCharts; when all are drawn, document.body gets data-charts-ready="N".
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = {};
  window.ml4tCharts = charts;

  var pct = window.ml4tFormat.pct;  // numbers.js
  var fixed = function (v) { return window.ml4tFormat.ratio(v, 4); };
  var pairs = function (xs, ys) {
    var out = [];
    for (var i = 0; i < xs.length; i++) out.push([xs[i], ys[i]]);
    return out;
  };
  var base = function (extra) {
    var option = {
      animation: false,
      grid: { left: 70, right: 70, top: 40, bottom: 40 },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
    };
    for (var k in extra) option[k] = extra[k];
    return option;
  };
  var draw = function (id, option) {
    var chart = echarts.init(document.getElementById(id), null, { renderer: "svg" });
    chart.setOption(option);
    charts[id] = chart;
    return chart;
  };
  var line = function (name, points, extra) {
    var s = { name: name, type: "line", showSymbol: false, data: points, lineStyle: { width: 1.5 } };
    for (var k in extra) s[k] = extra[k];
    return s;
  };

  // 1. rank IC per date (thin) and its trailing mean (thick), one pair per horizon
  var icSeries = [];
  data.horizons.forEach(function (h) {
    var s = data.ic[String(h)];
    icSeries.push(line("rank IC " + h + "d", pairs(s.date, s.rank_ic), { lineStyle: { width: 0.6, opacity: 0.5 } }));
    icSeries.push(line("rank IC " + h + "d, " + data.window + "-date mean", pairs(s.date, s.rolling_rank_ic), { lineStyle: { width: 2 } }));
    icSeries.push(line("IC " + h + "d, " + data.window + "-date mean", pairs(s.date, s.rolling_ic), { lineStyle: { width: 1, type: "dashed" } }));
  });
  draw("chart-ic", base({
    xAxis: { type: "time" },
    yAxis: { type: "value", axisLabel: { formatter: fixed } },
    tooltip: { trigger: "axis", valueFormatter: fixed },
    series: icSeries,
  }));

  // 2. mean forward return per quantile, bars grouped by horizon
  var labels = [];
  var bars = data.horizons.map(function (h) {
    var q = data.quantiles[String(h)];
    if (q.quantile.length > labels.length) labels = q.quantile.map(function (x) { return "Q" + x; });
    return { name: h + "d", type: "bar", data: q.mean_fwd_return };
  });
  draw("chart-quantiles", base({
    xAxis: { type: "category", data: labels },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return pct(v, 2); } } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v, 3); } },
    series: bars,
  }));

  // 3. growth of 1 in the shortest horizon's top-minus-bottom spread
  var sp = data.spread;
  draw("chart-spread", base({
    xAxis: { type: "time" },
    yAxis: { type: "value", scale: true },
    tooltip: { trigger: "axis", valueFormatter: fixed },
    series: [line("top - bottom, " + data.spread_horizon + "d", pairs(sp.date, sp.growth), { lineStyle: { width: 2 } })],
  }));

  window.addEventListener("resize", function () {
    for (var id in charts) charts[id].resize();
  });
  document.body.setAttribute("data-charts-ready", String(Object.keys(charts).length));
})();
