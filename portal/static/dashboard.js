/* The dashboard's charts (templates/reports/dashboard.html): each .chart[data-chart] holds the
 * figures of the table beside it as JSON ({kind, title, unit, categories, series, an
 * optional max for the value axis, and patterns: true to draw each series with its own fill
 * pattern as well as its colour, the legend showing both}); this draws
 * them with ECharts (the vendored copy, /static/vendor/echarts.min.js). No inline script: the
 * page's Content-Security-Policy allows only this site's script files. Without JavaScript the
 * tables alone show the same figures. */
(function () {
  "use strict";
  var number = new Intl.NumberFormat("zh-CN", {maximumFractionDigits: 1});
  // Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
  var colours = ["#a61b1b", "#0b5394", "#2e7d32", "#6a1b9a", "#b35c00", "#37474f"];

  function option(spec) {
    var many = spec.categories.length > 8;
    return {
      color: colours,
      aria: spec.patterns ? {enabled: true, decal: {show: true}} : undefined,
      animation: false,
      // A legend for several series, and for any patterned chart (it names what each pattern is).
      grid: {left: 48, right: 16, top: spec.series.length > 1 || spec.patterns ? 48 : 24, bottom: many ? 72 : 40,
             containLabel: false},
      legend: spec.series.length > 1 || spec.patterns ? {top: 0, type: "scroll"} : undefined,
      tooltip: {trigger: "axis", valueFormatter: function (v) { return number.format(v) + (spec.unit || ""); }},
      xAxis: {type: "category", data: spec.categories, axisLabel: {rotate: many ? 45 : 0, interval: 0}},
      // spec.max: a fixed top (100 for percentages), else ECharts picks one from the data
      yAxis: {type: "value", minInterval: 1, max: spec.max, axisLabel: {formatter: function (v) { return number.format(v); }}},
      series: spec.series.map(function (s) {
        return {name: s.name, type: spec.kind === "line" ? "line" : "bar", data: s.data,
                barMaxWidth: 32, symbolSize: 6};
      })
    };
  }

  function draw() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var chart = window.echarts.init(el, null, {renderer: "svg", locale: "ZH"});
      chart.setOption(option(spec));
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
