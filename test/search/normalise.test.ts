import { expect } from 'chai';
import { foldText, queryTokens, tokenize } from '../../src/search/normalise.js';

describe('search folding', () => {
  const same: [string, string][] = [
    ['بِيغَاسُوس', 'بيغاسوس'], // diacritics
    ['بيـــغاسوس', 'بيغاسوس'], // tatweel
    ['أحمد', 'احمد'], ['إسرائيل', 'اسرائيل'], ['آمنة', 'امنه'], // alef forms, ta marbuta
    ['مصطفى', 'مصطفي'], // alef maqsura / ya
    ['مدرسة', 'مدرسه'], // ta marbuta / ha
    ['Pégasus', 'pegasus'], ['PEGASUS', 'pegasus'], ['Ḉandiru', 'candiru'], ['Türkiye', 'turkiye'],
    ['٢٠٢١', '2021'],
  ];
  for (const [a, b] of same) {
    it(`when "${a}" is folded, then it equals "${b}"`, () => {
      expect(foldText(a)).to.equal(foldText(b));
    });
  }

  it('when English words are indexed or searched, then plurals and verb forms meet at their stem, and short names stay as written', () => {
    expect(queryTokens('activist')).to.deep.equal(tokenize('activists'));
    expect(queryTokens('journalists')).to.deep.equal(tokenize('journalist'));
    expect(queryTokens('targeting')).to.deep.equal(tokenize('targeted'));
    expect(tokenize('NSO IP')).to.deep.equal(['nso', 'ip']);
  });

  it('when Arabic text is indexed, then words are found with and without the article', () => {
    const index = new Set(tokenize('الحكومة المصرية', true));
    expect([...index]).to.include.members(['الحكومه', 'حكومه', 'المصريه', 'مصريه']);
    for (const q of ['الحكومة', 'حكومة', 'المصرية', 'مصرية']) expect(queryTokens(q).every((t) => index.has(t)), q).to.equal(true);
  });

  it('when an Arabic plural or feminine form is searched, then the singular is found (Snowball Arabic stemmer), and the other way round; short words and names still match themselves', () => {
    const index = new Set(tokenize('استُهدف صحفي وناشطة في البحرين ببرنامج بيغاسوس', true));
    for (const q of ['صحفيون', 'الصحفيين', 'صحفيات', 'ناشطون', 'ناشطات', 'البحرين', 'بحرين', 'بيغاسوس', 'البيغاسوس']) expect(queryTokens(q).every((t) => index.has(t)), q).to.equal(true);
    const plural = new Set(tokenize('اختراق هواتف صحفيين', true));
    expect(queryTokens('صحفي').every((t) => plural.has(t))).to.equal(true);
    expect(queryTokens('محامون').every((t) => index.has(t))).to.equal(false);
  });
});
