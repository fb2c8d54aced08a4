/* Draws the page's chart from the JSON the server put in the page (the table below has the same figures). */
(function () {
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var target = document.getElementById("chart");
  if (!target || typeof echarts === "undefined") { return; }
  var chart = echarts.init(target, null, { renderer: "svg" });
  var ranking = data("chart-data");
  var trend = data("trend-data");
  var stack = data("stack-data");
  if (ranking) {
    chart.setOption({
      animation: false, grid: { left: 200, right: 24 }, tooltip: {},
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
  if (stack) {
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: {}, grid: { bottom: 60 },
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
