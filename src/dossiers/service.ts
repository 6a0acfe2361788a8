import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { claim, releaseClaim } from '../db/claims.js';
import mongoose from 'mongoose';
import { chainHead, recordAuditEvent, type AuditActor } from '../audit/index.js';
import { notFound } from '../http/errors.js';
import type { Signer } from '../signing/index.js';
import type { SealedFileStore } from '../storage/sealed-files.js';
import { collectDossier, type DossierParams } from './content.js';
import { sincePrevious, usedEntities, usedIncidents } from './status.js';
import { dossierCsv } from './formats/csv.js';
import { DOSSIER_CSS, dossierHtml, dossierPdf } from './formats/document.js';
import { dossierStix } from './formats/stix.js';
import { Dossier, type DossierDocument } from './model.js';
import { DOSSIER_SCHEMA, MANIFEST, SIGNATURE, VERIFIER, sha256, signFiles, readArchive, zipStream } from './package.js';

export const PUBLIC_KEY_PATH = '/.well-known/tracker-signing-key.pem';

export interface DossierDeps {
  store: SealedFileStore;
  signer: Signer;
  baseUrl: string;
  /** The most incidents a dossier may hold (DOSSIER_MAX_INCIDENTS): more is DossierTooLarge, and nothing is made. */
  maxIncidents: number;
}

function readme(id: string, keyUrl: string): Buffer {
  return Buffer.from(
    `Evidence dossier ${id}

dossier.pdf         the dossier, printable (A4)
dossier.html        the same, for a browser (with dossier.css)
dossier.json        the same as data
dossier.schema.json the JSON Schema (2020-12) of dossier.json
incidents.csv       the incident table
dossier.stix.json   the same as a STIX 2.1 bundle
manifest.json       every file's name, size and SHA-256 (all files above)
manifest.sig        Ed25519 signature of manifest.json
verify-dossier.mjs  a verifier for Node.js 18+ (built-in modules only). NOT signed: whoever could
                    change this ZIP could change it. Take it from the site (/dossiers/verify-dossier.mjs,
                    SHA-256 on /dossiers/verify), or read it, or use OpenSSL below.

Check it with the site's public key (${keyUrl}), saved as tracker-signing-key.pem:
  node verify-dossier.mjs ${id}.zip tracker-signing-key.pem
or with OpenSSL 3 and sha256sum, in a folder holding only the unpacked files:
  1. openssl pkeyutl -verify -pubin -inkey tracker-signing-key.pem -rawin -in manifest.json -sigfile manifest.sig
     (prints "Signature Verified Successfully")
  2. sha256sum README.txt dossier.*  incidents.csv
     and compare each line with the file's "sha256" in manifest.json; no file may be missing,
     and no other file may be present (except verify-dossier.mjs).
  A valid signature does not say the dossier is still current: see /dossiers/status.json.

ملف أدلة ${id}: يمكن التحقق من سلامته بالمفتاح العام للموقع كما هو موضح أعلاه.
`,
    'utf8',
  );
}

export function paramsKey(params: DossierParams): string {
  const s = params.subject;
  return [s.kind, s.kind === 'filter' ? s.query : s.slug, params.audience, params.framing].join('|');
}

/** The first number from `from` up whose claim this caller wins (db/claims.ts), with its release. */
async function takeNumber(name: (n: number) => string, from: number, by: string): Promise<{ n: number; release: () => Promise<void> }> {
  for (let n = from; ; n++) {
    if (await claim(name(n), by)) return { n, release: () => releaseClaim(name(n)) };
  }
}

/**
 * Generates a dossier: takes its number and version (claims, so generations at once never render
 * the same number twice and none is made again), collects the record, renders every format, signs
 * the manifest, stores the archive sealed, and only then writes its record and the audit event (a
 * failure at any step leaves nothing half-made and gives the number back).
 */
export async function generateDossier(deps: DossierDeps, params: DossierParams, actor: AuditActor & { id: string; roles: string[] }): Promise<DossierDocument> {
  const key = paramsKey(params);
  const started = performance.now();
  const generatedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const year = generatedAt.getUTCFullYear();
  // The stored records are only where to start looking; the claims decide.
  const [last, existing] = await Promise.all([Dossier.findOne({ refYear: year }, { refSeq: 1 }).sort({ refSeq: -1 }).lean(), Dossier.countDocuments({ paramsKey: key })]);
  const number = await takeNumber((n) => `dossier:${year}:${n}`, (last?.refSeq ?? 0) + 1, actor.id);
  const versioned = await takeNumber((n) => `dossier-version:${createHash('sha256').update(key).digest('hex').slice(0, 24)}:${n}`, existing + 1, actor.id).catch(async (err: unknown) => {
    await number.release();
    throw err;
  });
  try {
    return await renderAndStore(deps, params, actor, { key, started, generatedAt, year, seq: number.n, version: versioned.n });
  } catch (err) {
    await Promise.all([number.release(), versioned.release()]);
    throw err;
  }
}

