/* Draws the page's chart from the JSON the server put in the page (the table below has the same figures). */
(function () {
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var target = document.getElementById("chart");
  if (!target || typeof echarts === "undefined") { return; }
  var chart = echarts.init(target, null, { renderer: "svg" });
  var ranking = data("chart-data");
  var trend = data("trend-data");
  var stack = data("stack-data");
  var coverage = data("coverage-data");
  if (ranking) {
    chart.setOption({
      animation: false, grid: { left: 16, right: 24, containLabel: true }, tooltip: {},
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: ranking.names },
      series: [{ type: "bar", data: ranking.values.map(Number), itemStyle: { color: "#0b3d91" } }]
    });
  } else if (trend) {
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: trend.months },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: Object.keys(trend.series).map(function (name) {
        return { name: name, type: "line", data: trend.series[name].map(function (v) { return v === null ? null : Number(v); }) };
      })
    });
  }
  if (coverage) {
    // each district's tested share as bars, the target as a dashed line across them
    var line = coverage.target === null ? [] : [{ yAxis: Number(coverage.target), name: coverage.target_label }];
    // Each bar's figure sits inside the bar's foot, where the target line (at 20 %, axis at least 25 %) never
    // runs; a bar too short to hold it carries it on top, still far under the line. The line's own label
    // stands right of the plot, in the room the grid leaves for it.
    var inside = { show: true, position: "insideBottom", distance: 6, color: "#ffffff", formatter: "{c}%" };
    var above = { show: true, position: "top", color: "#1a1a1a", formatter: "{c}%" };
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: {},
      grid: { left: 16, right: 110, bottom: 16, containLabel: true },
      xAxis: { type: "category", data: coverage.names, axisLabel: { interval: 0 } },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" },
               max: function (v) { return Math.max(Math.ceil(v.max / 5) * 5, coverage.target ? Number(coverage.target) + 5 : 0); } },
      series: [{ name: coverage.series, type: "bar", itemStyle: { color: "#0b3d91" },
                 label: inside,
                 data: coverage.values.map(function (v, i) {  // under the target: red, as in the table
                   var value = v === null ? null : Number(v);
                   return { value: value, label: value !== null && value < 5 ? above : inside,
                            itemStyle: { color: coverage.met[i] === false ? "#b00020" : "#0b3d91" } };
                 }),
                 markLine: { symbol: "none", silent: true, lineStyle: { color: "#b00020", type: "dashed", width: 2 },
                             label: { position: "end", distance: 8, color: "#b00020",
                                      formatter: coverage.target_label + " " + coverage.target + "%" },
                             data: line } }]
    });
  }
  if (stack) {
    // containLabel: the grid makes room for the rotated district / fleet names instead of cutting them off
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: {},
      grid: { left: 16, right: 24, top: 48, bottom: 16, containLabel: true },
      xAxis: { type: "category", data: stack.names, axisLabel: { interval: 0, rotate: stack.names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: Object.keys(stack.series).map(function (name) {
        return { name: name, type: "bar", stack: stack.grouped ? undefined : "total",
                 data: stack.series[name].map(function (v) { return v === null ? null : Number(v); }) };
      })
    });
  }
  window.addEventListener("resize", function () { chart.resize(); });
}());
