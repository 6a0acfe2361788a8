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

function classOf(n: number, max: number): number {
  if (n <= 0) return -1;
  return Math.min(SEQUENTIAL.length - 1, Math.floor((Math.log(n) / Math.log(max + 1)) * SEQUENTIAL.length));
}

/** A world choropleth (Equal Earth, an equal-area projection) of counts by ISO alpha-2 code. */
export function choropleth(counts: Map<string, number>, opts: { title: string; legend: [string, string]; rtl: boolean }): string {
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
  // The legend reads in the page's direction: fewer → more from the start side (right in Arabic),
  // the swatches in the same order as their labels. Sized for a phone, where the map is 40 % of its width.
  const swatch = 64;
  const legendX = opts.rtl ? WIDTH - 24 - SEQUENTIAL.length * swatch : 24;
  const ordered = opts.rtl ? [...SEQUENTIAL].reverse() : SEQUENTIAL;
  const legend = ordered.map((c, i) => `<rect x='${legendX + i * swatch}' y='${HEIGHT - 62}' width='${swatch}' height='22' fill='${c}' stroke='#7a7a7a' stroke-width='0.5'/>`).join('');
  const [low, high] = opts.rtl ? [opts.legend[1], opts.legend[0]] : opts.legend;
  return `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 ${WIDTH} ${HEIGHT}' width='${WIDTH}' height='${HEIGHT}' role='img' ${FONT}>` +
    `<title>${esc(opts.title)}</title><rect width='100%' height='100%' fill='#ffffff'/>` +
    `<path d='${sphere}' fill='#ffffff' stroke='#b5b5b5'/>${paths}${legend}` +
    `<text x='${legendX}' y='${HEIGHT - 12}' font-size='24' fill='${INK}'>${esc(low)}</text>` +
    `<text x='${legendX + SEQUENTIAL.length * swatch}' y='${HEIGHT - 12}' text-anchor='end' font-size='24' fill='${INK}'>${esc(high)}</text></svg>`;
}
