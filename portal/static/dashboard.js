/* The dashboard's charts (templates/reports/dashboard.html): each .chart[data-chart] holds the
 * figures of the table beside it as JSON ({kind, title, unit, categories, series, an
 * optional max for the value axis, and patterns: true to draw each series with its own fill
 * pattern as well as its colour, the legend showing both}); this draws
 * them with ECharts (the vendored copy, /static/vendor/echarts.min.js), as horizontal bars
 * where the names would not fit side by side. No inline script: the
 * page's Content-Security-Policy allows only this site's script files. Without JavaScript the
 * tables alone show the same figures. */
(function () {
  "use strict";
  var number = new Intl.NumberFormat("zh-CN", {maximumFractionDigits: 1});
  // Colours with at least 3:1 contrast against white (WCAG 1.4.11 for graphics).
  var colours = ["#a61b1b", "#0b5394", "#2e7d32", "#6a1b9a", "#b35c00", "#37474f"];

  // Bars turn horizontal (the names down the left, one a line) where the width left for each
  // name is too small to write it (a phone showing a prefecture's counties): side by side,
  // or rotated, the names would run into one another.
  var MIN_NAME_WIDTH = 64;

  function sideways(el, spec) {
    return spec.kind !== "line" && el.clientWidth / Math.max(spec.categories.length, 1) < MIN_NAME_WIDTH;
  }

  function option(spec, flat) {
    var many = spec.categories.length > 8;
    var legendRoom = spec.series.length > 1 || spec.patterns;
    var names = {type: "category", data: spec.categories, axisLabel: {rotate: many && !flat ? 45 : 0, interval: 0}};
    // spec.max: a fixed top (100 for percentages), else ECharts picks one from the data
    var values = {type: "value", minInterval: 1, max: spec.max,
                  axisLabel: {formatter: function (v) { return number.format(v); }}};
    if (flat) {
      names.inverse = true;          // the first name on top, as in the table below
    }
    return {
      color: colours,
      aria: spec.patterns ? {enabled: true, decal: {show: true}} : undefined,
      animation: false,
      // A legend for several series, and for any patterned chart (it names what each pattern is).
      grid: flat ? {left: 8, right: 24, top: legendRoom ? 48 : 24, bottom: 24, containLabel: true}
        : {left: 48, right: 16, top: legendRoom ? 48 : 24, bottom: many ? 72 : 40, containLabel: false},
      legend: legendRoom ? {top: 0, type: "scroll"} : undefined,
      tooltip: {trigger: "axis", valueFormatter: function (v) { return number.format(v) + (spec.unit || ""); }},
      xAxis: flat ? values : names,
      yAxis: flat ? names : values,
      series: spec.series.map(function (s) {
        return {name: s.name, type: spec.kind === "line" ? "line" : "bar", data: s.data,
                barMaxWidth: flat ? 16 : 32, symbolSize: 6};
      })
    };
  }

  // A horizontal chart grows with its names (each a row of its bars), never below the
  // stylesheet's height; the vertical one keeps the stylesheet's.
  function fit(el, spec, flat) {
    el.style.height = flat ? Math.max(320, 72 + spec.categories.length * (16 + 12 * spec.series.length)) + "px" : "";
  }

  function draw() {
    if (!window.echarts) { return; }
    var charts = [];
    document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var flat = sideways(el, spec);
      fit(el, spec, flat);
      var chart = window.echarts.init(el, null, {renderer: "svg", locale: "ZH"});
      chart.setOption(option(spec, flat));
      charts.push({chart: chart, el: el, spec: spec, flat: flat});
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) {
        var flat = sideways(c.el, c.spec);
        if (flat !== c.flat) {
          c.flat = flat;
          fit(c.el, c.spec, flat);
          c.chart.setOption(option(c.spec, flat), true);
        }
        c.chart.resize();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
