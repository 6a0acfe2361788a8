import mongoose from 'mongoose';
import { Government } from '../governments/model.js';
import type { IncidentRecord } from '../incidents/model.js';
import { catalogue } from '../catalogue/index.js';
import { Product } from '../products/model.js';
import { Vendor } from '../vendors/model.js';
import { verifySignature, type Signer } from '../signing/index.js';
import type { DossierContent, SincePrevious } from './content.js';
import { Dossier, type DossierDocument } from './model.js';

/**
 * Whether a signed dossier still says what the record says. A signature proves a dossier is the
 * site's and unchanged; it cannot say that an incident in it was retracted afterwards. So each
 * dossier records the version (verification round and status) of every incident it used, and its
 * status is computed against the record now:
 * - current: every incident is still verified in the round it was signed in;
 * - superseded: an incident was retracted, disputed, sent back or substantively edited (a new round),
 *   a vendor, product or government it names was edited or deleted (each dossier also records their
 *   last edit), or a newer version of the same dossier exists; the changes say which, how and when.
 * The site publishes a signed status list (`/dossiers/status.json`) so the offline verifier can say
 * the same without a database.
 */
export interface UsedIncident {
  id: string;
  ref: string;
  round: number;
  /** Whether the incident was public when signed: only public references are named in the public status list. */
  public: boolean;
}

/** The incidents a dossier's content was built from (kept beside the content, not in it). */
export const usedIncidents = new WeakMap<DossierContent, UsedIncident[]>();

/** A vendor, product or government a dossier names, as it was when signed (its last edit). */
export interface UsedEntity {
  kind: 'vendor' | 'product' | 'government';
  id: string;
  slug: string;
  updatedAt: Date;
  /** As recorded (English name, Arabic name, creation, a government's country): the dossier's STIX objects (stix/entities.ts). */
  name: string;
  nameAr: string;
  createdAt: Date;
  country?: string;
}
export const usedEntities = new WeakMap<DossierContent, UsedEntity[]>();

export interface Change {
  /** An incident's reference, or the slug of a vendor, product or government (`kind` then says which). */
  ref: string;
  kind?: UsedEntity['kind'];
  how: 'retracted' | 'disputed' | 'sent-back' | 'in-review' | 'edited' | 'missing' | 'entity-edited' | 'entity-deleted';
  at?: string;
}

export interface DossierStatus {
  status: 'current' | 'superseded';
  changes: Change[];
  replacedBy?: string;
}

type UsedRecord = { id: unknown; ref: string; round: number; public: boolean };
type UsedEntityRecord = { kind: UsedEntity['kind']; id: unknown; slug: string; updatedAt: Date };

/** When each entity the dossiers name was last edited (id → updatedAt); absent when deleted. */
async function entitiesNow(dossiers: DossierDocument[]): Promise<Map<string, Date>> {
  const used = dossiers.flatMap((d) => (d.entities ?? []) as UsedEntityRecord[]);
  const out = new Map<string, Date>();
  for (const [kind, model] of [['vendor', Vendor], ['product', Product], ['government', Government]] as const) {
    const ids = [...new Set(used.filter((u) => u.kind === kind).map((u) => String(u.id)))];
    if (!ids.length) continue;
    const rows = await (model as unknown as mongoose.Model<{ updatedAt: Date }>).find({ _id: mongoose.trusted({ $in: ids.map((id) => new mongoose.Types.ObjectId(id)) }) } as never, { updatedAt: 1 }).lean();
    for (const r of rows) out.set(String(r._id), r.updatedAt);
  }
  return out;
}

export async function dossierStatuses(dossiers: DossierDocument[]): Promise<Map<string, DossierStatus>> {
  const ids = [...new Set(dossiers.flatMap((d) => ((d.used ?? []) as UsedRecord[]).map((u) => String(u.id))))];
  // Every incident is in the read model (published entries and the working set): no read of the incidents.
  const c = await catalogue();
  const now = new Map(ids.flatMap((id) => {
    const doc = (c.byId.get(id)?.doc ?? c.working.get(id)) as unknown as IncidentRecord | undefined;
    return doc ? [[id, doc] as const] : [];
  }));
  const entityNow = await entitiesNow(dossiers);
  const latest = new Map<string, { ref: string; version: number }>();
  for (const d of await Dossier.find({ paramsKey: mongoose.trusted({ $in: [...new Set(dossiers.map((d) => d.paramsKey))] }) } as never, { ref: 1, paramsKey: 1, version: 1 }).lean()) {
    const seen = latest.get(d.paramsKey);
    if (!seen || seen.version < d.version) latest.set(d.paramsKey, d);
  }
  const out = new Map<string, DossierStatus>();
  for (const d of dossiers) {
    const changes: Change[] = [];
    for (const u of (d.used ?? []) as UsedRecord[]) {
      const i = now.get(String(u.id));
      const status = i?.verification?.status;
      if (!i) changes.push({ ref: u.ref, how: 'missing' });
      else if (status === 'retracted') changes.push({ ref: u.ref, how: 'retracted', ...(i.retraction?.at ? { at: i.retraction.at.toISOString() } : {}) });
      else if (status === 'disputed') changes.push({ ref: u.ref, how: 'disputed', at: (i as { updatedAt?: Date }).updatedAt?.toISOString() });
      else if (status === 'draft') changes.push({ ref: u.ref, how: 'sent-back', at: (i as { updatedAt?: Date }).updatedAt?.toISOString() });
      else if (status === 'in-review') changes.push({ ref: u.ref, how: 'in-review', at: (i as { updatedAt?: Date }).updatedAt?.toISOString() });
      else if ((i.verification?.round ?? 0) !== u.round) changes.push({ ref: u.ref, how: 'edited', at: i.verification?.verifiedAt?.toISOString() });
    }
    // Reference data the dossier names (names, vendors of products, parents, listings): edited since?
    for (const u of (d.entities ?? []) as UsedEntityRecord[]) {
      const now = entityNow.get(String(u.id));
      if (!now) changes.push({ ref: u.slug, kind: u.kind, how: 'entity-deleted' });
      else if (now.getTime() > new Date(u.updatedAt).getTime()) changes.push({ ref: u.slug, kind: u.kind, how: 'entity-edited', at: now.toISOString() });
    }
    const newest = latest.get(d.paramsKey);
    const replacedBy = newest && newest.version > d.version ? newest.ref : undefined;
    out.set(d.ref, { status: changes.length || replacedBy ? 'superseded' : 'current', changes, ...(replacedBy ? { replacedBy } : {}) });
  }
  return out;
}

