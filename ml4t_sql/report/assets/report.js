// Draws the tearsheet's charts with Apache ECharts (inlined above this script) from the JSON in
// <script id="report-data">. Every chart is registered in window.ml4tCharts; when all are drawn,
// document.body gets data-charts-ready="N" (the browser test waits for it).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = {};
  window.ml4tCharts = charts;

  var pct = window.ml4tFormat.pct, money = window.ml4tFormat.money;  // numbers.js
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
    var el = document.getElementById(id);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts[id] = chart;
    return chart;
  };
  var line = function (name, points, extra) {
    var s = { name: name, type: "line", showSymbol: false, data: points, lineStyle: { width: 1.5 } };
    for (var k in extra) s[k] = extra[k];
    return s;
  };

  // the risk rules (ml4t_sql.report.risk): halted spans shaded, stop exits per date by rule
  var risk = data.risk;
  var halted = function () {
    if (!risk || !risk.halts.length) return {};
    return { markArea: { silent: true, itemStyle: { color: "rgba(120,120,120,0.18)" },
      label: { show: false }, data: risk.halts.map(function (h) { return [{ xAxis: h[0], name: "halted" }, { xAxis: h[1] }]; }) } };
  };
  var ruleColors = { stop_loss: "#d48265", take_profit: "#61a0a8", trailing_stop: "#2f4554" };

  // 1. equity vs benchmarks, with a log-scale switch
  var c = data.curve;
  var equitySeries = [line("Strategy NAV", pairs(c.date, c.nav), Object.assign({ lineStyle: { width: 2 } }, halted()))];
  if (data.benchmark_label) equitySeries.push(line(data.benchmark_label, pairs(c.date, c.benchmark_nav)));
  equitySeries.push(line("Equal-weight universe", pairs(c.date, c.universe_nav), { lineStyle: { width: 1, type: "dashed" } }));
  var equity = draw("chart-equity", base({
    xAxis: { type: "time" },
    yAxis: { type: "value", scale: true, axisLabel: { formatter: money } },
    tooltip: { trigger: "axis", valueFormatter: money },
    series: equitySeries,
  }));
  var bounds = function (v) { return [v.min * 0.95, v.max * 1.05]; };
  document.getElementById("log-scale").addEventListener("change", function (e) {
    equity.setOption({ yAxis: e.target.checked
      ? { type: "log", min: function (v) { return bounds(v)[0]; }, max: function (v) { return bounds(v)[1]; } }
      : { type: "value", min: null, max: null } });
  });

  // 2. excess return over the primary benchmark
  draw("chart-excess", base({
    xAxis: { type: "time" },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return pct(v, 0); } } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v); } },
    series: [line("Excess return vs " + (data.benchmark_label || "equal-weight universe"), pairs(c.date, c.excess_return), { areaStyle: { opacity: 0.15 } })],
  }));

  // 3. drawdown (with a run's halts shaded and its stop exits per date on a right axis)
  var ddSeries = [line("Drawdown", pairs(data.drawdown.date, data.drawdown.drawdown), Object.assign({ color: "#c23531", areaStyle: { opacity: 0.3 } }, halted()))];
  var ddAxes = [{ type: "value", axisLabel: { formatter: function (v) { return pct(v, 0); } } }];
  var exitRules = risk ? Object.keys(risk.exits) : [];
  if (exitRules.length) {
    ddAxes.push({ type: "value", name: "exits", minInterval: 1, splitLine: { show: false } });
    exitRules.forEach(function (rule) {
      ddSeries.push({ name: rule + " exits", type: "bar", yAxisIndex: 1, stack: "exits", barMaxWidth: 3,
        itemStyle: { color: ruleColors[rule] }, data: risk.exits[rule],
        tooltip: { valueFormatter: function (v) { return String(v); } } });
    });
  }
  draw("chart-drawdown", base({
    xAxis: { type: "time" },
    yAxis: ddAxes,
    tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v); } },
    series: ddSeries,
  }));

  // 4. monthly returns heatmap (year x month)
  var m = data.monthly;
  var years = Array.from(new Set(m.year)).sort().map(String);
  var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var cells = [], extreme = 0.0001;
  for (var i = 0; i < m.year.length; i++) {
    cells.push([m.month[i] - 1, years.indexOf(String(m.year[i])), m.return[i]]);
    extreme = Math.max(extreme, Math.abs(m.return[i]));
  }
  draw("chart-monthly", {
    animation: false,
    grid: { left: 70, right: 20, top: 10, bottom: 70 },
    tooltip: { formatter: function (p) { return years[p.value[1]] + " " + months[p.value[0]] + ": " + pct(p.value[2]); } },
    xAxis: { type: "category", data: months, splitArea: { show: true } },
    yAxis: { type: "category", data: years, splitArea: { show: true } },
    visualMap: {
      min: -extreme, max: extreme, calculable: false, orient: "horizontal", left: "center", bottom: 0,
      inRange: { color: ["#b2182b", "#f7f7f7", "#1a9850"] },
      formatter: function (v) { return pct(v, 1); },
    },
    series: [{
      name: "Monthly return", type: "heatmap", data: cells,
      label: { show: true, formatter: function (p) { return pct(p.value[2], 1); }, fontSize: 10 },
    }],
  });

  // 5-6. rolling Sharpe and volatility
  var r = data.rolling;
  draw("chart-rolling-sharpe", base({
    xAxis: { type: "time" },
    yAxis: { type: "value" },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return window.ml4tFormat.ratio(v); } },
    series: [line("Rolling Sharpe (" + data.window + " days)", pairs(r.date, r.sharpe))],
  }));
  draw("chart-rolling-vol", base({
    xAxis: { type: "time" },
    yAxis: { type: "value", axisLabel: { formatter: function (v) { return pct(v, 0); } } },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v); } },
    series: [line("Rolling volatility (" + data.window + " days)", pairs(r.date, r.volatility), { color: "#d48265" })],
  }));

  // 7. turnover and costs per month
  var t = data.turnover;
  draw("chart-turnover", base({
    xAxis: { type: "time" },
    yAxis: [
      { type: "value", name: "turnover", axisLabel: { formatter: function (v) { return pct(v, 0); } } },
      { type: "value", name: "costs", axisLabel: { formatter: money } },
    ],
    series: [
      { name: "Turnover (month)", type: "bar", data: pairs(t.month, t.turnover), barMaxWidth: 12 },
      line("Costs (month)", pairs(t.month, t.costs), { yAxisIndex: 1, color: "#c23531", showSymbol: true }),
    ],
  }));

  // 8. long, short, gross and net exposure (top grid) and holdings (bottom grid): two axes, so
  //    neither flattens the other
  var x = data.exposure;
  var exposureSeries = [
    line("Long exposure", pairs(x.date, x.long_exposure), { color: "#1a9850" }),
    line("Gross exposure", pairs(x.date, x.gross_exposure), { color: "#5470c6" }),
    line("Net exposure", pairs(x.date, x.net_exposure), { color: "#222", lineStyle: { type: "dashed", width: 1 } }),
  ];
  if (x.short_exposure.some(function (v) { return v > 0; })) {
    exposureSeries.splice(1, 0, line("Short exposure", pairs(x.date, x.short_exposure.map(function (v) { return v == null ? null : -v; })), { color: "#b2182b" }));
  }
  exposureSeries.push(line("Holdings", pairs(x.date, x.holdings), { step: "end", xAxisIndex: 1, yAxisIndex: 1, color: "#91cc75" }));
  draw("chart-exposure", {
    animation: false,
    legend: { top: 0 },
    tooltip: { trigger: "axis" },
    axisPointer: { link: [{ xAxisIndex: "all" }] },
    grid: [{ left: 70, right: 30, top: 36, height: "50%" }, { left: 70, right: 30, top: "72%", bottom: 30 }],
    xAxis: [{ type: "time", gridIndex: 0, axisLabel: { show: false } }, { type: "time", gridIndex: 1 }],
    yAxis: [
      { type: "value", gridIndex: 0, name: "exposure (short below 0)", axisLabel: { formatter: function (v) { return pct(v, 0); } } },
      { type: "value", gridIndex: 1, name: "holdings", min: 0, minInterval: 1 },
    ],
    series: exposureSeries,
  });

  // 8b. financing (and dividends, when the run has them) per month, with running totals
  var k = data.carry;
  var carrySeries = [
    { name: "Financing (month)", type: "bar", data: pairs(k.month, k.financing), barMaxWidth: 10, color: "#5470c6" },
    line("Financing (cumulative)", pairs(k.month, k.cumulative_financing), { yAxisIndex: 1, color: "#5470c6" }),
  ];
  if (k.dividends) {
    carrySeries.push({ name: "Dividends (month)", type: "bar", data: pairs(k.month, k.dividends), barMaxWidth: 10, color: "#fac858" });
    carrySeries.push(line("Dividends (cumulative)", pairs(k.month, k.cumulative_dividends), { yAxisIndex: 1, color: "#ee6666" }));
  }
  draw("chart-carry", base({
    xAxis: { type: "time" },
    yAxis: [
      { type: "value", name: "month", axisLabel: { formatter: money } },
      { type: "value", name: "cumulative", axisLabel: { formatter: money } },
    ],
    tooltip: { trigger: "axis", valueFormatter: money },
    series: carrySeries,
  }));

  // 9. top and bottom contributors by P&L
  var contributors = data.bottom.asset.slice().reverse().concat(data.top.asset.slice().reverse());
  var pnl = data.bottom.pnl.slice().reverse().concat(data.top.pnl.slice().reverse());
  var seen = {}, names = [], values = [];
  for (var j = 0; j < contributors.length; j++) {
    if (seen[contributors[j]]) continue;
    seen[contributors[j]] = true;
    names.push(contributors[j]);
    values.push(pnl[j]);
  }
  draw("chart-contributions", {
    animation: false,
    grid: { left: 70, right: 30, top: 10, bottom: 30 },
    tooltip: { trigger: "axis", valueFormatter: money },
    xAxis: { type: "value", axisLabel: { formatter: money } },
    yAxis: { type: "category", data: names },
    series: [{
      name: "P&L", type: "bar",
      data: values.map(function (v) { return { value: v, itemStyle: { color: v >= 0 ? "#1a9850" : "#b2182b" } }; }),
    }],
  });

  window.addEventListener("resize", function () {
    for (var id in charts) charts[id].resize();
  });
  document.body.setAttribute("data-charts-ready", String(Object.keys(charts).length));
})();
