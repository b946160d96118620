// Draws the capacity page's chart with Apache ECharts from the JSON in <script id="report-data">:
// total return and fill rate (left axis, percent) and Sharpe (right axis) against capital on a log
// axis; document.body gets data-charts-ready="1" when it is drawn.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = {};
  window.ml4tCharts = charts;
  var pct = window.ml4tFormat.pct, ratio = window.ml4tFormat.ratio, money = window.ml4tFormat.money;  // numbers.js
  var pairs = function (ys) { return data.capital.map(function (x, i) { return [x, ys[i]]; }); };
  var series = function (name, ys, extra) {
    var s = { name: name, type: "line", data: pairs(ys), symbolSize: 7 };
    for (var k in extra) s[k] = extra[k];
    return s;
  };
  var chart = echarts.init(document.getElementById("chart-capacity"), null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    grid: { left: 70, right: 70, top: 40, bottom: 50 },
    legend: { top: 0 },
    tooltip: {
      trigger: "axis",
      formatter: function (ps) {
        var i = ps[0].dataIndex;
        return "capital " + money(data.capital[i]) + "<br>total return " + pct(data.total_return[i]) +
          "<br>fill rate " + pct(data.fill_rate[i]) + "<br>Sharpe " + ratio(data.sharpe[i]) +
          "<br>cost " + ratio(data.cost_bps[i]) + " bps";
      },
    },
    xAxis: { type: "log", min: function (v) { return v.min; }, max: function (v) { return v.max; }, name: "capital", nameLocation: "middle", nameGap: 28, axisLabel: { formatter: money } },
    yAxis: [
      { type: "value", axisLabel: { formatter: function (v) { return pct(v, 0); } } },
      { type: "value", name: "Sharpe", splitLine: { show: false }, axisLabel: { formatter: ratio } },
    ],
    series: [
      series("Total return", data.total_return),
      series("Fill rate", data.fill_rate, { lineStyle: { type: "dashed" } }),
      series("Sharpe ratio", data.sharpe, { yAxisIndex: 1 }),
    ],
  });
  charts["chart-capacity"] = chart;
  window.addEventListener("resize", function () { chart.resize(); });
  document.body.setAttribute("data-charts-ready", "1");
})();