async function renderAndStore(
  deps: DossierDeps,
  params: DossierParams,
  actor: AuditActor & { id: string; roles: string[] },
  { key, started, generatedAt, year, seq, version }: { key: string; started: number; generatedAt: Date; year: number; seq: number; version: number },
): Promise<DossierDocument> {
  const id = `D-${year}-${String(seq).padStart(5, '0')}`;
  const content = await collectDossier(params, { id, version, generatedAt, roles: actor.roles, baseUrl: deps.baseUrl, maxIncidents: deps.maxIncidents });
  if (!content) throw notFound();
  content.auditHead = await chainHead();
  const previous = await sincePrevious(key, version, content);
  if (previous) content.previous = previous;
  const timings: Record<string, number> = { collect: performance.now() - started };
  const time = async <T>(name: string, make: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await make();
    timings[name] = Math.round(performance.now() - t0);
    return out;
  };
  timings.collect = Math.round(timings.collect!);
  const keyUrl = `${deps.baseUrl}${PUBLIC_KEY_PATH}`;
  const json = await time('json', () => Buffer.from(`${JSON.stringify(content, null, 2)}\n`, 'utf8'));
  const csv = await time('csv', () => dossierCsv(content));
  const stix = await time('stix', () => dossierStix(content, { entities: usedEntities.get(content) ?? [], origin: deps.baseUrl }));
  const html = await time('html', () => dossierHtml(content, { keyId: deps.signer.keyId, keyUrl }));
  const pdf = await time('pdf', () => dossierPdf(html, id));
  const files = new Map<string, Buffer>([
    ['README.txt', readme(id, keyUrl)],
    ['dossier.pdf', pdf],
    ['dossier.html', html],
    ['dossier.css', DOSSIER_CSS],
    ['dossier.json', json],
    ['incidents.csv', csv],
    ['dossier.stix.json', stix],
    ['dossier.schema.json', DOSSIER_SCHEMA],
  ]);
  const { manifest, signature } = signFiles(files, { dossier: id, version, generatedAt: content.generatedAt, publicKeyUrl: keyUrl, auditHead: content.auditHead }, deps.signer);
  files.set(MANIFEST, manifest);
  files.set(SIGNATURE, signature);
  // Outside the signed set (the manifest does not list it): a convenience copy of the verifier.
  files.set('verify-dossier.mjs', VERIFIER);
  // Zipped, sealed and written as it is zipped: the archive is never held whole.
  const archive = await time('zip', () => deps.store.writeFrom(zipStream(files, generatedAt)));
  const file = archive.id;
  timings.total = Math.round(performance.now() - started);
  try {
    const subject = params.subject;
    const dossier = await Dossier.create({
      ref: id,
      refYear: year,
      refSeq: seq,
      subject: { kind: subject.kind, slug: subject.kind === 'filter' ? '' : subject.slug, name: content.subject.name, query: subject.kind === 'filter' ? subject.query : '' },
      audience: params.audience,
      framing: params.framing,
      language: params.language,
      paramsKey: key,
      version,
      incidents: content.incidents.length,
      generatedBy: actor.id,
      generatedByRoles: actor.roles,
      generatedAt,
      files: [...files.entries()].map(([name, data]) => ({ name, size: data.length, sha256: sha256(data) })),
      manifestSha256: sha256(manifest),
      keyId: deps.signer.keyId,
      archive: { file, size: archive.size, sha256: archive.sha256 },
      auditHead: content.auditHead,
      used: usedIncidents.get(content) ?? [],
      entities: usedEntities.get(content) ?? [],
      timings,
    });
    await recordAuditEvent({
      actor,
      action: 'dossier.generate',
      subject: { type: 'dossier', id },
      details: { subject: key, language: params.language, incidents: content.incidents.length, restricted: content.summary.restrictedIncidents, manifestSha256: dossier.manifestSha256, archiveSha256: dossier.archive!.sha256 },
    });
    return dossier;
  } catch (err) {
    deps.store.remove(file);
    throw err;
  }
}

export async function findDossier(ref: string): Promise<DossierDocument | null> {
  if (!/^D-\d{4}-\d{5}$/.test(ref)) return null;
  return Dossier.findOne({ ref });
}

export async function listDossiers(userId: string | undefined, page: number, perPage = 25) {
  const filter = userId ? { generatedBy: new mongoose.Types.ObjectId(userId) } : {};
  const [rows, total] = await Promise.all([Dossier.find(filter).sort({ generatedAt: -1, refSeq: -1 }).skip((page - 1) * perPage).limit(perPage).lean(), Dossier.countDocuments(filter)]);
  return { rows, total, pages: Math.max(1, Math.ceil(total / perPage)) };
}

/** The archive exactly as it was generated (its SHA-256 is checked against the record first). */
export function storedArchive(store: SealedFileStore, dossier: DossierDocument): Buffer {
  const archive = store.read(dossier.archive!.file);
  if (sha256(archive) !== dossier.archive!.sha256) throw new Error(`dossier ${dossier.ref}: stored archive does not match its hash`);
  return archive;
}

/** Throws unless the stored archive is the one the record names (its SHA-256), read a record at a time. */
export async function checkStoredArchive(store: SealedFileStore, dossier: DossierDocument): Promise<void> {
  if ((await store.sha256(dossier.archive!.file)) !== dossier.archive!.sha256) throw new Error(`dossier ${dossier.ref}: stored archive does not match its hash`);
}

export function readDossierFile(store: SealedFileStore, dossier: DossierDocument, name: string): Buffer | undefined {
  if (!dossier.files.some((f) => f.name === name)) return undefined;
  return readArchive(storedArchive(store, dossier)).get(name);
}

/**
 * Archives no dossier record refers to (a generation interrupted between the file and its record),
 * and archives half-written: at once when this process owns the engine (nothing can be in flight),
 * after 10 minutes on a shared database (another app may be writing one).
 */
export async function sweepDossiers(store: SealedFileStore, alone: boolean): Promise<string[]> {
  const referenced = new Set<string>();
  for await (const d of Dossier.find({}, { archive: 1 }).lean().cursor()) if (d.archive?.file) referenced.add(d.archive.file);
  return store.sweep(referenced, alone ? 0 : 10 * 60_000);
}
