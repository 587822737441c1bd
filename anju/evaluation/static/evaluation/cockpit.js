// The district at a glance: draws every panel's charts from the JSON the page embeds
// (no inline script: CSP), then fetches the same JSON from data-source every
// data-refresh seconds and redraws the charts, the big numbers and the list in place.
// A click on a bar or a slice opens the list behind it (each point carries its URL).
(function () {
  const source = document.getElementById("cockpit-data");
  if (!source || typeof echarts === "undefined") return;
  const body = document.body;
  const texts = JSON.parse(document.getElementById("cockpit-texts").textContent);
  const charts = new Map(); // "panel/index" → echarts instance
  const INK = "#e6edf7";
  const MUTED = "#9fb0c8";
  const GRID = "rgba(159, 176, 200, 0.18)";
  const PALETTE = ["#4dabf7", "#51cf66", "#fcc419", "#ff6b6b", "#cc5de8", "#20c997", "#ff922b", "#94d82d"];
  const GRADE = { excellent: "#51cf66", good: "#4dabf7", pass: "#fcc419", fail: "#ff6b6b" };
  const FONT = 17;

  const axisLabel = extra => Object.assign({ color: MUTED, fontSize: FONT }, extra || {});
  const pct = c => (c.percent ? v => (v === null || v === undefined ? "—" : v + "%") : undefined);
  // Names that all start alike ("长治市…有限公司") lose what tells them apart when cut
  // short: the axis drops the start they share (the tooltip keeps the whole name).
  const shared = names => {
    if (names.length < 2) return 0;
    let n = 0;
    while (n < names[0].length && names.every(x => x[n] === names[0][n])) n++;
    return n;
  };

  function option(c) {
    const base = {
      backgroundColor: "transparent",
      color: PALETTE,
      textStyle: { color: INK, fontSize: FONT },
      tooltip: { trigger: c.kind === "pie" ? "item" : "axis", axisPointer: { type: "shadow" },
        textStyle: { fontSize: FONT }, valueFormatter: pct(c) },
      animationDuration: 600,
    };
    const names = c.series.map(s => s.name);
    if (c.kind === "pie") {
      const s = c.series[0] || { data: [], name: "" };
      return Object.assign(base, {
        legend: { orient: "vertical", right: 0, top: "middle", textStyle: { color: INK, fontSize: FONT }, itemGap: 10 },
        series: [{ type: "pie", name: s.name, radius: ["42%", "74%"], center: ["32%", "52%"],
          label: { show: true, formatter: "{c}", color: INK, fontSize: FONT, fontWeight: "bold" },
          labelLine: { length: 6, length2: 6 },
          data: c.categories.map((name, i) => ({ name, value: s.data[i] })) }],
      });
    }
    const grid = { left: 8, right: 28, top: c.series.length > 1 ? 34 : 12, bottom: 4, containLabel: true };
    const legend = c.series.length > 1
      ? { top: 0, textStyle: { color: INK, fontSize: FONT - 2 }, itemWidth: 16, itemHeight: 12, data: names }
      : { show: false };
    const valueAxis = { type: "value", axisLabel: axisLabel(c.percent ? { formatter: "{value}%" } : {}),
      splitLine: { lineStyle: { color: GRID } }, max: c.percent ? 100 : null, minInterval: 1 };
    const catAxis = { type: "category", data: c.categories, axisLabel: axisLabel({ width: 150, overflow: "truncate", interval: 0 }),
      axisLine: { lineStyle: { color: GRID } }, axisTick: { show: false } };
    if (c.kind === "line") {
      return Object.assign(base, { grid, legend, xAxis: Object.assign(catAxis, { axisLabel: axisLabel({ formatter: v => v.slice(2) }) }),
        yAxis: Object.assign(valueAxis, { min: v => Math.max(0, Math.floor(v.min / 10) * 10) }),
        series: c.series.map(s => ({ name: s.name, type: "line", data: s.data, smooth: true, symbolSize: 10,
          lineStyle: { width: 4 }, areaStyle: { opacity: 0.12 }, connectNulls: false,
          label: { show: true, position: "top", color: INK, fontSize: FONT - 3, formatter: p => (p.value == null ? "" : p.value) } })) });
    }
    if (c.kind === "rank") {
      const s = c.series[0] || { data: [], grades: [] };
      return Object.assign(base, { grid: Object.assign(grid, { right: 56 }), legend: { show: false },
        xAxis: Object.assign(valueAxis, { max: 100, axisLabel: axisLabel({ show: false }) }),
        yAxis: Object.assign(catAxis, { inverse: true, axisLabel: axisLabel({ width: 190, overflow: "truncate",
          interval: 0, formatter: (n => v => v.slice(n))(shared(c.categories)) }) }),
        series: [{ name: s.name, type: "bar", barMaxWidth: 26,
          data: s.data.map((v, i) => ({ value: v, itemStyle: { color: GRADE[s.grades[i]] || PALETTE[0] } })),
          label: { show: true, position: "right", color: INK, fontSize: FONT, fontWeight: "bold" } }] });
    }
    const horizontal = c.kind === "hbar" || c.kind === "stack";
    return Object.assign(base, {
      grid, legend,
      xAxis: horizontal ? valueAxis : catAxis,
      yAxis: horizontal ? Object.assign(catAxis, { inverse: true }) : valueAxis,
      series: c.series.map(s => ({ name: s.name, type: "bar", data: s.data, barMaxWidth: 30,
        stack: c.kind === "stack" ? "all" : undefined,
        label: { show: c.kind !== "stack", position: horizontal ? "right" : "top", color: INK, fontSize: FONT - 1,
          formatter: p => (p.value == null ? "—" : p.value + (c.percent ? "%" : "")) } })),
    });
  }

  function draw(panel) {
    const section = document.querySelector(`[data-panel="${panel.key}"]`);
    if (!section) return;
    panel.charts.forEach((c, i) => {
      const el = section.querySelector(`[data-chart="${i}"]`);
      if (!el) return;
      const key = `${panel.key}/${i}`;
      let chart = charts.get(key);
      if (!chart) {
        chart = echarts.init(el, null, { renderer: "canvas" });
        chart.on("click", params => {
          const spec = chart.__spec;
          const s = spec && spec.series[params.seriesIndex];
          const url = s && s.urls && s.urls[params.dataIndex];
          if (url) window.location.href = url;
        });
        charts.set(key, chart);
      }
      chart.__spec = c;
      chart.setOption(option(c), { notMerge: true });
      el.classList.toggle("ck-empty", !c.categories.length);
    });
    panel.kpis.forEach((k, i) => {
      const el = section.querySelector(`[data-kpi="${i}"]`);
      if (!el) return;
      const value = el.querySelector(".ck-value");
      value.firstChild.textContent = k.value === null || k.value === undefined ? "—" : String(k.value);
      if (k.url) el.setAttribute("href", k.url);
      el.classList.toggle("ck-bad", k.tone === "bad");
      el.classList.toggle("ck-warn", k.tone === "warn");
    });
    const list = section.querySelector('[data-list="rectifications"]');
    if (list && panel.rectifications) {
      list.replaceChildren(...(panel.rectifications.items.length ? panel.rectifications.items.map(r => {
        const li = document.createElement("li");
        if (r.overdue) li.className = "ck-bad";
        const a = document.createElement("a");
        a.textContent = r.party;
        if (r.url) a.href = r.url;
        const due = document.createElement("span");
        due.textContent = r.due_on;
        li.append(a, due);
        return li;
      }) : [Object.assign(document.createElement("li"), { className: "ck-none", textContent: texts.none_due })]));
    }
  }

  function render(data) {
    data.panels.forEach(draw);
    const stamp = document.getElementById("ck-updated");
    stamp.setAttribute("datetime", data.at);
    stamp.textContent = data.at.slice(11, 19);
    document.getElementById("ck-stale").hidden = true;
  }

  async function refresh() {
    try {
      const response = await fetch(body.dataset.source, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok || !(response.headers.get("Content-Type") || "").includes("json")) throw new Error(response.status);
      render(await response.json());
    } catch (e) {
      document.getElementById("ck-stale").hidden = false;
    }
  }

  render(JSON.parse(source.textContent));
  const seconds = Number(body.dataset.refresh) || 60;
  window.setInterval(refresh, seconds * 1000);
  window.addEventListener("resize", () => charts.forEach(c => c.resize()));
})();
