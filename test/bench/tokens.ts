// npm run bench:tokens — what search indexing costs per 100,000 incidents (catalogue load, start-up):
// folding and splitting alone, the same with the English stemmer (memoised), and the countries' and
// categories' names in both languages that each incident now also indexes.
import { countryName } from '../../src/countries/index.js';
import { labelsOf } from '../../src/i18n/index.js';
import { foldText, tokenize } from '../../src/search/normalise.js';

const N = 100_000;
const words = 'journalist phone infected spyware forensic analysis traces network injection campaign government operators targeting activists lawyers exiled politicians predator pegasus citizen lab amnesty report surveillance exploit zero click message'.split(' ');
const texts = Array.from({ length: N }, (_, i) => Array.from({ length: 120 }, (_, j) => words[(i * 7 + j * 13) % words.length]! + (j % 11 === 0 ? String(i % 97) : '')).join(' '));

function time(label: string, run: () => void): void {
  const started = process.hrtime.bigint();
  run();
  console.log(`${label.padEnd(58)} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0).padStart(6)} ms`);
}

console.log(`${N.toLocaleString('en')} texts of 120 words`);
time('fold + split (before the stemmer)', () => {
  for (const text of texts) new Set(foldText(text).split(/[^\p{L}\p{N}]+/u));
});
time('tokenize (fold, split, stem, Arabic article)', () => {
  for (const text of texts) tokenize(text, true);
});
time('country names (en, ar) and category labels (en, ar)', () => {
  for (let i = 0; i < N; i++) {
    ['EG', 'MA'].flatMap((c) => ['en', 'ar'].map((l) => countryName(c, l)));
    labelsOf('targetCategories.journalist');
  }
});
