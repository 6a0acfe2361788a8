import { stixId } from '../../stix/ids.js';
import { STIX_MALWARE_CATEGORIES } from '../../stix/service.js';
import { STIX_CONFIDENCE } from '../../stix/claims.js';
import { patternOf } from '../../stix/patterns.js';
import type { IndicatorType } from '../../facts/indicators.js';
import type { DossierContent } from '../content.js';

/** The predefined TLP marking for restricted incidents (STIX 2.1, section 7.2.1.4). */
const TLP_AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';

type StixObject = Record<string, unknown> & { type: string; id: string };

/**
 * A dossier as a STIX 2.1 bundle: vendors and governments as `identity`, products as `malware` or
 * `tool`, target countries as `location`, each incident as a `report` whose object_refs name its
 * findings, with `uses` (government → product, only where the operator claim names the product, with
 * its confidence 0–100), `attributed-to` (product → its vendor), `targets` (product → country) and
 * `indicates` (indicator → product, only when the incident identified one product) relationships.
 */
export function dossierStix(content: DossierContent): Buffer {
  const at = content.generatedAt;
  const objects = new Map<string, StixObject>();
  const add = (o: StixObject) => {
    if (!objects.has(o.id)) objects.set(o.id, o);
    return o.id;
  };
  const base = { spec_version: '2.1', created: at, modified: at };
  // Ids from slugs, the scheme of the product exports (stix/claims.ts): the same vendor or product has
  // the same id in every export and every dossier, whatever its language. Names are the English ones;
  // Arabic names travel as language-content objects (lang ar), never as another name for the id.
  const vendorId = (slug: string) => stixId('identity', 'vendor', slug);
  const slugOfVendorNamed = new Map(content.identity.vendors.map((v) => [v.name, v.slug]));
  const arabic = (objectRef: string, nameAr: string) => {
    if (nameAr) add({ type: 'language-content', ...base, id: stixId('language-content', objectRef, 'ar'), object_ref: objectRef, object_modified: at, contents: { ar: { name: nameAr } } });
  };
  for (const v of content.identity.vendors) {
    const id = add({ type: 'identity', ...base, id: vendorId(v.slug), name: v.name, identity_class: 'organization', sectors: ['technology'], ...(v.summary ? { description: v.summary } : {}), ...(v.hqCountry ? { contact_information: `Headquarters: ${v.hqCountry}` } : {}) });
    arabic(id, v.nameAr);
  }
  const productIds = new Map<string, string>();
  const productObject = (p: { slug: string; name: string; nameAr?: string; category: string; description?: string; aliases?: string[] }) => {
    const isMalware = STIX_MALWARE_CATEGORIES.has(p.category);
    const type = isMalware ? 'malware' : 'tool';
    const id = add({ type, ...base, id: stixId(type, 'product', p.slug), name: p.name, ...(p.description ? { description: p.description } : {}), ...(p.aliases?.length ? { aliases: p.aliases } : {}), ...(isMalware ? { is_family: true, malware_types: ['spyware'] } : { tool_types: [p.category] }), x_tracker_category: p.category });
    productIds.set(p.slug, id);
    arabic(id, p.nameAr ?? '');
    return id;
  };
  for (const p of content.products) {
    const id = productObject(p);
    if (p.vendor) add({ type: 'relationship', ...base, id: stixId('relationship', 'attributed-to', id, p.vendor), relationship_type: 'attributed-to', source_ref: id, target_ref: add({ type: 'identity', ...base, id: slugOfVendorNamed.has(p.vendor) ? vendorId(slugOfVendorNamed.get(p.vendor)!) : stixId('identity', 'vendor-named', p.vendor), name: p.vendor, identity_class: 'organization' }) });
  }
  // Objects a restricted incident brings in, and those a public one does: what only restricted
  // incidents bring is marked TLP:AMBER like their reports, not only the reports.
  const usedByRestricted = new Set<string>();
  const usedByPublic = new Set<string>();
  for (const i of content.incidents) {
    const refs = new Set<string>();
    // Findings only (incidents/claims.ts): leads are in the dossier's annex, not in its STIX objects.
    const findings = i.attributions.filter((a) => a.finding);
    const productByName = new Map<string, string>();
    for (const a of findings.filter((x) => x.kind === 'product')) productByName.set(a.name, productIds.get(a.slug) ?? productObject({ slug: a.slug, name: a.name, category: a.category ?? 'other' }));
    // A product an operator finding names as operated is a finding too (catalogue/entry.ts).
    for (const a of findings.filter((x) => x.kind === 'government' && x.operated && !productByName.has(x.operated))) {
      // `operated` is the product's name in the dossier's language.
      const p = content.products.find((x) => x.name === a.operated || x.nameAr === a.operated);
      if (p) productByName.set(a.operated!, productIds.get(p.slug) ?? productObject(p));
    }
    const products = [...productByName.values()];
    const governments = findings.filter((a) => a.kind === 'government').map((a) => ({ claim: a, id: add({ type: 'identity', ...base, id: stixId('identity', 'government', a.slug), name: a.name, identity_class: 'organization', sectors: ['government'] }) }));
    const vendors = findings.filter((a) => a.kind === 'vendor').map((a) => add({ type: 'identity', ...base, id: vendorId(a.slug), name: a.name, identity_class: 'organization' }));
    const locations = i.countries.map((c) => add({ type: 'location', ...base, id: stixId('location', c.code), name: c.name, country: c.code }));
    for (const id of [...products, ...governments.map((g) => g.id), ...vendors, ...locations]) refs.add(id);
    const relate = (type: string, source: string, target: string, extra: Record<string, unknown> = {}) => {
      refs.add(add({ type: 'relationship', ...base, id: stixId('relationship', type, source, target, i.ref), relationship_type: type, source_ref: source, target_ref: target, ...extra }));
    };
    // A government uses a product only where its operator claim names that product: never crossed.
    for (const { claim, id } of governments) {
      const product = claim.operated ? productByName.get(claim.operated) : undefined;
      if (product) relate('uses', id, product, { description: `${i.ref}: ${claim.name} operated ${claim.operated}`, confidence: STIX_CONFIDENCE[claim.confidence] ?? 0 });
    }
    for (const p of products) for (const l of locations) relate('targets', p, l, { description: i.ref });
    for (const indicator of i.indicators) {
      const id = add({ type: 'indicator', ...base, id: stixId('indicator', indicator.type, indicator.value), indicator_types: ['malicious-activity'], pattern: patternOf(indicator.type as IndicatorType, indicator.value), pattern_type: 'stix', pattern_version: '2.1', valid_from: at });
      refs.add(id);
      // Which product an indicator belongs to is known only when the incident identified one product.
      if (products.length === 1) relate('indicates', id, products[0]!);
    }
    const reportId = stixId('report', i.ref);
    add({
      type: 'report',
      ...base,
      id: reportId,
      lang: i.language || 'en',
      name: `${i.ref}: ${i.title}`,
      description: i.summary,
      report_types: ['threat-report'],
      published: i.verifiedAt || at,
      object_refs: refs.size ? [...refs] : [locations[0] ?? add({ type: 'location', ...base, id: stixId('location', 'unknown'), name: 'Unknown', region: 'unknown' })],
      labels: [i.visibility === 'restricted' ? 'restricted' : 'public', 'verified'],
      ...(i.visibility === 'restricted' ? { object_marking_refs: [TLP_AMBER] } : {}),
      ...(i.sources.length ? { external_references: i.sources.map((s) => ({ source_name: s.publisher || s.title, description: s.title, ...(s.url ? { url: s.url } : {}) })) } : {}),
    });
    // A reviewer's translation travels as STIX language content (section 7.1), never as another name for the same id.
    if (i.translation) {
      add({
        type: 'language-content',
        ...base,
        id: stixId('language-content', `${i.ref}:${i.translation.language}`),
        object_ref: reportId,
        object_modified: at,
        contents: { [i.translation.language]: { name: `${i.ref}: ${i.translation.title}`, description: i.translation.summary } },
        ...(i.visibility === 'restricted' ? { object_marking_refs: [TLP_AMBER] } : {}),
      });
    }
    for (const id of refs) (i.visibility === 'restricted' ? usedByRestricted : usedByPublic).add(id);
  }
  for (const id of usedByRestricted) {
    const o = objects.get(id);
    if (o && !usedByPublic.has(id) && !o.object_marking_refs) o.object_marking_refs = [TLP_AMBER];
  }
  const bundle = { type: 'bundle', id: stixId('bundle', content.id, String(content.version)), objects: [...objects.values()] };
  return Buffer.from(JSON.stringify(bundle, null, 1), 'utf8');
}
