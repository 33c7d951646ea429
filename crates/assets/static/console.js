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
  // On a phone the filters fold away under their summary, so the figures come first; the page
  // sends them unfolded, which is what a browser without this script shows.
  function fold() {
    var box = document.getElementById("filters-box");
    if (box && window.matchMedia("(max-width: 47.99rem)").matches) box.open = false;
  }
  function start() {
    fold();
    draw();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
