/** Types of verify-dossier.mjs (plain JavaScript so that it runs anywhere with Node alone). */
export const MANIFEST: 'manifest.json';
export const SIGNATURE: 'manifest.sig';
export const UNSIGNED: readonly string[];

export type ArchiveRule =
  | 'not-zip'
  | 'trailing-data'
  | 'leading-data'
  | 'gap'
  | 'zip64'
  | 'multi-disk'
  | 'too-large'
  | 'central-directory'
  | 'local-header'
  | 'name-encoding'
  | 'name'
  | 'directory'
  | 'path'
  | 'encrypted'
  | 'compression'
  | 'comment'
  | 'duplicate-name'
  | 'corrupt-entry';

export class ArchiveRefused extends Error {
  constructor(rule: ArchiveRule, entry?: string);
  readonly rule: ArchiveRule;
  readonly entry: string;
}

export function readArchive(buffer: Buffer, limits?: { entries: number; bytes: number }): Map<string, Buffer>;
/** A dossier given as a ZIP (readArchive's rules) or as a folder of its files. */
export function readDossier(target: string): Map<string, Buffer>;

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
  /** Files present outside the signed set that a dossier may carry (the verifier script). */
  unsigned: string[];
  problems: Problem[];
}

export function sha256(data: Buffer): string;
export function keyIdOf(publicKeyPem: string): string;
export function verifyFiles(files: Map<string, Buffer>, publicKeyPem: string): Verification;
export function describe(problem: Problem): string;
export function describeRule(err: ArchiveRefused): string;
