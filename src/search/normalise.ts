import { stemmer } from 'stemmer';

/**
 * Folding for search, applied the same way to what is indexed and to what is typed:
 * - Latin: compatibility decomposition, accents removed, lower case ("Pégasus" → "pegasus");
 * - Arabic: diacritics (harakat, shadda, sukun, dagger alef) and tatweel removed; alef forms
 *   أ إ آ ٱ → ا; alef maqsura ى → ي; ta marbuta ة → ه; hamza carriers ؤ → و, ئ → ي;
 *   Persian/Urdu yeh and kaf (ی ک) → ي ك; Arabic-Indic digits → 0-9.
 * Text is then split into tokens of letters and digits. English words are reduced to their stem
 * (Porter's algorithm, the `stemmer` package): "activist" finds "activists", "targeted" finds
 * "targeting". Short words (3 letters or fewer: NSO, IP) and non-Latin ones are kept as they are.
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

const STOP = new Set(['the', 'a', 'an', 'of', 'and', 'or', 'in', 'on', 'to', 'for', 'with', 'by', 'في', 'من', 'على', 'الى', 'عن', 'و']);

/** Tokens of a text, folded. With `forIndex`, also the form without the Arabic article (ال). */
export function tokenize(text: string, forIndex = false): string[] {
  const tokens = new Set<string>();
  for (const raw of foldText(text).split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || STOP.has(raw)) continue;
    tokens.add(/^[a-z]{4,}$/.test(raw) ? stemOf(raw) : raw);
    if (forIndex && raw.length > 4 && raw.startsWith('ال')) tokens.add(raw.slice(2));
  }
  return [...tokens];
}

/** Query tokens: folded; the article is dropped from long Arabic words so "البيغاسوس" finds "بيغاسوس". */
export function queryTokens(q: string): string[] {
  return [...new Set(tokenize(q).map((t) => (t.length > 4 && t.startsWith('ال') ? t.slice(2) : t)))].slice(0, 8);
}
