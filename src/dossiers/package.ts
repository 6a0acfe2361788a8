import { createHash, createPublicKey } from 'node:crypto';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { canonicalJson } from '../audit/canonical.js';
import { keyIdOf, verifySignature, type Signer } from '../signing/index.js';

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

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

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

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

/** One ZIP, entries in a fixed order with a fixed time: the same files always make the same archive. */
export function zipFiles(files: Map<string, Buffer>, at: Date): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, data] of files) zip.addBuffer(data, name, { mtime: at, mode: 0o100644 });
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

export class UnreadableArchive extends Error {}

/** The files of a dossier ZIP (flat, bounded: a dossier is a few files of a few megabytes). */
export async function unzipFiles(buffer: Buffer, limits = { entries: 100, bytes: 200 * 1024 * 1024 }): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(new UnreadableArchive('not a ZIP archive')) : resolve(z))),
  );
  const files = new Map<string, Buffer>();
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      if (name.endsWith('/')) return zip.readEntry();
      total += entry.uncompressedSize;
      if (files.size >= limits.entries || total > limits.bytes) return reject(new UnreadableArchive('archive too large'));
      if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return reject(new UnreadableArchive(`unexpected path in archive: ${name}`));
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(new UnreadableArchive('unreadable entry'));
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          files.set(name, Buffer.concat(chunks));
          zip.readEntry();
        });
        stream.on('error', () => reject(new UnreadableArchive('unreadable entry')));
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', () => reject(new UnreadableArchive('unreadable archive')));
    zip.readEntry();
  });
  zip.close();
  return files;
}

export type Problem =
  | { kind: 'missing-manifest' }
  | { kind: 'missing-signature' }
  | { kind: 'bad-manifest' }
  | { kind: 'unknown-key'; manifestKey: string; givenKey: string }
  | { kind: 'bad-signature' }
  | { kind: 'missing-file'; file: string }
  | { kind: 'size-mismatch'; file: string; expected: number; actual: number }
  | { kind: 'hash-mismatch'; file: string; expected: string; actual: string }
  | { kind: 'unlisted-file'; file: string };

export interface Verification {
  valid: boolean;
  dossier?: string;
  version?: number;
  generatedAt?: string;
  keyId?: string;
  files: { name: string; ok: boolean }[];
  problems: Problem[];
}

/**
 * Checks a dossier's files with only a public key: the signature over manifest.json, then every
 * file against its size and SHA-256, and that nothing was added. Says exactly what is wrong.
 */
export function verifyDossier(files: Map<string, Buffer>, publicKeyPem: string): Verification {
  const problems: Problem[] = [];
  const manifestBytes = files.get(MANIFEST);
  const signature = files.get(SIGNATURE);
  if (!manifestBytes) problems.push({ kind: 'missing-manifest' });
  if (!signature) problems.push({ kind: 'missing-signature' });
  if (!manifestBytes) return { valid: false, files: [], problems };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
    if (manifest.format !== 'tracker-dossier-manifest/1' || !Array.isArray(manifest.files)) throw new Error('format');
  } catch {
    return { valid: false, files: [], problems: [...problems, { kind: 'bad-manifest' }] };
  }
  const givenKey = keyIdOf(createPublicKey(publicKeyPem));
  if (manifest.keyId !== givenKey) problems.push({ kind: 'unknown-key', manifestKey: String(manifest.keyId), givenKey });
  else if (signature && !verifySignature(publicKeyPem, manifestBytes, signature.toString('base64'))) problems.push({ kind: 'bad-signature' });
  const listed = new Set<string>();
  const results: Verification['files'] = [];
  for (const f of manifest.files) {
    listed.add(f.name);
    const data = files.get(f.name);
    if (!data) {
      problems.push({ kind: 'missing-file', file: f.name });
      results.push({ name: f.name, ok: false });
      continue;
    }
    const actual = sha256(data);
    if (data.length !== f.size) problems.push({ kind: 'size-mismatch', file: f.name, expected: f.size, actual: data.length });
    if (actual !== f.sha256) problems.push({ kind: 'hash-mismatch', file: f.name, expected: f.sha256, actual });
    results.push({ name: f.name, ok: data.length === f.size && actual === f.sha256 });
  }
  for (const name of files.keys()) if (name !== MANIFEST && name !== SIGNATURE && !listed.has(name)) problems.push({ kind: 'unlisted-file', file: name });
  return { valid: problems.length === 0, dossier: manifest.dossier, version: manifest.version, generatedAt: manifest.generatedAt, keyId: manifest.keyId, files: results, problems };
}

/** One line per problem, for the CLI and the page. */
export function describeProblem(p: Problem): string {
  switch (p.kind) {
    case 'missing-manifest':
      return 'manifest.json is missing';
    case 'missing-signature':
      return 'manifest.sig is missing';
    case 'bad-manifest':
      return 'manifest.json is not a dossier manifest';
    case 'unknown-key':
      return `signed with key ${p.manifestKey}, not with the key given (${p.givenKey})`;
    case 'bad-signature':
      return 'bad signature: manifest.json was changed, or not signed by this key';
    case 'missing-file':
      return `${p.file}: listed in the manifest but missing`;
    case 'size-mismatch':
      return `${p.file}: size ${p.actual} bytes, the manifest says ${p.expected}`;
    case 'hash-mismatch':
      return `${p.file}: SHA-256 mismatch (manifest ${p.expected}, file ${p.actual})`;
    case 'unlisted-file':
      return `${p.file}: not covered by the manifest`;
  }
}
