import { BAR, FONT, INK, esc } from './svg.js';

/** Dark red: official actions over the bars (contrast 7:1 on white). */
const MARK = '#8b1a1a';

export interface Bar {
  label: string;
  value: number;
}

/**
 * Vertical bars (e.g. incidents per year). In right-to-left pages the axis runs right to left,
 * as Arabic readers expect; labels sit under their bars either way.
 */
/** `marks`: events drawn over a bar (e.g. an official action in that year): a dashed line and a short text. */
export function columnChart(bars: Bar[], opts: { title: string; rtl: boolean; width?: number; height?: number; marks?: { label: string; text: string }[] }): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 260;
  // Room above the tallest bar for its value, and above that for the marks' texts.
  const pad = { top: opts.marks?.length ? 48 : 32, bottom: 40, side: 36 };
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - pad.side * 2;
  const plotH = height - pad.top - pad.bottom;
  const slot = bars.length ? plotW / bars.length : plotW;
  const barW = Math.max(4, Math.min(48, slot * 0.7));
  // Where slots are narrower than a label (a phone's chart of many years), every n-th label only; values
  // likewise. Every figure is also in the text under the chart.
  const every = Math.max(1, Math.ceil(44 / slot));
  const items = bars.map((b, i) => {
    const index = opts.rtl ? bars.length - 1 - i : i;
    const x = pad.side + index * slot + (slot - barW) / 2;
    const h = Math.round((b.value / max) * plotH);
    const y = pad.top + plotH - h;
    const shown = (bars.length - 1 - i) % every === 0;
    return `<g><rect x='${x.toFixed(1)}' y='${y}' width='${barW.toFixed(1)}' height='${h}' fill='${BAR}'/>` +
      (shown ? `<text x='${(x + barW / 2).toFixed(1)}' y='${y - 6}' text-anchor='middle' font-size='16' fill='${INK}'>${esc(b.value)}</text>` : '') +
      (shown ? `<text x='${(x + barW / 2).toFixed(1)}' y='${height - pad.bottom + 20}' text-anchor='middle' font-size='16' fill='${INK}'>${esc(b.label)}</text>` : '') + '</g>';
  });
  const marks = (opts.marks ?? []).flatMap((m) => {
    const i = bars.findIndex((b) => b.label === m.label);
    if (i < 0) return [];
    const index = opts.rtl ? bars.length - 1 - i : i;
    const x = pad.side + index * slot + slot / 2;
    return [`<g><line x1='${x.toFixed(1)}' x2='${x.toFixed(1)}' y1='${pad.top}' y2='${pad.top + plotH}' stroke='${MARK}' stroke-width='2' stroke-dasharray='4 3'/>` +
      `<text x='${x.toFixed(1)}' y='16' text-anchor='middle' font-size='14' fill='${MARK}'>${esc(m.text)}</text></g>`];
  });
  const title = [opts.title, ...(opts.marks ?? []).map((m) => `${m.label}: ${m.text}`)].join('. ');
  return `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 ${width} ${height}' width='${width}' height='${height}' role='img' ${FONT}>` +
    `<title>${esc(title)}</title><rect width='100%' height='100%' fill='#ffffff'/>` +
    `<line x1='${pad.side}' x2='${width - pad.side}' y1='${pad.top + plotH}' y2='${pad.top + plotH}' stroke='${INK}'/>` +
    items.join('') + marks.join('') + '</svg>';
}

/** Horizontal bars (e.g. target categories); in RTL they grow from the right, labels on the right. */
export function barChart(bars: Bar[], opts: { title: string; rtl: boolean; width?: number }): string {
  const width = opts.width ?? 640;
  const rowH = 30;
  // On a narrow chart (a phone's), the labels take half the width.
  const labelW = Math.min(210, Math.round(width / 2));
  const height = Math.max(1, bars.length) * rowH + 16;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = width - labelW - 60;
  const rows = bars.map((b, i) => {
    const y = 8 + i * rowH;
    const w = Math.max(2, Math.round((b.value / max) * plotW));
    const barX = opts.rtl ? width - labelW - w : labelW;
    const labelX = opts.rtl ? width - 8 : labelW - 8;
    const valueX = opts.rtl ? barX - 6 : barX + w + 6;
    // The label's far edge sits at labelX on both sides (right of the bars in RTL, left in LTR).
    return `<g><text x='${labelX}' y='${y + 19}' text-anchor='end' font-size='16' fill='${INK}'>${esc(b.label)}</text>` +
      `<rect x='${barX}' y='${y + 4}' width='${w}' height='${rowH - 10}' fill='${BAR}'/>` +
      `<text x='${valueX}' y='${y + 19}' text-anchor='${opts.rtl ? 'end' : 'start'}' font-size='16' fill='${INK}'>${esc(b.value)}</text></g>`;
  });
  return `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 ${width} ${height}' width='${width}' height='${height}' role='img' ${FONT}>` +
    `<title>${esc(opts.title)}</title><rect width='100%' height='100%' fill='#ffffff'/>${rows.join('')}</svg>`;
}
