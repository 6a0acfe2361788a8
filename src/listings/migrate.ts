import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { recordAuditEvent, systemActor } from '../audit/index.js';
import { Vendor } from '../vendors/model.js';
import { OfficialAction, type ActionKind } from './model.js';
import { publish } from '../events/index.js';

interface StoredListing {
  regime: string;
  status: 'listed' | 'proposed' | 'removed';
  date?: Date;
  citation?: string;
  url?: string;
}

const KIND_OF: Record<StoredListing['status'], ActionKind> = { listed: 'listing', proposed: 'proposal', removed: 'removal' };

/**
 * Earlier versions kept listings inside each vendor record; they are official actions now
 * (listings/model.ts). Rows that name the same regime, status, date, citation and address become
 * one action naming each of those vendors. The action's slug is derived from those fields, so two
 * processes migrating at once insert it once (unique index) and the second insert is refused.
 * The vendors' old field is removed afterwards. Idempotent; audited (`listings.migrated`).
 */
export async function migrateListings(): Promise<{ actions: number; vendors: number }> {
  const vendors = await Vendor.collection.find({ 'listings.0': { $exists: true } }, { projection: { listings: 1 } }).toArray();
  if (!vendors.length) return { actions: 0, vendors: 0 };
  const groups = new Map<string, { listing: StoredListing; vendors: mongoose.Types.ObjectId[] }>();
  for (const v of vendors) {
    for (const l of v.listings as StoredListing[]) {
      const key = JSON.stringify([l.regime, l.status, l.date ? l.date.toISOString().slice(0, 10) : '', l.citation ?? '', l.url ?? '']);
      if (!groups.has(key)) groups.set(key, { listing: l, vendors: [] });
      groups.get(key)!.vendors.push(v._id);
    }
  }
  let created = 0;
  for (const [key, { listing, vendors: named }] of groups) {
    const slug = `${listing.regime}-${listing.date ? listing.date.toISOString().slice(0, 10) : 'undated'}-${createHash('sha256').update(key).digest('hex').slice(0, 6)}`;
    try {
      await OfficialAction.create({ slug, regime: listing.regime as never, kind: KIND_OF[listing.status], date: listing.date, citation: listing.citation || listing.regime, url: listing.url, entities: named.map((vendor) => ({ vendor, asNamed: '' })) });
      created++;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
  await Vendor.collection.updateMany({ _id: { $in: vendors.map((v) => v._id) } }, { $unset: { listings: '' } });
  await publish({ kind: 'entities-changed' });
  await recordAuditEvent({ actor: systemActor, action: 'listings.migrated', subject: { type: 'official-action', id: 'all' }, details: { actions: created, vendors: vendors.length } });
  return { actions: created, vendors: vendors.length };
}
