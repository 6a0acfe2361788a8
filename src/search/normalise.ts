import { stemmer } from 'stemmer';
import { stemmer as arabicStemmer } from '@orama/stemmers/arabic';

/**
 * Folding for search, applied the same way to what is indexed and to what is typed:
 * - Latin: compatibility decomposition, accents removed, lower case ("Pégasus" → "pegasus");
 * - Arabic: diacritics (harakat, shadda, sukun, dagger alef) and tatweel removed; alef forms
 *   أ إ آ ٱ → ا; alef maqsura ى → ي; ta marbuta ة → ه; hamza carriers ؤ → و, ئ → ي;
 *   Persian/Urdu yeh and kaf (ی ک) → ي ك; Arabic-Indic digits → 0-9.
 * Text is then split into tokens of letters and digits. English words are reduced to their stem
 * (Porter's algorithm, the `stemmer` package): "activist" finds "activists", "targeted" finds
 * "targeting". Arabic words of 4 letters or more are also indexed by their stem (the Snowball Arabic
 * stemmer, from `@orama/stemmers`, applied until it changes nothing: one pass leaves "صحفي" from
 * "صحفيون" but "صحف" from "صحفي"), and a query looks for that stem, so "صحفيون", "الصحفيين" and
 * "صحفيات" find "صحفي". Short words (3 letters or fewer: NSO, IP, مصر) are kept as they are.
 */
const ARABIC_MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;
const LATIN_MARKS = /[\u0300-\u036f]/g;

export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(LATIN_MARKS, '')
    .replace(ARABIC_MARKS, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ى/g, 'ي')
    .replace(/ة/g, 'ه')
    .replace(/ؤ/g, 'و')
    .replace(/ئ/g, 'ي')
    .replace(/ی/g, 'ي')
    .replace(/ک/g, 'ك')
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .toLowerCase();
}

/** Stems by word: the vocabulary is small next to the number of words indexed (100,000 incidents at start-up). */
const stems = new Map<string, string>();
function stemOf(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    stem = stemmer(word);
    if (stems.size < 200_000) stems.set(word, stem);
  }
  return stem;
}

/** The Snowball Arabic stem, repeated until stable (at most 4 passes), memoised like the English one. */
const arabicStems = new Map<string, string>();
function arabicStemOf(word: string): string {
  let stem = arabicStems.get(word);
  if (stem === undefined) {
    stem = word;
    for (let i = 0; i < 4; i++) {
      const next = arabicStemmer(stem);
      if (next === stem || next.length < 2) break;
      stem = next;
    }
    if (arabicStems.size < 200_000) arabicStems.set(word, stem);
  }
  return stem;
}
const ARABIC_WORD = /^[\u0621-\u064A]{4,}$/;
/** The word without the article, then its stem if it is an Arabic word of 4 letters or more: the same on both sides. */
const withoutArticle = (w: string) => (w.length > 4 && w.startsWith('ال') ? w.slice(2) : w);
function arabicKey(w: string): string {
  const bare = withoutArticle(w);
  return ARABIC_WORD.test(bare) ? arabicStemOf(bare) : bare;
}

const STOP = new Set(['the', 'a', 'an', 'of', 'and', 'or', 'in', 'on', 'to', 'for', 'with', 'by', 'في', 'من', 'على', 'الى', 'عن', 'و']);

/** Tokens of a text, folded. With `forIndex`, also the form without the Arabic article (ال). */
export function tokenize(text: string, forIndex = false): string[] {
  const tokens = new Set<string>();
  for (const raw of foldText(text).split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || STOP.has(raw)) continue;
    tokens.add(/^[a-z]{4,}$/.test(raw) ? stemOf(raw) : raw);
    if (forIndex && raw.length > 4 && raw.startsWith('ال')) tokens.add(raw.slice(2));
    if (forIndex && /^[\u0621-\u064A]+$/.test(raw)) tokens.add(arabicKey(raw));
  }
  return [...tokens];
}

/** Query tokens: folded; Arabic words without the article and stemmed ("البيغاسوس" finds "بيغاسوس", "صحفيون" finds "صحفي"). */
export function queryTokens(q: string): string[] {
  return [...new Set(tokenize(q).map((t) => (/^[\u0621-\u064A]+$/.test(t) ? arabicKey(t) : t)))].slice(0, 8);
}
