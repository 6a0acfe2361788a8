import { createHash } from 'node:crypto';
import { writtenIn } from '../i18n/texts.js';
import mongoose from 'mongoose';
import { stringify } from 'csv-stringify/sync';
import { readTable, type ImportError } from '../http/csv-table.js';
import type { Progress } from '../http/import-job.js';
import { recordAuditEvent, recordAuditEvents, type AuditActor } from '../audit/index.js';
import { catalogue } from '../catalogue/index.js';
import { forgetRefNumbers, insertManyWithNextRefs } from '../db/sequence.js';
import { ImportedRow, Incident } from './model.js';
import { canonicalJson } from '../audit/canonical.js';
import { incidentSchema } from './schema.js';
import { derive, storedClaims, vendorsOfProducts } from './service.js';
import { foldText } from '../search/normalise.js';
import { labelsOf } from '../i18n/index.js';
import { SOURCE_KINDS, TARGET_CATEGORIES } from '../facts/model.js';
import { CONFIDENCE_LEVELS } from './model.js';
import { publish } from '../events/index.js';

/**
 * Incidents from a spreadsheet (CSV, UTF-8): every row becomes a *draft* incident for reviewers to
 * check and verify under the two-person rule — never a verified one. All or nothing: if any row has
 * an error, the file is refused with every error listed by line and column, and nothing is stored.
 */
export const IMPORT_COLUMNS = [
  { key: 'title', ar: 'العنوان', required: true, example: 'Journalist’s phone infected with spyware' },
  { key: 'summary', ar: 'الملخص', required: true, example: 'Forensic analysis found traces of the spyware on the phone of a journalist.' },
  { key: 'date_from', ar: 'من_تاريخ', required: true, example: '2023-05' },
  { key: 'date_to', ar: 'إلى_تاريخ', required: false, example: '' },
  { key: 'countries', ar: 'البلدان', required: true, example: 'EG' },
  { key: 'target_categories', ar: 'فئات_المستهدفين', required: false, example: 'journalist' },
  { key: 'target_pseudonyms', ar: 'الأسماء_المستعارة', required: false, example: 'Journalist A' },
  { key: 'products', ar: 'المنتجات', required: false, example: 'predator' },
  { key: 'vendors', ar: 'المورّدون', required: false, example: '' },
  // An operator, optionally with what it operated where the source links them: `egypt:predator`
  // (a product's slug, or a vendor's for an unidentified product). Without it the claim links nothing.
  { key: 'governments', ar: 'الحكومات', required: false, example: 'egypt:predator' },
  { key: 'confidence', ar: 'الثقة', required: false, example: 'medium' },
  { key: 'basis', ar: 'أساس_الإسناد', required: false, example: 'Infrastructure overlap reported by the source.' },
  { key: 'source_kind', ar: 'نوع_المصدر', required: false, example: 'forensic-report' },
  { key: 'source_title', ar: 'عنوان_المصدر', required: true, example: 'A forensic report' },
  { key: 'source_url', ar: 'رابط_المصدر', required: false, example: 'https://example.org/report' },
  { key: 'source_publisher', ar: 'ناشر_المصدر', required: false, example: 'A Lab' },
  { key: 'source_date', ar: 'تاريخ_المصدر', required: false, example: '2023-09-22' },
  { key: 'visibility', ar: 'الظهور', required: false, example: 'restricted' },
] as const;
type ColumnKey = (typeof IMPORT_COLUMNS)[number]['key'];
export type { ImportError };

export const MAX_IMPORT_ROWS = 2_000;

/** The template: the header in the chosen language and one example row. */
export function importTemplate(lng: 'en' | 'ar'): Buffer {
  const header = IMPORT_COLUMNS.map((c) => (lng === 'ar' ? c.ar : c.key));
  return Buffer.from(`\uFEFF${stringify([header, IMPORT_COLUMNS.map((c) => c.example)])}`, 'utf8');
}

const list = (v: string | undefined) => (v ?? '').split(';').map((s) => s.trim()).filter(Boolean);

