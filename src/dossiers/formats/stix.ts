import { stixId } from '../../stix/ids.js';
import { STIX_CONFIDENCE } from '../../stix/claims.js';
import { arabicCountryName, countryLocation, governmentObjects, productObject, SITE, siteIdentity, StixObjects, unknownLocation, vendorIdentity, type RecordedEntity } from '../../stix/entities.js';
import { patternOf } from '../../stix/patterns.js';
import type { IndicatorType } from '../../facts/indicators.js';
import type { DossierContent } from '../content.js';
import type { UsedEntity } from '../status.js';

/** The predefined TLP marking for restricted incidents (STIX 2.1, section 7.2.1.4). */
const TLP_AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';

/**
 * A dossier as a STIX 2.1 bundle: vendors as `identity`, governments as nation-state `threat-actor`s
 * `attributed-to` their `identity`, products as `malware` or `tool`, target countries as `location`,
 * each incident as a `report` whose object_refs name its findings, with `uses` (government → product,
 * only where the operator claim names the product, with its confidence 0–100), `attributed-to`
 * (product → its vendor), `targets` (product → country) and `indicates` (indicator → product, only
 * when the incident identified one product) relationships.
 *
 * The same record is the same object in every dossier and every product export, whatever the
 * dossier's language (stix/entities.ts): its id from its slug, `created`/`modified` from the record,
 * its English name, its Arabic name as `language-content`. What an incident states is dated by its
 * verification. Nothing is dated by the time of the export but the bundle.
 */
