import mongoose, { Schema } from 'mongoose';
import type { Catalogue } from '../catalogue/index.js';
import { evasionFlags, rankCandidates, type Flag } from './candidates.js';
import { REGIMES } from '../vendors/model.js';

/**
 * Following a vendor, a regime or the candidates list. What was there when the follower last looked
 * is kept as keys; what is there now and was not is news (the in-app notice on /watching).
 * The `_id` is user:kind:key, so following twice (two tabs, a double click) inserts once.
 */
export const WATCH_KINDS = ['vendor', 'regime', 'candidates'] as const;
export type WatchKind = (typeof WATCH_KINDS)[number];

const watchSchema = new Schema(
  {
    _id: { type: String, required: true },
    user: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    kind: { type: String, enum: WATCH_KINDS, required: true },
    key: { type: String, default: '' },
    seen: { type: [String], default: [] },
    /** what the follower was already told about (listings/watch-notify.ts), besides what they saw */
    notified: { type: [String], default: [] },
    seenAt: { type: Date, required: true },
  },
  { timestamps: true, versionKey: false },
);
watchSchema.index({ user: 1 });

export const Watch = mongoose.model('Watch', watchSchema);

export interface WatchItem {
  key: string;
  kind: 'finding' | 'action' | 'flag' | 'candidate';
  /** finding: incident ref; action: action slug; flag: the flag; candidate: vendor slug */
  ref?: string;
  flag?: Flag;
}

export function watchId(user: string, kind: WatchKind, key: string): string {
  return `${user}:${kind}:${key}`;
}

/** Whether the thing to follow exists: a vendor slug, a regime, or the candidates list (no key). */
export function validTarget(c: Catalogue, kind: WatchKind, key: string): boolean {
  if (kind === 'vendor') return Boolean(c.entities.bySlug('vendor', key));
  if (kind === 'regime') return (REGIMES as readonly string[]).includes(key);
  return key === '';
}

const flagKey = (f: Flag) => `flag:${f.kind}:${f.regime}:${f.subject.slug}:${f.listed.slug}`;

/** Everything a follower of this target is told about, now. */
export function watchItems(c: Catalogue, kind: WatchKind, key: string): WatchItem[] {
  if (kind === 'vendor') {
    const vendor = c.entities.bySlug('vendor', key);
    if (!vendor) return [];
    const findings = c.select({ vendorIds: c.entities.vendorFamily(vendor.id) });
    const flags = evasionFlags(c, {}).filter((f) => f.listed.slug === key || f.subject.slug === key);
    return [
      ...findings.map((e) => ({ key: `finding:${e.ref}`, kind: 'finding' as const, ref: e.ref })),
      ...c.entities.actionsOf(vendor.id).map((a) => ({ key: `action:${a.slug}`, kind: 'action' as const, ref: a.slug })),
      ...flags.map((f) => ({ key: flagKey(f), kind: 'flag' as const, flag: f })),
    ];
  }
  if (kind === 'regime') {
    return [
      ...c.entities.actions.filter((a) => a.regime === key).map((a) => ({ key: `action:${a.slug}`, kind: 'action' as const, ref: a.slug })),
      ...evasionFlags(c, { regime: key }).map((f) => ({ key: flagKey(f), kind: 'flag' as const, flag: f })),
    ];
  }
  return [
    ...rankCandidates(c, {}, new Date()).candidates.map((k) => ({ key: `candidate:${k.slug}`, kind: 'candidate' as const, ref: k.slug })),
    ...evasionFlags(c, {}).map((f) => ({ key: flagKey(f), kind: 'flag' as const, flag: f })),
  ];
}

/** Follow: one insert, decided by the unique `_id`; following again changes nothing. */
export async function follow(c: Catalogue, user: string, kind: WatchKind, key: string): Promise<'followed' | 'already'> {
  try {
    await Watch.create({ _id: watchId(user, kind, key), user, kind, key, seen: watchItems(c, kind, key).map((i) => i.key), seenAt: new Date() });
    return 'followed';
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return 'already';
    throw err;
  }
}

export async function unfollow(user: string, id: string): Promise<boolean> {
  if (!id.startsWith(`${user}:`)) return false;
  return (await Watch.deleteOne({ _id: id })).deletedCount === 1;
}

/** Mark what is there now as seen (by `_id`; marking twice is harmless). */
export async function markSeen(c: Catalogue, user: string, id: string): Promise<boolean> {
  if (!id.startsWith(`${user}:`)) return false;
  const watch = await Watch.findById(id).lean();
  if (!watch) return false;
  await Watch.updateOne({ _id: id }, { $set: { seen: watchItems(c, watch.kind, watch.key).map((i) => i.key), notified: [], seenAt: new Date() } });
  return true;
}

export async function watchesOf(c: Catalogue, user: string) {
  const watches = await Watch.find({ user }).sort({ createdAt: 1 }).lean();
  return watches.map((w) => {
    const seen = new Set(w.seen);
    const news = watchItems(c, w.kind, w.key).filter((i) => !seen.has(i.key));
    return { id: w._id, kind: w.kind, key: w.key, seenAt: w.seenAt, news };
  });
}