/** Where a zod issue on the incident form points to, as a column of the file. */
function columnOf(path: (string | number)[]): ColumnKey {
  const [first, , field] = path.map(String);
  if (first === 'dates') return path[1] === 'to' ? 'date_to' : 'date_from';
  if (first === 'targets') return 'target_categories';
  if (first === 'attributions') return field === 'basis' ? 'basis' : field === 'confidence' ? 'confidence' : 'products';
  if (first === 'sources') return field === 'url' ? 'source_url' : field === 'kind' ? 'source_kind' : field === 'date' ? 'source_date' : field === 'publisher' ? 'source_publisher' : 'source_title';
  if (first === 'title' || first === 'summary' || first === 'countries' || first === 'visibility') return first;
  return 'title';
}

/**
 * A value of a fixed list given by its key or by its English or Arabic name, compared folded (case,
 * Latin accents, Arabic diacritics and shadda, alef and yeh forms): "صحفي", "صَحَفِيّ" and "journalist"
 * are the same category. Undefined when it is none of them.
 */
export function choiceOf(raw: string, keys: readonly string[], labelPrefix: string): string | undefined {
  const folded = foldText(raw.trim());
  return keys.find((k) => foldText(k) === folded || labelsOf(`${labelPrefix}.${k}`).some((l) => foldText(l) === folded));
}

type Parsed = { ok: true; rows: { line: number; input: ReturnType<typeof incidentSchema.parse> }[] } | { ok: false; errors: ImportError[] };

export async function parseIncidentCsv(buffer: Buffer): Promise<Parsed> {
  const table = readTable(buffer, IMPORT_COLUMNS, MAX_IMPORT_ROWS);
  if (!table.ok) return table;
  const errors: ImportError[] = [];
  const c = await catalogue();
  const rows: { line: number; input: ReturnType<typeof incidentSchema.parse> }[] = [];
  for (const { line, cell } of table.rows) {
    const rowErrors: ImportError[] = [];
    // Fixed lists: a value that is none of them says which values are allowed (never just "invalid").
    const choice = (key: ColumnKey, raw: string, keys: readonly string[], labelPrefix: string) => {
      if (!raw) return raw;
      const found = choiceOf(raw, keys, labelPrefix);
      if (!found && !rowErrors.some((e) => e.column === key)) rowErrors.push({ line, column: key, message: 'import.oneOf', values: { value: raw, allowed: keys.join(', ') } });
      return found ?? raw;
    };
    const idOf = (key: ColumnKey, kind: 'product' | 'vendor' | 'government', slug: string) => {
      const entity = c.entities.bySlug(kind, slug);
      if (!entity) rowErrors.push({ line, column: key, message: 'import.unknownSlug', values: { slug } });
      return entity?.id ?? '';
    };
    const ids = (key: 'products' | 'vendors', kind: 'product' | 'vendor') => list(cell(key)).map((slug) => idOf(key, kind, slug));
    const confidence = choice('confidence', cell('confidence'), CONFIDENCE_LEVELS, 'confidence') || 'low';
    const basis = cell('basis');
    const attribution = (kind: 'product' | 'vendor' | 'government', id: string) => ({ kind, product: '', vendor: '', government: '', [kind]: id, agency: '', confidence, basis, sources: '1' });
    const operator = (value: string) => {
      const [slug = '', operated = ''] = value.split(':').map((s) => s.trim());
      const claim = attribution('government', idOf('governments', 'government', slug));
      if (!operated) return claim;
      const product = c.entities.bySlug('product', operated);
      return product ? { ...claim, product: product.id } : { ...claim, vendor: idOf('governments', 'vendor', operated) };
    };
    const pseudonyms = list(cell('target_pseudonyms'));
    const form = {
      title: cell('title'),
      summary: cell('summary'),
      dates: { from: cell('date_from'), to: cell('date_to') },
      countries: list(cell('countries')).map((x) => x.toUpperCase()),
      targets: list(cell('target_categories')).map((category, i) => ({ category: choice('target_categories', category, TARGET_CATEGORIES, 'targetCategories'), pseudonym: pseudonyms[i] ?? `Target ${i + 1}`, consent: 'no' })),
      attributions: [
        ...ids('products', 'product').map((id) => attribution('product', id)),
        ...ids('vendors', 'vendor').map((id) => attribution('vendor', id)),
        ...list(cell('governments')).map(operator),
      ],
      sources: [{ kind: choice('source_kind', cell('source_kind'), SOURCE_KINDS, 'sourceKinds') || 'other', url: cell('source_url'), title: cell('source_title'), publisher: cell('source_publisher'), date: cell('source_date') }],
      indicators: [],
      responses: '',
      visibility: choice('visibility', cell('visibility'), ['public', 'restricted'], 'visibility') || 'restricted',
    };
    const parsed = incidentSchema.safeParse(form);
    if (!parsed.success) {
      const seen = new Set<string>(rowErrors.map((e) => e.column));
      for (const issue of parsed.error.issues) {
        const column = columnOf(issue.path as (string | number)[]);
        if (seen.has(column)) continue;
        seen.add(column);
        rowErrors.push({ line, column, message: /^[a-z]+\.[A-Za-z.]+$/.test(issue.message) ? issue.message : 'validation.invalid' });
      }
    }
    errors.push(...rowErrors);
    if (parsed.success && !rowErrors.length) rows.push({ line, input: parsed.data });
  }
  return errors.length ? { ok: false, errors: errors.sort((a, b) => a.line - b.line) } : { ok: true, rows };
}

