// Draws the dashboard charts from the JSON the page embeds (no inline script: CSP).
(function () {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const colours = { vacant: "#2fb344", reserved: "#f59f00", occupied: "#206bc4",
    vacating: "#d63939", under_repair: "#7f8c9b", withheld: "#3d3d3d" };
  const charts = [];
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }
  draw("chart-status", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["45%", "75%"], label: { show: false },
      data: data.status.map(s => ({ name: s.name, value: s.value,
        itemStyle: { color: colours[s.code] } })) }],
  });
  draw("chart-category", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { orient: "vertical", left: 0, top: "middle", itemWidth: 12, itemHeight: 12 },
    series: [{ type: "pie", radius: ["0%", "58%"], center: ["68%", "50%"],
      label: { show: true, position: "inside", formatter: "{d}%", color: "#fff" },
      data: data.categories }],
  });
  draw("chart-occupancy", {
    tooltip: { trigger: "axis", valueFormatter: v => v + "%" },
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: data.estates, inverse: true },
    series: [{ type: "bar", data: data.rates, itemStyle: { color: "#206bc4" },
      label: { show: true, position: "right",
        formatter: p => Number(p.value).toFixed(1) + "%" } }],
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
