import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { recordAuditEvent, userActor } from '../audit/index.js';
import { createActiveUser } from '../auth/service.js';
import { User } from '../auth/model.js';
import type { Config } from '../config.js';
import { insertWithNextRef } from '../db/sequence.js';
import { earliest, latest, parseFuzzyDate } from '../facts/dates.js';
import { Government } from '../governments/model.js';
import { createGovernment } from '../governments/service.js';
import { Incident } from '../incidents/model.js';
import { Product } from '../products/model.js';
import { createProduct } from '../products/service.js';
import { getSetting, setSetting } from '../settings/model.js';
import { Review } from '../verification/model.js';
import { numberReview } from '../verification/service.js';
import { Vendor } from '../vendors/model.js';
import { createVendor } from '../vendors/service.js';
import { demoActions, demoGovernments, demoIncidents, demoProducts, demoVendors } from './demo-data.js';
import { createAction } from '../listings/service.js';
import { publish } from '../events/index.js';

const seedActor = { type: 'cli' as const, label: 'seed' };
const day = (d?: string) => (d ? new Date(`${d}T00:00:00Z`) : undefined);

async function reviewer(n: number, settings: Config) {
  const email = `demo-reviewer-${n}@demo.invalid`;
  const existing = await User.findOne({ email });
  if (existing) return { user: existing, password: null, totpSecret: null };
  const password = randomBytes(18).toString('base64url');
  const { user, totpSecret } = await createActiveUser({ email, name: `Demo reviewer ${n}`, roles: ['reviewer'], password, settings, actor: seedActor });
  return { user, password, totpSecret };
}

/** Loads the demonstration dataset once; a second run changes nothing. */
export async function seedDemo(config: Config): Promise<Record<string, unknown>> {
  if (await getSetting('demoData')) return { demo: 'already loaded' };
  const reviewers = [await reviewer(1, config), await reviewer(2, config)];

  const vendorIds = new Map<string, mongoose.Types.ObjectId>();
  for (const v of demoVendors) {
    const { parent, formerNames, ...rest } = v;
    const created = await createVendor(seedActor, {
      ...rest,
      website: (rest as { website?: string }).website,
      hqCountry: rest.hqCountry,
      parent: parent ? String(vendorIds.get(parent)) : undefined,
      successor: undefined,
      formerNames: ((formerNames ?? []) as { name: string; to?: string }[]).map((f) => ({ name: f.name, from: undefined, to: day(f.to) })),
    });
    vendorIds.set(v.slug, created._id);
  }
  for (const a of demoActions) {
    await createAction(seedActor, { ...a, regime: a.regime as never, kind: a.kind as never, date: day(a.date)!, entities: a.entities.map((e) => ({ vendor: String(vendorIds.get(e.vendor)), asNamed: e.asNamed })) });
  }
  const productIds = new Map<string, mongoose.Types.ObjectId>();
  for (const p of demoProducts) {
    const created = await createProduct(seedActor, { ...p, vendor: String(vendorIds.get(p.vendor)), formerVendors: [], category: p.category as never });
    productIds.set(p.slug, created._id);
  }
  const governmentIds = new Map<string, mongoose.Types.ObjectId>();
  for (const g of demoGovernments) {
    const created = await createGovernment(seedActor, { ...g, summary: '', summaryAr: '', agencies: (g.agencies ?? []) as never });
    governmentIds.set(g.slug, created._id);
  }

  for (const demo of demoIncidents) {
    const from = parseFuzzyDate(demo.from)!;
    const to = demo.to ? parseFuzzyDate(demo.to) : undefined;
    const ids = { product: productIds, vendor: vendorIds, government: governmentIds };
    const attributions = demo.attributions.map((a) => ({ kind: a.kind, [a.kind]: ids[a.kind].get(a.slug), ...(a.operated ? { product: productIds.get(a.operated) } : {}), confidence: a.confidence, basis: a.basis, sources: a.sources }));
    const attributedProducts = demo.attributions.filter((a) => a.kind === 'product').map((a) => a.slug);
    const vendorsOf = new Set([
      ...demo.attributions.filter((a) => a.kind === 'vendor').map((a) => String(vendorIds.get(a.slug))),
      ...attributedProducts.map((slug) => String(vendorIds.get(demoProducts.find((p) => p.slug === slug)!.vendor))),
    ]);
    const verifiedAt = new Date();
    const incident = await insertWithNextRef(Incident as never, 'I', () => ({
      title: demo.title,
      summary: demo.summary,
      lang: 'en',
      ...(demo.ar ? { translation: { lang: 'ar', ...demo.ar, updatedAt: verifiedAt } } : {}),
      dates: { from, ...(to ? { to } : {}), start: earliest(from), end: latest(to ?? from) },
      countries: demo.countries,
      targets: demo.targets.map((t) => ({ ...t, consentToPublish: false })),
      attributions,
      sources: demo.sources.map((s) => ({ ...s, date: day(s.date) })),
      visibility: 'public',
      verification: { status: 'verified', round: 1, verifiedAt },
      published: true,
      year: from.y,
      productIds: attributedProducts.map((s) => productIds.get(s)),
      vendorIds: [...vendorsOf],
      governmentIds: demo.attributions.filter((a) => a.kind === 'government').map((a) => governmentIds.get(a.slug)),
    }));
    const ref = (incident as unknown as { ref: string }).ref;
    await recordAuditEvent({ actor: seedActor, action: 'incident.created', subject: { type: 'incident', id: ref }, details: { seed: 'demo' } });
    for (const r of reviewers) {
      const review = await Review.create({
        incident: (incident as unknown as { _id: mongoose.Types.ObjectId })._id,
        round: 1,
        reviewer: r.user._id,
        decision: 'approve',
        checklist: { sourceIdentified: true, technicalEvidence: true, corroborated: true, riskConsidered: true },
        note: 'Demonstration data: summarised from the cited public report.',
        at: verifiedAt,
      });
      await numberReview(review.incident, review._id);
      await recordAuditEvent({ actor: userActor({ id: r.user.id, roles: ['reviewer'] }), action: 'incident.review.approve', subject: { type: 'incident', id: ref }, details: { round: 1, seed: 'demo' } });
    }
    await recordAuditEvent({ actor: seedActor, action: 'incident.verified', subject: { type: 'incident', id: ref }, details: { round: 1, seed: 'demo' } });
  }
  await setSetting('demoData', { loadedAt: new Date().toISOString() });
  await publish({ kind: 'replaced' });
  await recordAuditEvent({ actor: seedActor, action: 'seed.demo', details: { vendors: demoVendors.length, products: demoProducts.length, governments: demoGovernments.length, incidents: demoIncidents.length } });
  return {
    demo: 'loaded',
    vendors: await Vendor.countDocuments({}),
    products: await Product.countDocuments({}),
    governments: await Government.countDocuments({}),
    incidents: demoIncidents.length,
    reviewers: reviewers.map((r) => ({ email: r.user.email, password: r.password, totpSecret: r.totpSecret })),
  };
}
