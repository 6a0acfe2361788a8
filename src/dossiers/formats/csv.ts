import { stringify } from 'csv-stringify/sync';
import { neutraliseCell } from '../../search/query.js';
import type { DossierContent } from '../content.js';

/** The incident table, one row per incident; cells that a spreadsheet would run as formulas are neutralised. */
export function dossierCsv(content: DossierContent): Buffer {
  const header = ['ref', 'title', 'visibility', 'date_from', 'date_to', 'verified_at', 'countries', 'target_categories', 'products', 'vendors', 'operators', 'confidence', 'sources', 'url'];
  const names = (i: DossierContent['incidents'][number], kind: string) => i.attributions.filter((a) => a.kind === kind).map((a) => a.name).join('; ');
  const rows = content.incidents.map((i) =>
    [
      i.ref,
      i.title,
      i.visibility,
      i.dates.from,
      i.dates.to,
      i.verifiedAt.slice(0, 10),
      i.countries.map((c) => c.code).join('; '),
      i.targetCategories.join('; '),
      names(i, 'product'),
      names(i, 'vendor'),
      names(i, 'government'),
      i.attributions.map((a) => `${a.kind}:${a.confidence}`).join('; '),
      i.sources.map((s) => s.url || s.title).join(' | '),
      i.url,
    ].map(neutraliseCell),
  );
  // A byte-order mark so that spreadsheet programs read the UTF-8 (Arabic names) correctly.
  return Buffer.from(`\uFEFF${stringify([header, ...rows])}`, 'utf8');
}
