/**
 * A small SVG chart of latency distributions, written by hand (no charting dependency): one panel per operation,
 * each with the cumulative distribution of zkit (solid) and of the direct client (dashed) on a log time axis.
 * A CDF shows the whole distribution at once: the p50 gap is the horizontal distance at 50%, the tail is the top.
 */
import type { Distribution } from './report.js';
import { percentile, sortedCopy } from './stats.js';

const PANEL_W = 440;
const PANEL_H = 180;
const COLUMNS = 2;
const MARGIN = { left: 46, right: 14, top: 26, bottom: 30 };
const HEADER_H = 44;
const COLORS = { zkit: '#d9480f', direct: '#1c7ed6' };
/** Points per curve: enough to look smooth, few enough to keep the file small. */
const POINTS = 120;
/** The axis spans these percentiles of both sides, so one outlier does not squash the rest. */
const LOW_P = 0.5;
const HIGH_P = 99.5;

export function renderLatencySvg(distributions: readonly Distribution[], subtitle: string): string {
  const rows = Math.ceil(distributions.length / COLUMNS);
  const width = COLUMNS * PANEL_W;
  const height = HEADER_H + rows * PANEL_H;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="18" font-size="14" font-weight="600">Latency distributions: zkit vs direct node-zookeeper-client</text>`,
    `<text x="12" y="35" fill="#555">${escapeXml(subtitle)}</text>`,
    legend(width - 250, 14),
  ];
  distributions.forEach((distribution, i) => {
    const x = (i % COLUMNS) * PANEL_W;
    const y = HEADER_H + Math.floor(i / COLUMNS) * PANEL_H;
    parts.push(panel(distribution, x, y));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function legend(x: number, y: number): string {
  return [
    `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}" stroke="${COLORS.zkit}" stroke-width="2"/>`,
    `<text x="${x + 30}" y="${y + 4}">zkit</text>`,
    `<line x1="${x + 70}" y1="${y}" x2="${x + 94}" y2="${y}" stroke="${COLORS.direct}" stroke-width="2" stroke-dasharray="5 3"/>`,
    `<text x="${x + 100}" y="${y + 4}">direct client</text>`,
    `<text x="${x}" y="${y + 20}" fill="#555">y: share of operations ≤ x</text>`,
  ].join('\n');
}

function panel(distribution: Distribution, x0: number, y0: number): string {
  const zkit = sortedCopy(distribution.zkit);
  const direct = sortedCopy(distribution.direct);
  if (zkit.length === 0 || direct.length === 0) return '';
  const lo = Math.max(1, Math.min(percentile(zkit, LOW_P), percentile(direct, LOW_P)));
  const hi = Math.max(lo * 2, percentile(zkit, HIGH_P), percentile(direct, HIGH_P));
  const left = x0 + MARGIN.left;
  const right = x0 + PANEL_W - MARGIN.right;
  const top = y0 + MARGIN.top;
  const bottom = y0 + PANEL_H - MARGIN.bottom;
  const xOf = (us: number) =>
    left + ((Math.log10(clamp(us, lo, hi)) - Math.log10(lo)) / Math.log10(hi / lo)) * (right - left);
  const yOf = (share: number) => bottom - share * (bottom - top);
  const out: string[] = [
    `<g>`,
    `<text x="${x0 + 10}" y="${y0 + 16}" font-weight="600">${escapeXml(distribution.label)}</text>`,
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#ccc"/>`,
  ];
  for (const share of [0.5, 0.99]) {
    out.push(
      `<line x1="${left}" y1="${yOf(share).toFixed(1)}" x2="${right}" y2="${yOf(share).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${(yOf(share) + 4).toFixed(1)}" text-anchor="end" fill="#555">p${share * 100}</text>`,
    );
  }
  for (const tick of ticks(lo, hi)) {
    const x = xOf(tick).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#888"/>`,
      `<text x="${x}" y="${bottom + 15}" text-anchor="middle" fill="#555">${tickLabel(tick)}</text>`,
    );
  }
  out.push(
    curve(zkit, xOf, yOf, COLORS.zkit, ''),
    curve(direct, xOf, yOf, COLORS.direct, ' stroke-dasharray="5 3"'),
  );
  const at = (p: number) => `${tickLabel(percentile(zkit, p))} vs ${tickLabel(percentile(direct, p))}`;
  out.push(
    `<text x="${right - 4}" y="${bottom - 22}" text-anchor="end" fill="#333">p50 ${at(50)}</text>`,
    `<text x="${right - 4}" y="${bottom - 8}" text-anchor="end" fill="#333">p99 ${at(99)}</text>`,
    '</g>',
  );
  return out.join('\n');
}

function curve(
  sorted: readonly number[],
  xOf: (us: number) => number,
  yOf: (share: number) => number,
  color: string,
  dash: string,
): string {
  const points: string[] = [];
  for (let i = 0; i <= POINTS; i++) {
    const share = i / POINTS;
    const value = percentile(sorted, Math.max(share * 100, 0.01));
    points.push(`${xOf(value).toFixed(1)},${yOf(share).toFixed(1)}`);
  }
  return `<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"${dash}/>`;
}

/** 1-2-5 steps inside [lo, hi], microseconds. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(lo)); decade <= hi; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const tick = decade * step;
      if (tick >= lo && tick <= hi) out.push(tick);
    }
  }
  return out;
}

function tickLabel(us: number): string {
  if (us >= 1000) return `${Number((us / 1000).toPrecision(3))} ms`;
  return `${Math.round(us)} µs`;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
