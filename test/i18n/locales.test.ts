import { readFileSync } from 'node:fs';
import { expect } from 'chai';

type Tree = { [key: string]: string | Tree };
const load = (lng: string) => JSON.parse(readFileSync(`src/i18n/locales/${lng}.json`, 'utf8')) as Tree;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const variables = (text: string) => [...new Set([...text.matchAll(/\{\{\s*([\w.]+)/g)].map((m) => m[1]!))].sort();

/** Both languages say everything: the same keys (plural forms per language's CLDR rules) and the same placeholders. */
describe('locale files', () => {
  const en = flatten(load('en'));
  const ar = flatten(load('ar'));
  const base = (keys: Iterable<string>) => new Set([...keys].map((k) => k.replace(PLURAL, '')));

  it('English and Arabic have the same keys, plural forms aside', () => {
    const enKeys = base(en.keys());
    const arKeys = base(ar.keys());
    expect([...enKeys].filter((k) => !arKeys.has(k)), 'missing in Arabic').to.deep.equal([]);
    expect([...arKeys].filter((k) => !enKeys.has(k)), 'missing in English').to.deep.equal([]);
  });

  it('every plural has each form its language needs (Arabic: zero, one, two, few, many, other)', () => {
    for (const [lng, map] of [['en', en], ['ar', ar]] as const) {
      const needed = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
      for (const plural of new Set([...en.keys(), ...ar.keys()].filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')))) {
        for (const form of needed) expect(map.has(`${plural}_${form}`), `${lng}: ${plural}_${form}`).to.equal(true);
      }
    }
  });

  it('a text and its translation use the same placeholders', () => {
    for (const [key, text] of en) {
      const forms = [...ar.keys()].filter((k) => k === key || k.replace(PLURAL, '') === key.replace(PLURAL, ''));
      for (const form of forms) {
        const got = variables(ar.get(form)!);
        // A plural form may say less (Arabic writes "two" as a word; "no incidents" has no period), never
        // something the English text has no value for.
        if (PLURAL.test(form)) expect(got.filter((v) => v !== 'count' && !variables(text).includes(v)), `${form}: ${ar.get(form)}`).to.deep.equal([]);
        else expect(got, `${form}: ${ar.get(form)}`).to.deep.equal(variables(text));
      }
    }
  });
});
