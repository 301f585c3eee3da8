/* Dashboard charts (ECharts, served by the site). Data comes from a JSON block written by the page
   ({{ chart|json_script }}), never from inline script, so the Content-Security-Policy stays strict. */
(function () {
  "use strict";
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var font = "Sarabun, system-ui, sans-serif";
  var green = "#1f7a4d", gold = "#c99a2e";

  function chart(name) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node) { return null; }
    var instance = echarts.init(node, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { instance.resize(); });
    return { node: node, chart: instance };
  }

  var months = chart("months");
  if (months && data.months) {
    months.chart.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", name: "" }, { type: "value", name: "" }],
      series: [
        { name: dataNode.dataset.deedsLabel || "ความดี / deeds", type: "bar", data: data.deeds, itemStyle: { color: green } },
        { name: dataNode.dataset.creditsLabel || "เครดิต / credits", type: "line", yAxisIndex: 1, data: data.credits,
          itemStyle: { color: gold }, smooth: true }
      ]
    });
  }

  var breakdown = chart("breakdown");
  if (breakdown && data.virtues) {
    breakdown.chart.setOption({
      textStyle: { fontFamily: font },
      tooltip: { trigger: "item" },
      series: [
        { type: "pie", radius: ["22%", "42%"], center: ["27%", "55%"], data: data.virtues, label: { fontSize: 11 } },
        { type: "pie", radius: ["22%", "42%"], center: ["75%", "55%"], data: data.dimensions, label: { fontSize: 11 } }
      ]
    });
  }

  var map = chart("map");
  if (map && data.map) {
    fetch(map.node.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      echarts.registerMap("thailand", geo);
      var values = data.map.map(function (p) { return p.value || 0; });
      var names = {};
      data.map.forEach(function (p) { names[p.code] = p; });
      map.chart.setOption({
        textStyle: { fontFamily: font },
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var item = names[p.name];
            if (!item) { return p.name; }
            return item.name + "<br>" + (item.value === null ? "—" : (item.value || 0).toLocaleString()) + " เครดิต / credits";
          }
        },
        visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), left: 8, bottom: 8, calculable: true,
                     inRange: { color: ["#eef6f1", green] }, text: ["", ""] },
        series: [{
          type: "map", map: "thailand", nameProperty: "code", roam: true, selectedMode: "single",
          emphasis: { label: { show: false }, itemStyle: { areaColor: gold } },
          data: data.map.map(function (p) { return { name: p.code, value: p.value }; })
        }]
      });
      map.node.dataset.ready = "1";
      map.chart.on("click", function (params) {
        var url = map.node.dataset.drillUrl;
        if (!url || !params.name) { return; }
        url = url.replace("/00/", "/" + params.name + "/") + "?fy=" + (map.node.dataset.fy || "");
        htmx.ajax("GET", url, { target: "#drill", swap: "innerHTML" });
      });
    });
  }
})();
