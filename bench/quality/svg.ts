/**
 * A small SVG line chart: side-by-side panels sharing a legend, log-scaled x axis (evaluations), linear
 * y. Enough for the report's ECDF and rank pictures without a plotting dependency.
 */
export interface Series {
  label: string;
  /** y at x = 1, 2, …, ys.length. */
  ys: readonly number[];
}

export interface Panel {
  title: string;
  series: readonly Series[];
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  yMin: number;
  yMax: number;
  /** Put yMin at the top (ranks, where 1 is best). */
  invertY?: boolean;
  panels: readonly Panel[];
}

// Colour-blind-safe palette (Okabe–Ito) plus greys; ours solid, peers dashed (see `dashed`).
const COLOURS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#999999',
  '#F0E442',
];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function lineChart(chart: Chart, dashed: (label: string) => boolean): string {
  const pw = 300;
  const ph = 220;
  const m = { left: 50, right: 12, top: 40, bottom: 42 };
  const legendW = 170;
  const width = chart.panels.length * (pw + m.left + m.right) + legendW;
  const height = ph + m.top + m.bottom;
  const labels = [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.label)))];
  const colour = (l: string): string => COLOURS[labels.indexOf(l) % COLOURS.length]!;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">${esc(chart.title)}</text>`,
  ];
  chart.panels.forEach((panel, pi) => {
    const ox = pi * (pw + m.left + m.right) + m.left;
    const oy = m.top;
    const n = Math.max(...panel.series.map((s) => s.ys.length));
    const lx = (x: number): number => +(ox + (Math.log(x) / Math.log(Math.max(n, 2))) * pw).toFixed(1);
    const span = chart.yMax - chart.yMin;
    const ly = (y: number): number => {
      const f = (y - chart.yMin) / span;
      return +(chart.invertY ? oy + f * ph : oy + ph - f * ph).toFixed(1);
    };
    out.push(
      `<text x="${ox + pw / 2}" y="${oy - 8}" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`,
    );
    out.push(`<rect x="${ox}" y="${oy}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
    for (let x = 1; x <= n; x *= 10)
      for (const k of [1, 2, 5]) {
        const v = x * k;
        if (v > n) continue;
        out.push(`<line x1="${lx(v)}" y1="${oy}" x2="${lx(v)}" y2="${oy + ph}" stroke="#ddd"/>`);
        out.push(`<text x="${lx(v)}" y="${oy + ph + 14}" text-anchor="middle">${v}</text>`);
      }
    for (let i = 0; i <= 4; i++) {
      const v = chart.yMin + (span * i) / 4;
      out.push(`<line x1="${ox}" y1="${ly(v)}" x2="${ox + pw}" y2="${ly(v)}" stroke="#ddd"/>`);
      out.push(`<text x="${ox - 4}" y="${ly(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
    }
    out.push(`<text x="${ox + pw / 2}" y="${oy + ph + 32}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
    out.push(
      `<text transform="translate(${ox - 36},${oy + ph / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`,
    );
    for (const s of panel.series) {
      const pts = s.ys.map((y, i) => `${lx(i + 1)},${ly(y)}`).join(' ');
      const dash = dashed(s.label) ? ' stroke-dasharray="5,3"' : '';
      out.push(
        `<polyline points="${pts}" fill="none" stroke="${colour(s.label)}" stroke-width="1.6"${dash}/>`,
      );
    }
  });
  const lx0 = chart.panels.length * (pw + m.left + m.right) + 4;
  labels.forEach((l, i) => {
    const y = m.top + 10 + i * 18;
    const dash = dashed(l) ? ' stroke-dasharray="5,3"' : '';
    out.push(
      `<line x1="${lx0}" y1="${y}" x2="${lx0 + 26}" y2="${y}" stroke="${colour(l)}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${lx0 + 32}" y="${y + 4}">${esc(l)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
