import mongoose from 'mongoose';
import { recordAuditEvent, systemActor } from '../audit/index.js';
import { getSetting, setSetting } from '../settings/model.js';
import { unlinkedOperators } from './claims.js';
import { Incident } from './model.js';
import { publish } from '../events/index.js';

/**
 * Migration to attribution claims (incidents/claims.ts): earlier versions stored an incident's
 * operators beside its products without saying which operated which, and every page crossed them.
 * An operator claim now names what it operated. What this migration links, and what it does not:
 * - an incident that names exactly one product: its operators operated that product (the only
 *   chain the old pages could show; no crossing is possible);
 * - no product and exactly one vendor: its operators operated that vendor's (unidentified) product;
 * - anything else (two products, or two vendors): nothing is guessed. The operator claims stay
 *   unlinked (they link nothing on any page) and the incidents are listed for a reviewer to link
 *   (also on /review, "Operator claims to link", for as long as they stay unlinked).
 * Idempotent: only operator claims without a link are looked at. Audited (`incidents.operators-linked`).
 */
export const MIGRATION_KEY = 'migration:operator-links';

export interface MigrationResult {
  linked: number;
  incidents: number;
  needReview: string[];
}

export async function migrateOperatorLinks(): Promise<MigrationResult> {
  const result: MigrationResult = { linked: 0, incidents: 0, needReview: [] };
  const changed: unknown[] = [];
  for await (const doc of Incident.find({}, { ref: 1, attributions: 1 }).lean().cursor()) {
    const unlinked = doc.attributions.filter((a) => a.kind === 'government' && !a.product && !a.vendor);
    if (!unlinked.length) continue;
    const products = [...new Set(doc.attributions.filter((a) => a.kind === 'product' && a.product).map((a) => String(a.product)))];
    const vendors = [...new Set(doc.attributions.filter((a) => a.kind === 'vendor' && a.vendor).map((a) => String(a.vendor)))];
    const link = products.length === 1 ? { product: new mongoose.Types.ObjectId(products[0]) } : !products.length && vendors.length === 1 ? { vendor: new mongoose.Types.ObjectId(vendors[0]) } : undefined;
    if (!link) {
      if (unlinkedOperators(doc.attributions).length) result.needReview.push(doc.ref);
      continue;
    }
    const attributions = doc.attributions.map((a) => (a.kind === 'government' && !a.product && !a.vendor ? { ...a, ...link } : a));
    await Incident.updateOne({ _id: doc._id }, { $set: { attributions } });
    result.linked += unlinked.length;
    result.incidents += 1;
    changed.push(doc._id);
  }
  if (changed.length) await publish({ kind: 'incidents-changed', ids: changed });
  await recordAuditEvent({ actor: systemActor, action: 'incidents.operators-linked', subject: { type: 'migration', id: MIGRATION_KEY }, details: { ...result } });
  await setSetting(MIGRATION_KEY, { at: new Date().toISOString(), ...result });
  return result;
}

/** Start-up: runs the migration once per database (later runs are `npm run cli -- migrate`). */
export async function migrateOnce(): Promise<MigrationResult | undefined> {
  if (await getSetting(MIGRATION_KEY)) return undefined;
  return migrateOperatorLinks();
}
