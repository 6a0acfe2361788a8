import type { Catalogue } from '../catalogue/index.js';
import type { Entry } from '../catalogue/entry.js';
import { earliest, latest } from '../facts/dates.js';
import { operatedBy, type StoredClaim } from '../incidents/claims.js';
import type { ProductDocument } from '../products/model.js';
import { stixId, stixTime } from './ids.js';
import { governmentObjects, productObject, SITE, siteIdentity, StixObjects, vendorIdentity } from './entities.js';
import { indicatorObjects, productIndicatorsWithIncidents, publisherIdentities } from './service.js';

/**
 * The full STIX 2.1 bundle of a product: what this site claims about it, one STIX object per claim,
 * never a crossed list (incidents/claims.ts).
 *
 * - each *identification* claim (the product was found on a target's device) is a `sighting` of the
 *   malware, with the claim's confidence, the incident's dates and its sources;
 * - each *operator* claim that names this product is a `uses` relationship from the government (a
 *   nation-state `threat-actor`, `attributed-to` its `identity`) to the malware;
 * - an operator claim that names another product, or links nothing, is not in this bundle at all;
 * - the vendor is an `identity` (organisation) `related-to` the malware.
 *
 * Confidence follows the STIX 2.1 "None/Low/Med/High" scale (Appendix A), with "confirmed" at 100;
 * a claim at 15 is a lead, which this site never counts as a finding. Only public incidents.
 */
export const STIX_CONFIDENCE: Record<string, number> = { low: 15, medium: 50, high: 85, confirmed: 100 };

type Claim = StoredClaim & { basis: string; sources: number[] };
type Source = { title: string; publisher?: string | null; url?: string | null };
type Doc = { attributions: Claim[]; sources: Source[]; visibility: string; verification?: { verifiedAt?: Date }; dates: { from: Entry['from']; to?: Entry['from'] } };

function references(entry: Entry, doc: Doc, claim: Claim, origin: string) {
  return [
    { source_name: 'surveillance-misuse-tracker', external_id: entry.ref, url: `${origin}/incidents/${entry.ref}` },
    ...claim.sources
      .map((n) => doc.sources[n])
      .filter((s): s is Source => Boolean(s))
      .map((s) => ({ source_name: (s.publisher || s.title).slice(0, 200), description: s.title, ...(s.url ? { url: s.url } : {}) })),
  ];
}

function timesOf(entry: Entry, doc: Doc) {
  const verified = doc.verification?.verifiedAt ?? new Date(entry.start);
  return { created: stixTime(verified), first: stixTime(earliest(entry.from)), last: stixTime(latest(entry.to ?? entry.from)) };
}

export async function productClaimsBundle(product: ProductDocument, c: Catalogue, origin: string) {
  const productId = String(product._id);
  const malware = { ...productObject(product), created_by_ref: SITE };
  const bundle = new StixObjects();
  const once = (object: Record<string, unknown>) => bundle.add(object);
  bundle.add(siteIdentity(origin));
  // Arabic names as language content, the object keeping its English name (stix/entities.ts).
  bundle.named(malware, product.nameAr);

  const vendor = product.vendor ? c.entities.byId.get(String(product.vendor)) : undefined;
  if (vendor) {
    const identity = vendorIdentity(vendor);
    bundle.named(identity, vendor.nameAr);
    once({ type: 'relationship', spec_version: '2.1', id: stixId('relationship', 'related-to', malware.id, identity.id), created: malware.created, modified: malware.modified, created_by_ref: SITE, relationship_type: 'related-to', source_ref: malware.id, target_ref: identity.id, description: `${product.name} is made and sold by ${vendor.name} (this site's corporate record).` });
  }

  const entries = c.all.filter((e) => e.attributions.some((a) => a.id === productId) || e.operations.some((o) => o.product === productId));
  for (const entry of entries) {
    const doc = entry.doc as unknown as Doc;
    if (doc.visibility !== 'public') continue;
    const time = timesOf(entry, doc);
    doc.attributions.forEach((claim, n) => {
      const common = { spec_version: '2.1', created: time.created, modified: time.created, created_by_ref: SITE, confidence: STIX_CONFIDENCE[claim.confidence] ?? 0, external_references: references(entry, doc, claim, origin) };
      if (claim.kind === 'product' && String(claim.product) === productId) {
        once({ type: 'sighting', id: stixId('sighting', entry.ref, String(n)), ...common, sighting_of_ref: malware.id, first_seen: time.first, last_seen: time.last, count: 1, description: `${entry.ref}: ${product.name} identified (${claim.confidence}). ${claim.basis}` });
        return;
      }
      if (claim.kind !== 'government' || operatedBy(claim).product !== productId) return;
      const government = c.entities.byId.get(String(claim.government));
      if (!government) return;
      const { identity, actor: threatActor, attributedTo } = governmentObjects(government);
      bundle.named(identity, government.nameAr);
      bundle.named(threatActor, government.nameAr);
      once(attributedTo);
      const actor = threatActor.id;
      once({ type: 'relationship', id: stixId('relationship', 'uses', entry.ref, String(n)), ...common, relationship_type: 'uses', source_ref: actor, target_ref: malware.id, start_time: time.first, stop_time: time.last === time.first ? new Date(Date.parse(time.last) + 1).toISOString() : time.last, description: `${entry.ref}: ${government.name}${claim.agency ? ` (${claim.agency})` : ''} operated ${product.name} (${claim.confidence}). ${claim.basis}` });
    });
  }

  const indicators = await productIndicatorsWithIncidents(product, c);
  // Imported indicators as their publisher wrote them, with the publisher's identity (created_by_ref).
  const authors = new Set(indicators.map((i) => i.published?.createdByRef).filter(Boolean));
  for (const o of await publisherIdentities(product._id)) if (authors.has(String(o.id))) once(o);
  for (const o of indicatorObjects(indicators, malware.id, true)) once(o);
  // The same claims give the same bundle id: exporting twice gives the same bundle.
  const objects = bundle.all();
  return { type: 'bundle', id: stixId('bundle', 'product-claims', product.slug, ...objects.map((o) => `${o.id as string}@${o.modified as string}`)), objects };
}
