import type { Catalogue } from '../catalogue/index.js';
import { presentTexts } from '../incidents/presenter.js';
import type { IncidentTexts } from '../i18n/texts.js';
import type { Entry } from '../catalogue/entry.js';
import { countryName } from '../countries/index.js';
import { formatFuzzyDate } from '../facts/dates.js';
import { displayName } from '../reference/presenter.js';

const FEED_SIZE = 50;

function xml(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

function verifiedAt(e: Entry): Date {
  return new Date(e.verifiedAt);
}

/**
 * An Atom 1.0 feed (RFC 4287) of the newest verified public incidents of a selection: the same
 * filters as /incidents (site-wide, per vendor, per country, per search). Newest verification first;
 * an entry's id is its permanent address, so readers never show it twice. Only what the public page
 * shows: title, dates, countries, findings' names, the public summary.
 */
export function atomFeed(c: Catalogue, entries: readonly Entry[], opts: { base: string; selfPath: string; htmlPath: string; title: string; lng: string; labels: { dates: string; countries: string; named: string } }): string {
  const newest = [...entries].sort((a, b) => b.verifiedAt - a.verifiedAt || (a.id < b.id ? 1 : -1)).slice(0, FEED_SIZE);
  const updated = newest.length ? verifiedAt(newest[0]!) : new Date(0);
  const name = (id: string) => {
    const entity = c.entities.byId.get(id);
    return entity ? displayName(entity, opts.lng) : '';
  };
  const items = newest.map((e) => {
    const url = `${opts.base}/incidents/${e.ref}`;
    // The feed's language where the incident has a version (incidents/translation.ts), marked with xml:lang.
    const texts = presentTexts(e.doc as unknown as IncidentTexts, opts.lng);
    const named = [...e.productIds, ...e.vendorIds, ...e.governmentIds].map(name).filter(Boolean);
    const dates = `${formatFuzzyDate(e.from)}${e.to ? ` – ${formatFuzzyDate(e.to)}` : ''}`;
    const text = [`${opts.labels.dates}: ${dates}`, `${opts.labels.countries}: ${e.countries.map((code) => countryName(code, opts.lng)).join(', ')}`, ...(named.length ? [`${opts.labels.named}: ${named.join(', ')}`] : []), '', texts.summary].join('\n');
    return [
      '  <entry>',
      `    <id>${xml(url)}</id>`,
      `    <title xml:lang="${texts.text.lang}">${xml(`${e.ref}: ${texts.title}`)}</title>`,
      `    <updated>${verifiedAt(e).toISOString()}</updated>`,
      `    <link rel="alternate" type="text/html" href="${xml(url)}"/>`,
      ...e.categories.map((k) => `    <category term="${xml(k)}"/>`),
      `    <summary type="text">${xml(text)}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${opts.lng}">`,
    `  <id>${xml(`${opts.base}${opts.selfPath}`)}</id>`,
    `  <title>${xml(opts.title)}</title>`,
    `  <updated>${updated.toISOString()}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(`${opts.base}${opts.selfPath}`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xml(`${opts.base}${opts.htmlPath}`)}"/>`,
    `  <author><name>${xml(opts.title.split(' · ')[0]!)}</name></author>`,
    ...items,
    '</feed>',
    '',
  ].join('\n');
}
