import { parse } from 'csv-parse/sync';

/**
 * Spreadsheets brought in by reviewers (incidents, official actions): one way to read them. Only
 * UTF-8 is read; the header names columns in English or Arabic; every problem is reported by line and
 * column, so that a file is either read whole or refused whole.
 */
export interface ImportError {
  line: number;
  column: string;
  message: string;
  values?: Record<string, unknown>;
}

export interface TableColumn<K extends string = string> {
  key: K;
  ar: string;
  required: boolean;
}

/**
 * The file as text, or the reason it cannot be read as such: only UTF-8 is read (Excel's "CSV
 * UTF-8", LibreOffice's default); UTF-16 and Latin-1/Windows-1252 files are refused by name, with the
 * line of the first byte that is not UTF-8, rather than read with their accents garbled. Control
 * characters (other than tab and line ends) are refused with their line.
 */
export function decodeCsv(buffer: Buffer): { ok: true; text: string } | { ok: false; error: ImportError } {
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) return { ok: false, error: { line: 1, column: '', message: 'import.utf16' } };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    // Its line: where a lenient decode puts its first replacement character.
    const lenient = buffer.toString('utf8');
    return { ok: false, error: { line: lenient.slice(0, lenient.indexOf('\uFFFD')).split('\n').length, column: '', message: 'import.notUtf8' } };
  }
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (control) return { ok: false, error: { line: text.slice(0, control.index).split('\n').length, column: '', message: 'import.controlCharacter', values: { code: `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` } } };
  return { ok: true, text };
}

/** The separator of the header line, outside quotes: ',' or ';' (Excel in many locales) or a tab. */
export function delimiterOf(text: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return n > 0 ? best : ',';
}

export type Table<K extends string> = { ok: true; rows: { line: number; cell: (key: K) => string }[] } | { ok: false; errors: ImportError[] };

/** The rows of a CSV file under a known header (each column once, required ones present), at most `maxRows`. */
export function readTable<K extends string>(buffer: Buffer, columns: readonly TableColumn<K>[], maxRows: number): Table<K> {
  const decoded = decodeCsv(buffer);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(decoded.text, { bom: true, delimiter: delimiterOf(decoded.text.replace(/^\uFEFF/, '')), skip_empty_lines: true, relax_column_count: false, info: true, trim: true }) as never;
  } catch (err) {
    return { ok: false, errors: [{ line: (err as { lines?: number }).lines ?? 1, column: '', message: 'import.unreadable' }] };
  }
  if (!records.length) return { ok: false, errors: [{ line: 1, column: '', message: 'import.empty' }] };
  const errors: ImportError[] = [];
  const positions = new Map<K, number>();
  records[0]!.record.forEach((name, index) => {
    const column = columns.find((c) => c.key === name.trim().toLowerCase() || c.ar === name.trim());
    if (!column) errors.push({ line: 1, column: name, message: 'import.unknownColumn' });
    else if (positions.has(column.key)) errors.push({ line: 1, column: name, message: 'import.repeatedColumn' });
    else positions.set(column.key, index);
  });
  for (const c of columns) if (c.required && !positions.has(c.key)) errors.push({ line: 1, column: c.key, message: 'import.missingColumn' });
  if (errors.length) return { ok: false, errors };
  const data = records.slice(1);
  if (!data.length) return { ok: false, errors: [{ line: 2, column: '', message: 'import.empty' }] };
  if (data.length > maxRows) return { ok: false, errors: [{ line: maxRows + 2, column: '', message: 'import.tooMany', values: { max: maxRows } }] };
  return {
    ok: true,
    rows: data.map(({ record, info }) => ({ line: info.lines, cell: (key: K) => (positions.has(key) ? (record[positions.get(key)!] ?? '') : '') })),
  };
}