/**
 * Writes the rows as drafts: numbered and inserted together (db/sequence.ts), one audit event per
 * incident appended together. If the insert fails, the ones written are removed again. Drafts are
 * not public: the catalogue has nothing to update.
 */
/** What became of each row: its import key, and the incident it made now or in an earlier import. */
export interface ImportedRowResult {
  line: number;
  key: string;
  ref: string;
  already: boolean;
}

/** A row's import key: the SHA-256 of the row as read, so the same row under English or Arabic headers has one key. */
export function rowKey(input: unknown): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

/**
 * Claims each row's import key (a unique insert: ImportedRow). Rows whose key is already claimed,
 * by an earlier import or by an identical row above, are not imported again: their incident is named.
 */
async function claimRows(rows: { line: number; key: string }[], ids: mongoose.Types.ObjectId[], sha256: string): Promise<Map<number, string | null>> {
  const already = new Map<number, string | null>();
  const firstOfKey = new Map<string, number>();
  rows.forEach((r, i) => {
    if (firstOfKey.has(r.key)) already.set(i, null);
    else firstOfKey.set(r.key, i);
  });
  /** Inserts the claims; those already taken are marked in `already`. */
  const insertClaims = async (indexes: number[]) => {
    const claims = indexes.map((i) => ({ _id: rows[i]!.key, incident: ids[i]!, import: sha256, at: new Date() }));
    try {
      if (claims.length) await ImportedRow.collection.insertMany(claims as never[], { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
      if (!writeErrors) throw err;
      for (const e of writeErrors) {
        if ((e.code ?? e.err?.code) !== 11000) throw err;
        already.set(firstOfKey.get(claims[e.index]!._id)!, null);
      }
    }
  };
  await insertClaims([...firstOfKey.values()]);
  // The incidents the earlier imports made, by id (the claim holds it).
  const lookUp = async () => {
    const earlier = await ImportedRow.find({ _id: mongoose.trusted({ $in: [...already.keys()].map((i) => rows[i]!.key) }) } as never).lean();
    // Every incident is in the catalogue (catalogue/working.ts): no read of the incidents.
    const c = await catalogue();
    const refs = new Map(earlier.flatMap((r) => {
      const ref = c.refOf(String(r.incident));
      return ref ? [[String(r.incident), ref] as const] : [];
    }));
    return { earlier, refs };
  };
  let { earlier, refs } = await lookUp();
  // CASE: an import that stopped between its claims and its incidents (a crash) leaves claims naming
  // nothing. Ten minutes on, such a claim is removed and claimed again: the insert decides, as before.
  const stale = earlier.filter((r) => !refs.has(String(r.incident)) && r.at.getTime() < Date.now() - 10 * 60_000);
  if (stale.length) {
    await ImportedRow.deleteMany(mongoose.trusted({ $or: stale.map((r) => ({ _id: r._id, at: r.at })) }) as never);
    const retry = stale.map((r) => firstOfKey.get(r._id)!).filter((i) => i !== undefined);
    for (const i of retry) already.delete(i);
    await insertClaims(retry);
    ({ earlier, refs } = await lookUp());
  }
  const incidentOf = new Map(earlier.map((r) => [r._id, r.incident]));
  for (const i of already.keys()) {
    const incident = incidentOf.get(rows[i]!.key);
    // A row repeated within this file names the incident its first copy makes (known after the insert).
    already.set(i, incident && refs.has(String(incident)) ? refs.get(String(incident))! : null);
  }
  return already;
}

/** Rows written per batch: each batch is numbered, inserted and audited together, then reported. */
const WRITE_BATCH = 250;

export async function importIncidents(actor: AuditActor & { id: string }, file: { buffer: Buffer; originalname: string }, progress: Progress = () => Promise.resolve()): Promise<{ ok: true; refs: string[]; rows: ImportedRowResult[] } | { ok: false; errors: ImportError[] }> {
  const all = await parseIncidentCsv(file.buffer);
  if (!all.ok) return all;
  const sha256 = createHash('sha256').update(file.buffer).digest('hex');
  const keyed = all.rows.map((r) => ({ ...r, key: rowKey(r.input) }));
  // Ids chosen here, so that an undo knows every document this import may have written.
  const allIds = keyed.map(() => new mongoose.Types.ObjectId());
  const already = await claimRows(keyed, allIds, sha256);
  const fresh = keyed.map((r, i) => ({ ...r, id: allIds[i]! })).filter((_, i) => !already.has(i));
  const parsed = { rows: fresh };
  const ids = fresh.map((r) => r.id);
  const vendors = await vendorsOfProducts(parsed.rows.flatMap((r) => storedClaims(r.input.attributions)));
  const builds = parsed.rows.map(({ input }, i) => {
    const attributions = storedClaims(input.attributions);
    const derived = derive(attributions, input.visibility, 'draft', input.dates.from.y, vendors);
    return () => ({
      _id: ids[i],
      title: input.title,
      summary: input.summary,
      lang: writtenIn(`${input.title} ${input.summary}`),
      dates: input.dates,
      countries: input.countries,
      targets: input.targets.map((t) => ({ category: t.category, pseudonym: t.pseudonym, consentToPublish: false })),
      attributions,
      sources: input.sources,
      indicators: [],
      reports: [],
      visibility: input.visibility,
      verification: { status: 'draft', round: 1 },
      createdBy: actor.id,
      ...derived,
      published: false,
    });
  });
  const created: { _id: unknown; ref: string }[] = [];
  await progress(0, builds.length);
  try {
    for (let start = 0; start < builds.length; start += WRITE_BATCH) {
      const batch = (await insertManyWithNextRefs(Incident as never, 'I', builds.slice(start, start + WRITE_BATCH))) as unknown as { _id: unknown; ref: string }[];
      await publish({ kind: 'incidents-written', docs: batch.map((doc) => (doc as unknown as { toObject: () => unknown }).toObject()) });
      await recordAuditEvents(batch.map((doc, i) => ({ actor, action: 'incident.created', subject: { type: 'incident', id: doc.ref }, details: { import: sha256, line: parsed.rows[start + i]!.line } })));
      created.push(...batch);
      await progress(created.length, builds.length);
    }
  } catch (err) {
    // CASE: no transactions on FerretDB 1.24: undo by hand, so the import stays all-or-nothing.
    const written = await Incident.find({ _id: mongoose.trusted({ $in: ids }) } as never, { ref: 1 }).lean();
    await Incident.deleteMany({ _id: mongoose.trusted({ $in: ids }) } as never);
    await publish({ kind: 'incidents-removed', ids });
    // The rows are free again: a later import of the same file makes them.
    await ImportedRow.deleteMany({ _id: mongoose.trusted({ $in: fresh.map((r) => r.key) }) } as never);
    forgetRefNumbers();
    await recordAuditEvent({ actor, action: 'incidents.import-undone', details: { import: sha256, removed: written.map((c) => c.ref) } });
    throw err;
  }
  await recordAuditEvent({ actor, action: 'incidents.imported', details: { import: sha256, file: file.originalname.slice(0, 200), incidents: created.map((c) => c.ref), alreadyImported: already.size } });
  const refOfKey = new Map(fresh.map((r, i) => [r.key, created[i]?.ref ?? '']));
  const rows = keyed.map((r, i) => ({ line: r.line, key: r.key, already: already.has(i), ref: already.has(i) ? (already.get(i) ?? refOfKey.get(r.key) ?? '') : (refOfKey.get(r.key) ?? '') }));
  return { ok: true, refs: created.map((c) => c.ref), rows };
}