export function dossierStix(content: DossierContent, context: { entities: readonly UsedEntity[]; origin: string }): Buffer {
  const { entities, origin } = context;
  const at = content.generatedAt;
  const objects = new StixObjects();
  const recorded = new Map(entities.map((e) => [`${e.kind}:${e.slug}`, e]));
  const vendorSlugNamed = new Map(entities.filter((e) => e.kind === 'vendor').map((e) => [e.name, e.slug]));
  // What is recorded about an entity; the dossier's own text when the record was not collected.
  const record = (kind: UsedEntity['kind'], slug: string, fallback: RecordedEntity): RecordedEntity & { country?: string } => recorded.get(`${kind}:${slug}`) ?? fallback;
  objects.add(siteIdentity(origin));
  const vendorObject = (slug: string, name: string) => {
    const v = record('vendor', slug, { slug, name });
    return objects.named(vendorIdentity(v), v.nameAr);
  };
  for (const v of content.identity.vendors) vendorObject(v.slug, v.name);
  const productIds = new Map<string, string>();
  const productOf = (p: { slug: string; name: string; category: string; description?: string; aliases?: string[] }) => {
    const r = record('product', p.slug, { slug: p.slug, name: p.name });
    const id = objects.named({ ...productObject({ ...p, ...r, category: p.category }), created_by_ref: SITE }, r.nameAr);
    productIds.set(p.slug, id);
    return id;
  };
  for (const p of content.products) {
    const id = productOf(p);
    if (!p.vendor) continue;
    const product = objects.get(id)!;
    const vendor = vendorSlugNamed.has(p.vendor) ? vendorObject(vendorSlugNamed.get(p.vendor)!, p.vendor) : objects.add({ type: 'identity', spec_version: '2.1', id: stixId('identity', 'vendor-named', p.vendor), created: product.created, modified: product.modified, created_by_ref: SITE, name: p.vendor, identity_class: 'organization' });
    objects.add({ type: 'relationship', spec_version: '2.1', id: stixId('relationship', 'attributed-to', id, p.vendor), created: product.created, modified: product.modified, created_by_ref: SITE, relationship_type: 'attributed-to', source_ref: id, target_ref: vendor });
  }
  const countryOf = (code: string) => objects.named(countryLocation(code), arabicCountryName(code));
  // An indicator is dated by the earliest verification, in this dossier, of an incident that holds it.
  const indicatorDate = new Map<string, string>();
  for (const i of content.incidents) {
    for (const x of i.indicators) {
      const key = `${x.type}\u0000${x.value}`;
      const when = i.verifiedAt || at;
      if (!indicatorDate.has(key) || when < indicatorDate.get(key)!) indicatorDate.set(key, when);
    }
  }
  // Objects a restricted incident brings in, and those a public one does: what only restricted
  // incidents bring is marked TLP:AMBER like their reports, not only the reports.
  const usedByRestricted = new Set<string>();
  const usedByPublic = new Set<string>();
  for (const i of content.incidents) {
    const refs = new Set<string>();
    const verified = i.verifiedAt || at;
    const base = { spec_version: '2.1', created: verified, modified: verified, created_by_ref: SITE };
    // Findings only (incidents/claims.ts): leads are in the dossier's annex, not in its STIX objects.
    const findings = i.attributions.filter((a) => a.finding);
    // Products by the name the dossier gives them (its language): what an operator finding says it operated.
    const productByName = new Map<string, string>();
    for (const a of findings.filter((x) => x.kind === 'product')) productByName.set(a.name, productIds.get(a.slug) ?? productOf({ slug: a.slug, name: a.name, category: a.category ?? 'other' }));
    // A product an operator finding names as operated is a finding too (catalogue/entry.ts).
    for (const a of findings.filter((x) => x.kind === 'government' && x.operated && !productByName.has(x.operated))) {
      const p = content.products.find((x) => x.name === a.operated || x.nameAr === a.operated);
      if (p) productByName.set(a.operated!, productIds.get(p.slug) ?? productOf(p));
    }
    const products = [...productByName.values()];
    const governments = findings
      .filter((a) => a.kind === 'government')
      .map((a) => {
        const g = record('government', a.slug, { slug: a.slug, name: a.name });
        const { identity, actor, attributedTo } = governmentObjects(g);
        objects.named(identity, g.nameAr);
        objects.named(actor, g.nameAr);
        objects.add(attributedTo);
        refs.add(identity.id);
        return { claim: a, id: actor.id, name: g.name };
      });
    const vendors = findings.filter((a) => a.kind === 'vendor').map((a) => vendorObject(a.slug, a.name));
    const locations = i.countries.map((c) => countryOf(c.code));
    for (const id of [...products, ...governments.map((g) => g.id), ...vendors, ...locations]) refs.add(id);
    const relate = (type: string, source: string, target: string, extra: Record<string, unknown> = {}) => {
      refs.add(objects.add({ type: 'relationship', ...base, id: stixId('relationship', type, source, target, i.ref), relationship_type: type, source_ref: source, target_ref: target, ...extra }));
    };
    // A government uses a product only where its operator claim names that product: never crossed.
    // The description names both in English, whatever the dossier's language (one text per version).
    for (const { claim, id, name } of governments) {
      const product = claim.operated ? productByName.get(claim.operated) : undefined;
      if (product) relate('uses', id, product, { description: `${i.ref}: ${name} operated ${(objects.get(product)?.name as string | undefined) ?? claim.operated}`, confidence: STIX_CONFIDENCE[claim.confidence] ?? 0 });
    }
    for (const p of products) for (const l of locations) relate('targets', p, l, { description: i.ref });
    for (const indicator of i.indicators) {
      const date = indicatorDate.get(`${indicator.type}\u0000${indicator.value}`) ?? verified;
      const id = objects.add({ type: 'indicator', spec_version: '2.1', created: date, modified: date, created_by_ref: SITE, id: stixId('indicator', indicator.type, indicator.value), indicator_types: ['malicious-activity'], pattern: patternOf(indicator.type as IndicatorType, indicator.value), pattern_type: 'stix', pattern_version: '2.1', valid_from: date });
      refs.add(id);
      // Which product an indicator belongs to is known only when the incident identified one product.
      if (products.length === 1) relate('indicates', id, products[0]!);
    }
    const reportId = stixId('report', i.ref);
    objects.add({
      type: 'report',
      ...base,
      id: reportId,
      lang: i.language || 'en',
      name: `${i.ref}: ${i.title}`,
      description: i.summary,
      report_types: ['threat-report'],
      published: i.verifiedAt || at,
      object_refs: refs.size ? [...refs] : [objects.add(unknownLocation())],
      labels: [i.visibility === 'restricted' ? 'restricted' : 'public', 'verified'],
      ...(i.visibility === 'restricted' ? { object_marking_refs: [TLP_AMBER] } : {}),
      ...(i.sources.length ? { external_references: i.sources.map((s) => ({ source_name: s.publisher || s.title, description: s.title, ...(s.url ? { url: s.url } : {}) })) } : {}),
    });
    // A reviewer's translation travels as STIX language content (section 7.1), never as another name for the same id.
    if (i.translation) {
      const written = i.translation.updatedAt > verified ? i.translation.updatedAt : verified;
      objects.add({
        type: 'language-content',
        spec_version: '2.1',
        created: written,
        modified: written,
        created_by_ref: SITE,
        id: stixId('language-content', `${i.ref}:${i.translation.language}`),
        object_ref: reportId,
        object_modified: verified,
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
  // An Arabic name is as restricted as what it names.
  for (const o of objects.all()) if (o.type === 'language-content' && !o.object_marking_refs && objects.get(o.object_ref as string)?.object_marking_refs) o.object_marking_refs = [TLP_AMBER];
  const bundle = { type: 'bundle', id: stixId('bundle', content.id, String(content.version)), objects: objects.all() };
  return Buffer.from(JSON.stringify(bundle, null, 1), 'utf8');
}
