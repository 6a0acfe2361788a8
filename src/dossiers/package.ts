import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import type { TFunction } from 'i18next';
import type { ArchiveRefused, Problem } from './verify-dossier.mjs';
import { canonicalJson } from '../audit/canonical.js';
import { type Signer } from '../signing/index.js';

export { MANIFEST, SIGNATURE } from './verify-dossier.mjs';

export interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

export interface Manifest {
  format: 'tracker-dossier-manifest/1';
  dossier: string;
  version: number;
  generatedAt: string;
  keyId: string;
  publicKeyUrl: string;
  auditHead: { seq: number; hash: string };
  files: ManifestFile[];
}

import { sha256 } from './verify-dossier.mjs';

export { sha256 };

/**
 * Signs a dossier's files: manifest.json lists each file's name, size and SHA-256 (canonical JSON,
 * so the same dossier always gives the same bytes), and manifest.sig is the raw 64-byte Ed25519
 * signature of manifest.json — checkable with our CLI, or with OpenSSL alone:
 *   openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile manifest.sig
 */
export function signFiles(files: Map<string, Buffer>, meta: Omit<Manifest, 'format' | 'files' | 'keyId'>, signer: Signer): { manifest: Buffer; signature: Buffer } {
  const manifest: Manifest = {
    format: 'tracker-dossier-manifest/1',
    ...meta,
    keyId: signer.keyId,
    files: [...files.entries()].map(([name, data]) => ({ name, size: data.length, sha256: sha256(data) })),
  };
  const bytes = Buffer.from(`${canonicalJson(manifest)}\n`, 'utf8');
  return { manifest: bytes, signature: Buffer.from(signer.sign(bytes), 'base64') };
}

/** One ZIP, entries in a fixed order with a fixed time: the same files always make the same archive. Given out as it is zipped. */
export function zipStream(files: Map<string, Buffer>, at: Date): Readable {
  const zip = new yazl.ZipFile();
  for (const [name, data] of files) zip.addBuffer(data, name, { mtime: at, mode: 0o100644 });
  zip.end();
  return zip.outputStream as Readable;
}

/** The same ZIP as one buffer. */
export async function zipFiles(files: Map<string, Buffer>, at: Date): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of zipStream(files, at)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Reading and checking a dossier is done by verify-dossier.mjs, the script each dossier carries and
 * the site serves: what a recipient runs offline is what the site runs.
 */
export { ArchiveRefused, readArchive, readDossier, verifyFiles, UNSIGNED, type ArchiveRule, type Problem, type Verification } from './verify-dossier.mjs';

/** The verifier script's own bytes: served at /dossiers/verify-dossier.mjs and put in each dossier ZIP. */
export const VERIFIER = readFileSync(path.join(import.meta.dirname, 'verify-dossier.mjs'));

/** The JSON Schema of dossier.json (also served at /schemas/dossier-v1.schema.json), in every dossier. */
export const DOSSIER_SCHEMA = readFileSync(path.join(import.meta.dirname, '../../public/schemas/dossier-v1.schema.json'));

/** One line per problem, in the language of `t` (the page's; English for the CLI). */
export function describeProblem(p: Problem, t: TFunction): string {
  return t(`dossier.problems.${p.kind}`, { ...p });
}

/** Why an archive was refused, in the language of `t`: the rule, what it protects against, and the entry. */
export function describeRefusal(err: ArchiveRefused, t: TFunction): string {
  const line = t('dossier.archiveRefused', { rule: t(`dossier.archiveRules.${err.rule}`) });
  return err.entry ? `${line} ${t('dossier.archiveEntry', { entry: err.entry })}` : line;
}
