import { expect } from 'chai';
import { heldTranslations, i18next, initI18n } from '../../src/i18n/index.js';

/** The views' `t` keeps the texts it made: asked again, the same words, in the right plural form and language. */
describe('translations held for the views', () => {
  before(initI18n);

  it('when a count or a value is asked again, then each gets its own text (Arabic plural forms too), the same as i18next makes, and English and Arabic never mix', () => {
    const en = heldTranslations(i18next.getFixedT('en'), 'en');
    const ar = heldTranslations(i18next.getFixedT('ar'), 'ar');
    for (let round = 0; round < 2; round++) {
      expect([1, 2, 5].map((count) => en('review.days', { count }))).to.deep.equal(['1 day', '2 days', '5 days']);
      expect([0, 1, 2, 3, 11, 100].map((count) => ar('review.days', { count }))).to.deep.equal(['0 يوم', 'يوم واحد', 'يومان', '3 أيام', '11 يومًا', '100 يوم']);
      expect([en('review.selectReport', { ref: 'R-2026-00001' }), en('review.selectReport', { ref: 'R-2026-00002' })]).to.deep.equal(['Select R-2026-00001', 'Select R-2026-00002']);
      expect(ar('review.selectReport', { ref: 'R-2026-00001' })).to.equal('حدّد R-2026-00001');
      expect(en('review.title')).to.equal(i18next.t('review.title', { lng: 'en' }));
      expect(ar('review.title')).to.equal(i18next.t('review.title', { lng: 'ar' }));
    }
  });

  it('when an object is asked for (returnObjects), then it comes back as the object each time, never as a held text, and the texts around it are unchanged', () => {
    const en = heldTranslations(i18next.getFixedT('en'), 'en');
    for (let round = 0; round < 2; round++) {
      const tree = en('review', { returnObjects: true } as never) as unknown as Record<string, string>;
      expect(tree).to.be.an('object');
      expect(tree.selectReport).to.equal('Select {{ref}}');
    }
    expect(en('review.days', { count: 2 })).to.equal('2 days');
  });
});
