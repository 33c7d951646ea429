// The supervisors' console: draws each `[data-chart]` element's ECharts option. The table beside
// every chart carries the same figures, so without this script (or ECharts) nothing is lost.
(function () {
  "use strict";
  function draw() {
    if (typeof echarts === "undefined") return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      try {
        var chart = echarts.init(el, null, { renderer: "svg" });
        chart.setOption(JSON.parse(el.getAttribute("data-chart")));
        charts.push(chart);
      } catch (e) {
        el.hidden = true;
      }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
