import { createRequire } from 'node:module';
import { geoEqualEarth, geoPath, type GeoPermissibleObjects } from 'd3-geo';
import countries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { FONT, INK, SEQUENTIAL, esc } from './svg.js';

const require = createRequire(import.meta.url);
const world = require('world-atlas/countries-110m.json') as Topology<{ countries: GeometryCollection<{ name: string }> }>;
const shapes = (feature(world, world.objects.countries) as unknown as { features: (GeoPermissibleObjects & { id?: string })[] }).features;

const WIDTH = 960;
const HEIGHT = 500;
const projection = geoEqualEarth().fitExtent([[8, 8], [WIDTH - 8, HEIGHT - 60]], { type: 'Sphere' });
const path = geoPath(projection);
// Country outlines never change: compute each path once (d3-geo takes ~40 ms for the world).
const outlines = shapes.map((s) => ({ numeric: s.id ?? '', d: path(s) ?? '' }));
const sphere = path({ type: 'Sphere' }) ?? '';

/**
 * Countries too small to see at this scale (under SMALL_AREA square pixels: Qatar, El Salvador,
 * Lebanon…) or absent from the 110m outlines (Bahrain, Singapore, Malta, Hong Kong…): each gets a
 * dot at its centroid, taken from the more detailed 50m outlines, so a country with incidents never
 * disappears from the map. Computed once.
 */
const SMALL_AREA = 150;
const outlineArea = new Map(shapes.map((s) => [s.id ?? '', path.area(s)]));
const detailed = require('world-atlas/countries-50m.json') as Topology<{ countries: GeometryCollection<{ name: string }> }>;
const dots = new Map<string, [number, number]>(
  (feature(detailed, detailed.objects.countries) as unknown as { features: (GeoPermissibleObjects & { id?: string })[] }).features
    .filter((s) => s.id && (outlineArea.get(s.id) ?? 0) < SMALL_AREA)
    .map((s) => [s.id!, path.centroid(s)] as [string, [number, number]])
    .filter(([, c]) => Number.isFinite(c[0]) && Number.isFinite(c[1])),
);

function classOf(n: number, max: number): number {
  if (n <= 0) return -1;
  return Math.min(SEQUENTIAL.length - 1, Math.floor((Math.log(n) / Math.log(max + 1)) * SEQUENTIAL.length));
}

/**
 * A world choropleth (Equal Earth, an equal-area projection) of counts by ISO alpha-2 code.
 * `narrow`: for a phone, where the map is drawn about 350 px wide: the same map with its legend,
 * dots and texts 2.2 times larger, the legend below the map on two rows.
 */
export function choropleth(counts: Map<string, number>, opts: { title: string; legend: [string, string]; rtl: boolean; dotLabel: string; narrow?: boolean }): string {
  const k = opts.narrow ? 2.2 : 1;
  const px = (n: number) => Math.round(n * k * 10) / 10;
  const byNumeric = new Map<string, number>();
  for (const [alpha2, n] of counts) {
    const numeric = countries.alpha2ToNumeric(alpha2);
    if (numeric) byNumeric.set(numeric, n);
  }
  const max = Math.max(1, ...byNumeric.values());
  const paths = outlines
    .map((o) => {
      const cls = classOf(byNumeric.get(o.numeric) ?? 0, max);
      return `<path d='${o.d}' fill='${cls < 0 ? '#f4f4f2' : SEQUENTIAL[cls]}' stroke='#7a7a7a' stroke-width='0.5'/>`;
    })
    .join('');
  // Small countries with incidents: a dot in the same shade, outlined so that the lightest still shows.
  const marked = [...byNumeric].filter(([numeric]) => dots.has(numeric)).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const placed = spread(marked.map(([numeric]) => dots.get(numeric)!), px(16));
  const markers = marked
    .map(([numeric, n], i) => {
      const [x, y] = placed[i]!;
      return `<circle class='small-state' data-country='${numeric}' cx='${x.toFixed(1)}' cy='${y.toFixed(1)}' r='${px(7)}' fill='${SEQUENTIAL[classOf(n, max)]}' stroke='${INK}' stroke-width='${px(1.5)}'/>`;
    })
    .join('');
  // The legend reads in the page's direction: fewer → more from the start side (right in Arabic),
  // the swatches in the same order as their labels.
  const top = opts.narrow ? HEIGHT - 50 : HEIGHT - 62;
  const swatch = px(64);
  const legendX = opts.rtl ? WIDTH - 24 - SEQUENTIAL.length * swatch : 24;
  const ordered = opts.rtl ? [...SEQUENTIAL].reverse() : SEQUENTIAL;
  const legend = ordered.map((c, i) => `<rect x='${legendX + i * swatch}' y='${top}' width='${swatch}' height='${px(22)}' fill='${c}' stroke='#7a7a7a' stroke-width='0.5'/>`).join('');
  const [low, high] = opts.rtl ? [opts.legend[1], opts.legend[0]] : opts.legend;
  // What a dot means: beside the swatches, or on a row of its own on a phone.
  const dot = opts.narrow ? { cx: opts.rtl ? WIDTH - 24 - px(7) : 24 + px(7), cy: top + px(90) } : { cx: opts.rtl ? WIDTH - 450 : 450, cy: top + 11 };
  const dotLegend = marked.length
    ? `<circle cx='${dot.cx}' cy='${dot.cy}' r='${px(7)}' fill='${SEQUENTIAL[0]}' stroke='${INK}' stroke-width='${px(1.5)}'/>` +
      `<text x='${opts.rtl ? dot.cx - px(14) : dot.cx + px(14)}' y='${dot.cy + px(8)}' font-size='${px(22)}' text-anchor='${opts.rtl ? 'end' : 'start'}' fill='${INK}'>${esc(opts.dotLabel)}</text>`
    : '';
  const height = opts.narrow ? Math.round(top + (marked.length ? 110 : 65) * k) : HEIGHT;
  return `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 ${WIDTH} ${height}' width='${WIDTH}' height='${height}' role='img' ${FONT}>` +
    `<title>${esc(opts.title)}</title><rect width='100%' height='100%' fill='#ffffff'/>` +
    `<path d='${sphere}' fill='#ffffff' stroke='#b5b5b5'/>${paths}${markers}${legend}${dotLegend}` +
    `<text x='${legendX}' y='${top + px(50)}' font-size='${px(24)}' fill='${INK}'>${esc(low)}</text>` +
    `<text x='${legendX + SEQUENTIAL.length * swatch}' y='${top + px(50)}' text-anchor='end' font-size='${px(24)}' fill='${INK}'>${esc(high)}</text></svg>`;
}

/** Dots that would overlap (Bahrain and Qatar are 2 px apart) are moved apart, each away from the one it met. */
function spread(points: [number, number][], gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [x0, y0] of points) {
    let [x, y] = [x0, y0];
    for (let tries = 0; tries < 8; tries++) {
      const near = out.find(([px, py]) => Math.hypot(px - x, py - y) < gap);
      if (!near) break;
      const d = Math.hypot(x - near[0], y - near[1]);
      const [ux, uy] = d > 0.5 ? [(x - near[0]) / d, (y - near[1]) / d] : [0.7071, 0.7071];
      [x, y] = [near[0] + ux * gap, near[1] + uy * gap];
    }
    out.push([x, y]);
  }
  return out;
}
