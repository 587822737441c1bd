// Draws the collection-rate charts from the JSON the page embeds (no inline script:
// CSP). One chart per element with data-chart="<index into data.charts>": bars for the
// amounts billed and collected, a line for the rate by the month's end.
(function () {
  const source = document.getElementById("collection-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const num = values => values.map(v => (v === null ? null : Number(v)));
  const charts = [];
  document.querySelectorAll("[data-chart]").forEach(el => {
    const series = data.charts[Number(el.dataset.chart)];
    if (!series) return;
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 8, top: 32, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: data.months, axisLabel: { fontSize: 10 } },
      yAxis: [
        { type: "value", axisLabel: { fontSize: 10 } },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", fontSize: 10 },
          splitLine: { show: false } },
      ],
      series: [
        { name: data.labels.billed, type: "bar", data: num(series.billed),
          itemStyle: { color: "#c8d3e1" } },
        { name: data.labels.collected, type: "bar", data: num(series.collected),
          itemStyle: { color: "#206bc4" } },
        { name: data.labels.rate, type: "line", yAxisIndex: 1, data: num(series.rate),
          connectNulls: false, itemStyle: { color: "#f59f00" },
          tooltip: { valueFormatter: v => (v === null || v === undefined ? "—" : v + "%") } },
      ],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
