// Draws a unit's evidence charts from the JSON the page embeds (no inline script: CSP).
// data-series="access": stacked bars of the registered members and the unregistered
// credentials seen each day. data-series="electricity" / "water": the unit's daily use
// against the estate median for the same household size, with the use of an empty
// home as a dashed line.
(function () {
  const source = document.getElementById("evidence-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const L = data.labels;
  const days = data.dates.map(d => d.slice(5));
  const quiet = data.access.members.every(n => !n) && data.access.unregistered.every(n => !n);
  const base = {
    tooltip: { trigger: "axis" },
    legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
    grid: { left: 8, right: 12, top: 32, bottom: 4, containLabel: true },
    xAxis: { type: "category", data: days, axisLabel: { fontSize: 10 } },
  };
  const options = {
    access: () => ({
      ...base,
      tooltip: {
        trigger: "axis",
        formatter: params => {
          const i = params[0].dataIndex;
          return [
            data.dates[i],
            `${L.members}: ${data.access.members[i]} (${L.member_openings}: ${data.access.member_openings[i]})`,
            `${L.unregistered}: ${data.access.unregistered[i]} (${L.other_openings}: ${data.access.other_openings[i]})`,
          ].join("<br>");
        },
      },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      graphic: quiet ? [{ type: "text", left: "center", top: "middle",
        style: { text: L.no_access, fill: "#667382", fontSize: 13 } }] : [],
      series: [
        { name: L.members, type: "bar", stack: "people", data: data.access.members,
          itemStyle: { color: "#2fb344" } },
        { name: L.unregistered, type: "bar", stack: "people", data: data.access.unregistered,
          itemStyle: { color: "#f76707" } },
      ],
    }),
    meter: (kind, unit) => ({
      ...base,
      yAxis: { type: "value", axisLabel: { fontSize: 10 } },
      tooltip: { trigger: "axis", valueFormatter: v => (v === null || v === undefined ? "—" : `${v} ${unit}`) },
      series: [
        { name: L.unit, type: "bar", data: data[kind].unit, itemStyle: { color: "#206bc4" } },
        { name: L.median, type: "line", data: data[kind].median, showSymbol: false,
          connectNulls: true, lineStyle: { width: 2 }, itemStyle: { color: "#f59f00" } },
        { name: L.standby, type: "line", data: days.map(() => data.standby[kind]),
          showSymbol: false, z: 10, lineStyle: { type: "dashed", width: 1.5 },
          itemStyle: { color: "#d63939" } },
      ],
    }),
  };
  const charts = [];
  document.querySelectorAll(".evidence-chart[data-series]").forEach(el => {
    const kind = el.dataset.series;
    const option = kind === "access" ? options.access()
      : options.meter(kind, kind === "water" ? L.m3 : L.kwh);
    const chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
