// Draws the comparison page's charts (equity curves and drawdowns of every run, together) with
// Apache ECharts, from the JSON in <script id="report-data">; same readiness contract as report.js.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = {};
  window.ml4tCharts = charts;
  var pct = window.ml4tFormat.pct;  // numbers.js
  var pairs = function (xs, ys) { var o = []; for (var i = 0; i < xs.length; i++) o.push([xs[i], ys[i]]); return o; };
  var draw = function (id, option) {
    var chart = echarts.init(document.getElementById(id), null, { renderer: "svg" });
    chart.setOption(option);
    charts[id] = chart;
    return chart;
  };
  var option = function (key, column, formatter) {
    return {
      animation: false,
      grid: { left: 70, right: 30, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", valueFormatter: formatter },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: formatter } },
      series: data.runs.map(function (run) {
        return { name: run.name, type: "line", showSymbol: false, lineStyle: { width: 1.5 }, data: pairs(run[key].date, run[key][column]) };
      }),
    };
  };
  var growthOption = option("growth", "growth", function (v) { return window.ml4tFormat.ratio(v); });
  var b = data.benchmark;  // the first run's primary benchmark, for reference
  growthOption.series.push({ name: b.name, type: "line", showSymbol: false, data: pairs(b.date, b.growth),
    lineStyle: { width: 1, type: "dashed" }, color: "#888" });
  var growth = draw("chart-growth", growthOption);
  document.getElementById("log-scale").addEventListener("change", function (e) {
    growth.setOption({ yAxis: e.target.checked
      ? { type: "log", min: function (v) { return v.min * 0.95; }, max: function (v) { return v.max * 1.05; } }
      : { type: "value", min: null, max: null } });
  });
  draw("chart-drawdowns", option("drawdown", "drawdown", function (v) { return pct(v, 0); }));
  window.addEventListener("resize", function () { for (var id in charts) charts[id].resize(); });
  document.body.setAttribute("data-charts-ready", String(Object.keys(charts).length));
})();
