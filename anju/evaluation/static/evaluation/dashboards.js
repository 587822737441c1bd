// The party dashboard's and the trends page's charts, from the JSON the page embeds
// (no inline script: CSP). data-kind="history": the total period by period, each point
// coloured by its grade; "indicator": one indicator's value against its target (a
// dashed line); "trend": one line per party and the target.
(function () {
  const source = document.getElementById("party-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  if (!data) return;
  const labels = JSON.parse(document.getElementById("party-labels").textContent);
  const GRADE = { excellent: "#2fb344", good: "#0ca678", pass: "#f59f00", fail: "#d63939" };
  const target = (values) => ({ name: labels.target, type: "line", data: values, symbol: "none",
    lineStyle: { type: "dashed", width: 2, color: "#d63939" }, itemStyle: { color: "#d63939" }, connectNulls: true });
  const base = (periods) => ({
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 8, right: 16, top: 32, bottom: 4, containLabel: true },
    xAxis: { type: "category", data: periods, axisLabel: { fontSize: 11 } },
    yAxis: { type: "value", scale: true },
  });
  // A chart with no value at all says so instead of drawing empty axes; a percentage's
  // axis stops at 100.
  const blank = values => values.every(v => v === null || v === undefined);
  const nothing = el => ({ title: { text: el.dataset.empty || "", left: "center", top: "middle",
    textStyle: { color: "#667382", fontSize: 13, fontWeight: "normal" } } });
  const axis = el => ({ type: "value", scale: true, max: el.dataset.percent ? 100 : null });
  const charts = [];
  document.querySelectorAll(".party-chart").forEach(el => {
    let option = null;
    if (el.dataset.kind === "history" && data.history) {
      const h = data.history;
      option = Object.assign(base(h.periods), {
        yAxis: { type: "value", min: 0, max: 100 },
        series: [{ name: labels.total, type: "line", data: h.totals.map((v, i) => ({ value: v,
          itemStyle: { color: GRADE[h.grades[i]] || "#206bc4" } })), symbolSize: 12, lineStyle: { color: "#206bc4" },
          label: { show: true, position: "top" } }],
      });
    } else if (el.dataset.kind === "indicator" && data.indicators) {
      const t = data.indicators[Number(el.dataset.index)];
      if (!t) return;
      option = blank(t.values) ? nothing(el) : Object.assign(base(t.periods), {
        yAxis: axis(el),
        series: [{ name: labels.value, type: "line", data: t.values, symbolSize: 8, itemStyle: { color: "#206bc4" },
          label: { show: true, position: "top", fontSize: 11 } }, target(t.targets)],
      });
    } else if (el.dataset.kind === "trend" && data.parties) {
      option = blank(data.parties.flatMap(p => p.values)) ? nothing(el) : Object.assign(base(data.periods), {
        yAxis: axis(el),
        series: [...data.parties.map(p => ({ name: p.name, type: "line", data: p.values, symbolSize: 7, connectNulls: false })),
          target(data.targets)],
      });
    }
    if (!option) return;
    const chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  });
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
