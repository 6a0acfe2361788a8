import { isFinding } from '../../src/incidents/claims.js';
import { expect } from 'chai';
import type { DossierIncident } from '../../src/dossiers/content.js';
import { frame } from '../../src/dossiers/framing.js';

function incident(ref: string, props: { countries: string[]; categories: string[]; operatorCountry?: string; productCategory?: string; confidence?: string }): DossierIncident {
  return {
    ref,
    title: ref,
    summary: '',
    language: 'en',
    translation: null,
    visibility: 'public',
    url: '',
    dates: { from: '2022', to: '' },
    verifiedAt: '',
    countries: props.countries.map((code) => ({ code, name: code })),
    targetCategories: props.categories,
    attributions: [
      { kind: 'product', slug: 'p', name: 'P', confidence: props.confidence ?? 'medium', basis: '', sources: [], category: props.productCategory ?? 'spyware', finding: isFinding(props.confidence ?? 'medium') },
      ...(props.operatorCountry ? [{ kind: 'government' as const, slug: `gov-${props.operatorCountry}`, name: 'G', confidence: 'medium', basis: '', sources: [], country: props.operatorCountry, finding: true }] : []),
    ],
    chains: [],
    sources: [],
    indicators: [],
    approvals: [],
    evidence: [],
    responses: '',
  };
}

describe('dossier framing: which criteria the record speaks to', () => {
  const record = [
    incident('I-1', { countries: ['EG'], categories: ['journalist'], operatorCountry: 'EG', confidence: 'high' }),
    incident('I-2', { countries: ['TR'], categories: ['politician'], operatorCountry: 'EG' }),
    incident('I-3', { countries: ['US'], categories: ['activist'], productCategory: 'imsi-catcher' }),
    incident('I-4', { countries: ['GR'], categories: ['other'], productCategory: 'other' }),
  ];
  const byKey = (framing: Parameters<typeof frame>[0]) => Object.fromEntries(frame(framing, record, new Date()).map((c) => [c.key, c.incidents]));

  it('US Entity List: supply, government use, civil society, officials, cross-border, confidence, each with its incidents', () => {
    expect(byKey('us-entity-list')).to.deep.equal({
      product: ['I-1', 'I-2', 'I-3', 'I-4'],
      government: ['I-1', 'I-2'],
      civilSociety: ['I-1', 'I-3'],
      officials: ['I-2'],
      transnational: ['I-2'],
      highConfidence: ['I-1'],
    });
  });

  it('EO 14093: targets in the United States are their own risk factor', () => {
    expect(byKey('eo-14093').usTargets).to.deep.equal(['I-3']);
    expect(byKey('eo-14093').transnational).to.deep.equal(['I-2']);
  });

  it('EU 2021/821 Art. 5: cyber-surveillance categories and domestic (internal) use', () => {
    expect(byKey('eu-2021-821-art5').cyberSurveillance).to.deep.equal(['I-1', 'I-2', 'I-3']);
    expect(byKey('eu-2021-821-art5').domestic).to.deep.equal(['I-1']);
  });

  it('no framing: no criteria section', () => {
    expect(frame('none', record, new Date())).to.deep.equal([]);
  });

  it('figures count distinct governments and countries', () => {
    const government = frame('us-entity-list', record, new Date()).find((c) => c.key === 'government')!;
    expect(government.figures).to.deep.equal({ incidents: 2, governments: 1, countries: 2 });
  });
});
