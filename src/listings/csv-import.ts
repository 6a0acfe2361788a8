import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { recordAuditEvent, type AuditActor } from '../audit/index.js';
import { catalogue } from '../catalogue/index.js';
import { readTable, type ImportError } from '../http/csv-table.js';
import { FormValidationError } from '../http/validate.js';
import { OfficialAction } from './model.js';
import { actionSchema, type ActionInput } from './schema.js';
import { createAction } from './service.js';
import { publish } from '../events/index.js';

/**
 * Official actions from a spreadsheet, under the same rules as the form and as the incident import:
 * every row is validated by the form's schema, companies are named by their slugs, and the file is
 * read whole or refused whole with every error by line and column.
 */
export const ACTION_COLUMNS = [
  { key: 'slug', ar: 'المعرّف', required: true, example: 'us-entity-list-2021-11-04' },
  { key: 'regime', ar: 'النظام', required: true, example: 'us-entity-list' },
  { key: 'kind', ar: 'النوع', required: true, example: 'listing' },
  { key: 'date', ar: 'التاريخ', required: true, example: '2021-11-04' },
  { key: 'citation', ar: 'المرجع', required: true, example: 'BIS final rule, 15 CFR Part 744, effective 4 Nov 2021' },
  { key: 'url', ar: 'الرابط', required: true, example: 'https://www.federalregister.gov/' },
  { key: 'companies', ar: 'الشركات', required: true, example: 'nso-group;candiru' },
  { key: 'as_named', ar: 'كما_وردت', required: false, example: 'NSO Group (Israel);Candiru (Israel)' },
  { key: 'basis', ar: 'الأساس', required: false, example: 'Supplied spyware to foreign governments that used it against journalists and activists.' },
  { key: 'basis_ar', ar: 'الأساس_بالعربية', required: false, example: '' },
] as const;
type ColumnKey = (typeof ACTION_COLUMNS)[number]['key'];

export const MAX_ACTION_ROWS = 500;

export function actionTemplate(lng: 'en' | 'ar'): Buffer {
  return Buffer.from(`\uFEFF${stringify([ACTION_COLUMNS.map((c) => (lng === 'ar' ? c.ar : c.key)), ACTION_COLUMNS.map((c) => c.example)])}`, 'utf8');
}

const list = (v: string) => v.split(';').map((s) => s.trim());
const FIELD_COLUMN: Record<string, ColumnKey> = { slug: 'slug', regime: 'regime', kind: 'kind', date: 'date', citation: 'citation', url: 'url', entities: 'companies', basis: 'basis', basisAr: 'basis_ar' };

export async function parseActionCsv(buffer: Buffer): Promise<{ ok: true; rows: { line: number; input: ActionInput }[] } | { ok: false; errors: ImportError[] }> {
  const table = readTable(buffer, ACTION_COLUMNS, MAX_ACTION_ROWS);
  if (!table.ok) return table;
  const c = await catalogue();
  const taken = new Set((await OfficialAction.find({}, { slug: 1, previousSlugs: 1 }).lean()).flatMap((a) => [a.slug, ...a.previousSlugs]));
  const inFile = new Map<string, number>();
  const errors: ImportError[] = [];
  const rows: { line: number; input: ActionInput }[] = [];
  for (const { line, cell } of table.rows) {
    const rowErrors: ImportError[] = [];
    const slugs = list(cell('companies')).filter(Boolean);
    const named = list(cell('as_named'));
    const entities = slugs.map((slug, i) => {
      const vendor = c.entities.bySlug('vendor', slug);
      if (!vendor) rowErrors.push({ line, column: 'companies', message: 'import.unknownSlug', values: { slug } });
      return { vendor: vendor?.id ?? '', asNamed: named[i] ?? '' };
    });
    const parsed = actionSchema.safeParse({ slug: cell('slug'), regime: cell('regime'), kind: cell('kind'), date: cell('date'), citation: cell('citation'), url: cell('url'), entities, basis: cell('basis'), basisAr: cell('basis_ar') });
    if (!parsed.success) {
      const seen = new Set<string>();
      for (const issue of parsed.error.issues) {
        const column = FIELD_COLUMN[String(issue.path[0])] ?? 'slug';
        if (seen.has(column) || (column === 'companies' && rowErrors.length)) continue;
        seen.add(column);
        rowErrors.push({ line, column, message: /^[a-z]+\.[A-Za-z.]+$/.test(issue.message) ? issue.message : 'validation.invalid' });
      }
    } else {
      const ids = parsed.data.entities.map((e) => e.vendor);
      if (new Set(ids).size !== ids.length) rowErrors.push({ line, column: 'companies', message: 'listings.namedTwice' });
      const slug = parsed.data.slug;
      if (taken.has(slug)) rowErrors.push({ line, column: 'slug', message: 'validation.slugTaken' });
      else if (inFile.has(slug)) rowErrors.push({ line, column: 'slug', message: 'import.repeatedSlug', values: { line: inFile.get(slug) } });
      inFile.set(slug, line);
    }
    errors.push(...rowErrors);
    if (parsed.success && !rowErrors.length) rows.push({ line, input: parsed.data });
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows };
}

/**
 * Writes the rows through the form's command (createAction: unique slug, audit, listings derived).
 * If one is refused on the way (another reviewer took a slug meanwhile), the ones written are
 * removed again and the file is refused: all or nothing.
 */
export async function importActions(actor: AuditActor, file: { buffer: Buffer; originalname: string }): Promise<{ ok: true; slugs: string[] } | { ok: false; errors: ImportError[] }> {
  const parsed = await parseActionCsv(file.buffer);
  if (!parsed.ok) return parsed;
  const sha256 = createHash('sha256').update(file.buffer).digest('hex');
  const written: string[] = [];
  for (const { line, input } of parsed.rows) {
    try {
      await createAction(actor, input);
      written.push(input.slug);
    } catch (err) {
      // CASE: no transactions on FerretDB 1.24: undo by hand, so the import stays all-or-nothing.
      if (written.length) await OfficialAction.deleteMany({ slug: { $in: written } });
      await recordAuditEvent({ actor, action: 'official-actions.import-undone', details: { import: sha256, removed: written } });
      await publish({ kind: 'entities-changed' });
      if (err instanceof FormValidationError) return { ok: false, errors: Object.entries(err.fieldErrors).map(([field, message]) => ({ line, column: FIELD_COLUMN[field] ?? field, message })) };
      throw err;
    }
  }
  await recordAuditEvent({ actor, action: 'official-actions.imported', details: { import: sha256, file: file.originalname.slice(0, 200), actions: written } });
  return { ok: true, slugs: written };
}
