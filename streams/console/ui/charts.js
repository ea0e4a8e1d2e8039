// Small inline-SVG charts for the ops page: bars (stacked), lines, horizontal bars. No library, no
// inline styles (the CSP): presentation attributes and classes only. Each chart is an <svg
// role="img"> with a label that says what it shows; every bar and point has a <title> tooltip.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const W = 560;
const PAD = { l: 48, r: 12, t: 10, b: 26 };

/** A "nice" upper bound and 3–5 ticks for values up to ``max``. */
function ticks(max, integer = false) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const raw = integer ? Math.max(1, max / 4) : max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10].map((m) => m * mag).filter((x) => !integer || Number.isInteger(x));
  const step = steps.find((x) => x >= raw) || 10 * mag;
  return { top: Math.ceil(max / step) * step, step };
}

export function compact(n) {
  if (n === null || n === undefined) return "–";
  if (Math.abs(n) >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (Math.abs(n) >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (Math.abs(n) >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Seconds as "180 ms", "2.5 s", "4 min", "3 h", "2 d". */
export function duration(sec) {
  if (sec === null || sec === undefined) return "–";
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 60) return `${+sec.toFixed(1)} s`;
  if (sec < 3600) return `${Math.round(sec / 60)} min`;
  if (sec < 172800) return `${+(sec / 3600).toFixed(1)} h`;
  return `${Math.round(sec / 86400)} d`;
}

function xAxis(g, buckets, x, h, label) {
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((b, i) => {
    if (i % every !== 0) return;
    g.append(s("text", { x: x(i), y: h - 8, class: "axis-label", "text-anchor": "middle" }, label(b)));
  });
}

function yAxis(g, top, step, y, fmt) {
  for (let v = 0; v <= top + 1e-9; v += step) {
    g.append(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    g.append(s("text", { x: PAD.l - 6, y: y(v) + 4, class: "axis-label", "text-anchor": "end" }, fmt(v)));
  }
}

function frame(label, height) {
  return s("svg", { viewBox: `0 0 ${W} ${height}`, class: "chart", role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" });
}

/**
 * Bars per bucket, stacked by series.
 * @param {{buckets: string[], series: {name: string, label: string, values: number[], cls: string}[],
 *          label: string, when: (iso: string) => string, height?: number}} o
 */
export function stackedBars(o) {
  const height = o.height || 190;
  const svg = frame(o.label, height);
  const n = o.buckets.length;
  const totals = o.buckets.map((_, i) => o.series.reduce((t, se) => t + (se.values[i] || 0), 0));
  const { top, step } = ticks(Math.max(...totals, 0), true);
  const plotH = height - PAD.t - PAD.b;
  const y = (v) => PAD.t + plotH - (v / top) * plotH;
  const band = (W - PAD.l - PAD.r) / n;
  const x = (i) => PAD.l + band * i + band / 2;
  const g = s("g");
  yAxis(g, top, step, y, compact);
  const bw = Math.max(1, band * 0.72);
  o.buckets.forEach((b, i) => {
    let base = 0;
    for (const se of o.series) {
      const v = se.values[i] || 0;
      if (!v) continue;
      const y0 = y(base), y1 = y(base + v);
      g.append(s("rect", { x: x(i) - bw / 2, y: y1, width: bw, height: Math.max(0.5, y0 - y1), class: `bar ${se.cls}` },
        s("title", {}, `${o.when(b)} · ${se.label}: ${v}`)));
      base += v;
    }
  });
  xAxis(g, o.buckets, x, height, o.when);
  svg.append(g);
  return svg;
}

/**
 * Lines per series (gaps where a value is null); ``log``: a logarithmic y axis (durations).
 */
export function lines(o) {
  const height = o.height || 190;
  const svg = frame(o.label, height);
  const n = o.buckets.length;
  const all = o.series.flatMap((se) => se.values.filter((v) => v !== null && v !== undefined));
  const plotH = height - PAD.t - PAD.b;
  const band = (W - PAD.l - PAD.r) / n;
  const x = (i) => PAD.l + band * i + band / 2;
  const g = s("g");
  let y;
  if (o.log) {
    const lo = Math.min(...all, 0.05), hi = Math.max(...all, 1);
    const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
    const span = Math.max(1, b - a);
    y = (v) => PAD.t + plotH - ((Math.log10(Math.max(v, 10 ** a)) - a) / span) * plotH;
    for (let p = a; p <= b; p++) {
      const v = 10 ** p;
      g.append(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: p === a ? "axis" : "grid" }));
      g.append(s("text", { x: PAD.l - 6, y: y(v) + 4, class: "axis-label", "text-anchor": "end" }, (o.fmt || compact)(v)));
    }
  } else {
    const { top, step } = ticks(Math.max(...all, 0));
    y = (v) => PAD.t + plotH - (v / top) * plotH;
    yAxis(g, top, step, y, o.fmt || compact);
  }
  for (const se of o.series) {
    let d = "";
    let pen = false;
    se.values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) g.append(s("path", { d, class: `line ${se.cls}` }));
    se.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      g.append(s("circle", { cx: x(i), cy: y(v), r: n > 40 ? 1.8 : 3, class: `dot ${se.cls}` },
        s("title", {}, `${o.when(o.buckets[i])} · ${se.label}: ${(o.fmt || compact)(v)}`)));
    });
  }
  xAxis(g, o.buckets, x, height, o.when);
  svg.append(g);
  return svg;
}

/**
 * Horizontal bars: one row per item, ``part`` drawn over ``value`` (e.g. overdue of open).
 * @param {{rows: {label: string, value: number, part?: number, note?: string, cls?: string}[], label: string,
 *          partCls?: string}} o
 */
export function hbars(o) {
  const rowH = 26;
  const height = Math.max(1, o.rows.length) * rowH + 6;
  const svg = frame(o.label, height);
  const max = Math.max(...o.rows.map((r) => r.value), 1);
  const left = 196, right = 112;
  const width = W - left - right;
  o.rows.forEach((r, i) => {
    const y0 = i * rowH + 4;
    const g = s("g", { class: "hbar-row" });
    g.append(s("text", { x: left - 8, y: y0 + 15, class: "hbar-label", "text-anchor": "end" }, r.label.length > 26 ? `${r.label.slice(0, 25)}…` : r.label));
    g.append(s("rect", { x: left, y: y0 + 2, width: width, height: rowH - 10, class: "track" }));
    if (r.value) g.append(s("rect", { x: left, y: y0 + 2, width: Math.max(2, (r.value / max) * width), height: rowH - 10, class: `bar ${r.cls || "c-main"}` },
      s("title", {}, `${r.label}: ${r.value}${r.note ? ` · ${r.note}` : ""}`)));
    if (r.part) g.append(s("rect", { x: left, y: y0 + 2, width: Math.max(2, (r.part / max) * width), height: rowH - 10, class: `bar ${o.partCls || "c-bad"}` },
      s("title", {}, `${r.label}: ${r.part} overdue`)));
    g.append(s("text", { x: left + width + 8, y: y0 + 15, class: "hbar-value" }, r.note || compact(r.value)));
    svg.append(g);
  });
  return svg;
}

/** A legend: coloured keys and names. */
export function legend(series) {
  const ul = document.createElement("ul");
  ul.className = "legend";
  for (const se of series) {
    const li = document.createElement("li");
    const key = document.createElement("span");
    key.className = `key ${se.cls}`;
    key.setAttribute("aria-hidden", "true");
    li.append(key, document.createTextNode(se.label));
    ul.append(li);
  }
  return ul;
}