export async function dossierStatus(dossier: DossierDocument): Promise<DossierStatus> {
  return (await dossierStatuses([dossier])).get(dossier.ref)!;
}

export interface StatusEntry {
  id: string;
  version: number;
  manifestSha256: string;
  status: 'current' | 'superseded';
  /** Changed incidents by reference where the incident was public when signed; the others counted. */
  changes: Change[];
  otherChanges: number;
  replacedBy?: string;
}

export interface SignedStatusList {
  format: 'tracker-dossier-status/1';
  /** The list as signed (a JSON string): verify the signature over exactly these bytes, then parse it. */
  list: string;
  keyId: string;
  signature: string;
}

/** A dossier's status as anyone may read it: restricted incidents are counted, not named. */
function publicEntry(d: DossierDocument, s: DossierStatus): StatusEntry {
  const publicRefs = new Set(((d.used ?? []) as UsedRecord[]).filter((u) => u.public).map((u) => u.ref));
  // Reference data is public; incidents are named only if they were public when signed.
  const changes = s.changes.filter((c) => c.kind || publicRefs.has(c.ref));
  return { id: d.ref, version: d.version, manifestSha256: d.manifestSha256, status: s.status, changes, otherChanges: s.changes.length - changes.length, ...(s.replacedBy ? { replacedBy: s.replacedBy } : {}) };
}

/** The public status of the dossier a verified archive is (by reference and manifest hash), if this site made it. */
export async function publicStatusOf(ref: string, manifestSha256: string): Promise<StatusEntry | undefined> {
  const d = await Dossier.findOne({ ref, manifestSha256 });
  return d ? publicEntry(d, await dossierStatus(d)) : undefined;
}

/** Every dossier's status, signed with the site's key. */
export async function signedStatusList(signer: Signer): Promise<SignedStatusList> {
  const dossiers = await Dossier.find({}).sort({ refYear: 1, refSeq: 1 });
  const statuses = await dossierStatuses(dossiers);
  const entries: StatusEntry[] = dossiers.map((d) => publicEntry(d, statuses.get(d.ref)!));
  const list = JSON.stringify({ format: 'tracker-dossier-status/1', generatedAt: new Date().toISOString(), keyId: signer.keyId, dossiers: entries });
  return { format: 'tracker-dossier-status/1', list, keyId: signer.keyId, signature: signer.sign(list) };
}

/**
 * Offline: the status of one dossier in a signed status list (no database). Undefined `entry` when
 * the list does not name it; `trusted` false when the signature does not verify with the key.
 */
export function statusFromList(signed: SignedStatusList, publicKeyPem: string, dossier: string, manifestSha256: string): { trusted: boolean; entry?: StatusEntry; generatedAt?: string } {
  if (typeof signed?.list !== 'string' || typeof signed.signature !== 'string' || !verifySignature(publicKeyPem, signed.list, signed.signature)) return { trusted: false };
  const parsed = JSON.parse(signed.list) as { generatedAt: string; dossiers: StatusEntry[] };
  const entry = parsed.dossiers.find((d) => d.id === dossier && d.manifestSha256 === manifestSha256);
  return { trusted: true, generatedAt: parsed.generatedAt, ...(entry ? { entry } : {}) };
}

/**
 * What a new version says changed since the previous one of the same dossier (the newest earlier
 * version on record): incidents added or removed, incidents verified again in a new round, and
 * reference records edited. Undefined for a first version.
 */
export async function sincePrevious(paramsKey: string, version: number, content: DossierContent): Promise<SincePrevious | undefined> {
  if (version <= 1) return undefined;
  const [before] = await Dossier.find({ paramsKey, version: mongoose.trusted({ $lt: version }) } as never).sort({ version: -1 }).limit(1).lean();
  if (!before) return undefined;
  const then = new Map(((before.used ?? []) as UsedRecord[]).map((u) => [String(u.id), u]));
  const used = usedIncidents.get(content) ?? [];
  const nowIds = new Set(used.map((u) => u.id));
  const entitiesThen = new Map(((before.entities ?? []) as UsedEntityRecord[]).map((e) => [String(e.id), e]));
  return {
    id: before.ref,
    version: before.version,
    generatedAt: before.generatedAt.toISOString(),
    added: used.filter((u) => !then.has(u.id)).map((u) => u.ref),
    removed: [...then.values()].filter((u) => !nowIds.has(String(u.id))).map((u) => u.ref),
    reverified: used.filter((u) => then.has(u.id) && then.get(u.id)!.round !== u.round).map((u) => u.ref),
    entitiesEdited: (usedEntities.get(content) ?? [])
      .filter((e) => entitiesThen.has(e.id) && new Date(entitiesThen.get(e.id)!.updatedAt).getTime() !== e.updatedAt.getTime())
      .map((e) => ({ kind: e.kind, slug: e.slug })),
  };
}
