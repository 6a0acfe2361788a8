/**
 * A faithful re-implementation of how MVT reads a STIX 2 file (`Indicators.parse_stix2` in
 * mvt/common/indicators.py, the same in MVT 2.1 through 2.5): what it loads, what it skips, and when
 * it raises (which makes MVT refuse the file). Test code only: it checks our exports against MVT's
 * rules, it is not how the site reads STIX.
 *
 * The rules, as MVT has them:
 * - only `malware` objects become collections (a `tool` gets none), keyed by id; `name` is required;
 * - an indicator belongs to the first malware its `indicates`-or-any relationship with that
 *   `source_ref` points at; indicators of no malware are skipped silently;
 * - `pattern.strip("[]").split("=")` must give exactly two parts, or Python raises ValueError;
 * - the key is compared as is (no trimming): `domain-name:value`, `process:name`, `email-addr:value`,
 *   `file:name`, `file:path`, `file:hashes.sha256`, `app:id`, `configuration-profile:id`; other keys
 *   are skipped silently;
 * - the value has every leading and trailing `'` stripped (no unescaping); domains and e-mail
 *   addresses are lower-cased.
 */
export class MvtWouldRefuse extends Error {}

const LISTS: Record<string, string> = {
  'domain-name:value': 'domains',
  'process:name': 'processes',
  'email-addr:value': 'emails',
  'file:name': 'file_names',
  'file:path': 'file_paths',
  'file:hashes.sha256': 'files_sha256',
  'app:id': 'app_ids',
  'configuration-profile:id': 'ios_profile_ids',
};

/** Python's str.strip(chars). */
function pyStrip(s: string, chars: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && chars.includes(s[a]!)) a++;
  while (b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function required<T>(o: Record<string, unknown>, key: string): T {
  if (!(key in o)) throw new MvtWouldRefuse(`KeyError: '${key}'`);
  return o[key] as T;
}

export interface MvtCollection {
  id: string;
  name: string;
  lists: Record<string, string[]>;
  count: number;
}

export function mvtParseStix2(text: string): MvtCollection[] {
  let data: { objects?: Record<string, unknown>[] };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    throw new MvtWouldRefuse('Unable to parse STIX2 indicator file');
  }
  const malware = new Map<string, string>();
  const indicators: Record<string, unknown>[] = [];
  const relationships: Record<string, unknown>[] = [];
  for (const entry of data.objects ?? []) {
    const type = (entry.type as string | undefined) ?? '';
    if (type === 'malware') malware.set(required<string>(entry, 'id'), required<string>(entry, 'name'));
    else if (type === 'indicator') indicators.push(entry);
    else if (type === 'relationship') relationships.push(entry);
  }
  const collections: MvtCollection[] = [...malware].map(([id, name]) => ({ id, name, lists: Object.fromEntries(Object.values(LISTS).map((l) => [l, []])), count: 0 }));
  for (const indicator of indicators) {
    let malwareId: string | undefined;
    for (const r of relationships) {
      if (required<string>(r, 'source_ref') !== required<string>(indicator, 'id')) continue;
      if (malware.has(required<string>(r, 'target_ref'))) {
        malwareId = r.target_ref as string;
        break;
      }
    }
    const collection = collections.find((c) => c.id === malwareId);
    if (!collection) continue;
    const parts = pyStrip((indicator.pattern as string | undefined) ?? '', '[]').split('=');
    if (parts.length !== 2) throw new MvtWouldRefuse(`ValueError: ${parts.length > 2 ? 'too many' : 'not enough'} values to unpack (${String(indicator.pattern)})`);
    const [key, raw] = parts as [string, string];
    const list = LISTS[key];
    if (!list) continue;
    const value = pyStrip(key === 'domain-name:value' || key === 'email-addr:value' ? raw.toLowerCase() : raw, "'");
    if (!collection.lists[list]!.includes(value)) {
      collection.lists[list]!.push(value);
      collection.count += 1;
    }
  }
  return collections;
}
