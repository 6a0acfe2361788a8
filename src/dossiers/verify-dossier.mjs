#!/usr/bin/env node
// verify-dossier.mjs: checks an evidence dossier of the surveillance-misuse incident tracker with
// Node.js alone (version 18 or later, built-in modules only, no network, no checkout).
//
//   node verify-dossier.mjs D-2026-00001.zip tracker-signing-key.pem
//   node verify-dossier.mjs FOLDER-WITH-THE-FILES tracker-signing-key.pem
//
// Exit status: 0 valid, 1 not valid (each reason on its own line), 2 usage or unreadable input.
//
// This script is NOT covered by the dossier's signature: a dossier ZIP carries a copy for
// convenience, and whoever could change the ZIP could change that copy. Take it from the site
// (/dossiers/verify-dossier.mjs, its SHA-256 is on /dossiers/verify), read it (it is short), or
// check the signature with OpenSSL alone as README.txt says. The site runs this same file to check
// uploaded dossiers.
//
// What it checks:
// 1. The archive is unambiguous: every ZIP tool reads the same files from it. One end record at the
//    very end (no comment, no bytes after it), the central directory right before it, entries that
//    start at byte 0 and follow each other with nothing between them, each entry's local header
//    agreeing with the central directory, no ZIP64, no encryption, only stored or deflated data, no
//    directories, no paths, no hidden names, and no two names that are the same after Unicode (NFKC)
//    and case folding (a tool would extract one and hide the other).
// 2. manifest.sig is a valid Ed25519 signature of manifest.json by the given public key.
// 3. Every file listed in manifest.json is present with that size and SHA-256, and no file is
//    present that the manifest does not list (except this script, which is reported as unsigned).

import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { TextDecoder } from 'node:util';
import { inflateRawSync } from 'node:zlib';

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
/** Files a dossier may carry outside the signed set. */
export const UNSIGNED = ['verify-dossier.mjs'];

const LIMITS = { entries: 100, bytes: 200 * 1024 * 1024 };

/** A ZIP that is not read the same way by every tool, or not read at all: `rule` names why. */
export class ArchiveRefused extends Error {
  constructor(rule, entry = '') {
    super(entry ? `${rule}: ${entry}` : rule);
    this.rule = rule;
    this.entry = entry;
  }
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(data) {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function nameKey(name) {
  return name.normalize('NFKC').toLowerCase();
}

function decodeName(bytes, utf8Flag) {
  const ascii = bytes.every((b) => b >= 0x20 && b < 0x7f);
  if (!ascii && !utf8Flag) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function checkName(name) {
  if (name === undefined) throw new ArchiveRefused('name-encoding');
  if (name.endsWith('/') || name.endsWith('\\')) throw new ArchiveRefused('directory', name);
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) throw new ArchiveRefused('name', name);
  if (name.includes('/') || name.includes('\\') || name.includes(':') || name.startsWith('.')) throw new ArchiveRefused('path', name);
}

/**
 * The files of a dossier ZIP, read only if the archive is unambiguous (see the top of this file).
 * Throws ArchiveRefused naming the rule that failed.
 */
export function readArchive(buffer, limits = LIMITS) {
  if (!Buffer.isBuffer(buffer) || buffer.length < 22) throw new ArchiveRefused('not-zip');
  const eocd = buffer.length - 22;
  if (buffer.readUInt32LE(eocd) !== 0x06054b50) {
    // Find where an end record is, to say what is wrong with it.
    const from = Math.max(0, buffer.length - 22 - 0xffff - 1024);
    const at = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]), buffer.length - 22);
    throw new ArchiveRefused(at >= from && at >= 0 ? 'trailing-data' : 'not-zip');
  }
  const disk = buffer.readUInt16LE(eocd + 4);
  const cdDisk = buffer.readUInt16LE(eocd + 6);
  const onDisk = buffer.readUInt16LE(eocd + 8);
  const count = buffer.readUInt16LE(eocd + 10);
  const cdSize = buffer.readUInt32LE(eocd + 12);
  const cdOffset = buffer.readUInt32LE(eocd + 16);
  if (buffer.readUInt16LE(eocd + 20) !== 0) throw new ArchiveRefused('trailing-data');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new ArchiveRefused('zip64');
  if (eocd >= 20 && buffer.readUInt32LE(eocd - 20) === 0x07064b50) throw new ArchiveRefused('zip64');
  if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw new ArchiveRefused('multi-disk');
  if (count > limits.entries) throw new ArchiveRefused('too-large');
  if (cdOffset + cdSize !== eocd) {
    // Offsets that are all off by the same amount: something was put in front of the archive.
    const shifted = eocd - cdSize > cdOffset && eocd - cdSize >= 0 && buffer.readUInt32LE(eocd - cdSize) === 0x02014b50;
    throw new ArchiveRefused(shifted ? 'leading-data' : 'gap');
  }

  const entries = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || buffer.readUInt32LE(p) !== 0x02014b50) throw new ArchiveRefused('central-directory');
    const flags = buffer.readUInt16LE(p + 8);
    const method = buffer.readUInt16LE(p + 10);
    const crc = buffer.readUInt32LE(p + 16);
    const compressedSize = buffer.readUInt32LE(p + 20);
    const size = buffer.readUInt32LE(p + 24);
    const nameLength = buffer.readUInt16LE(p + 28);
    const extraLength = buffer.readUInt16LE(p + 30);
    const commentLength = buffer.readUInt16LE(p + 32);
    const startDisk = buffer.readUInt16LE(p + 34);
    const offset = buffer.readUInt32LE(p + 42);
    const nameBytes = buffer.subarray(p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;
    if (p > eocd) throw new ArchiveRefused('central-directory');
    const name = decodeName(nameBytes, (flags & 0x800) !== 0);
    checkName(name);
    if (compressedSize === 0xffffffff || size === 0xffffffff || offset === 0xffffffff) throw new ArchiveRefused('zip64', name);
    if (startDisk !== 0) throw new ArchiveRefused('multi-disk', name);
    if (flags & 0x1 || flags & 0x40) throw new ArchiveRefused('encrypted', name);
    if (method !== 0 && method !== 8) throw new ArchiveRefused('compression', name);
    if (commentLength !== 0) throw new ArchiveRefused('comment', name);
    entries.push({ name, nameBytes, flags, method, crc, compressedSize, size, offset });
  }
  if (p !== eocd) throw new ArchiveRefused('gap');

  const seen = new Map();
  for (const e of entries) {
    const key = nameKey(e.name);
    if (seen.has(key)) throw new ArchiveRefused('duplicate-name', seen.get(key) === e.name ? e.name : `${seen.get(key)} / ${e.name}`);
    seen.set(key, e.name);
  }

  const files = new Map();
  let total = 0;
  let cursor = 0;
  for (const e of entries) {
    if (e.offset !== cursor) throw new ArchiveRefused(cursor === 0 ? 'leading-data' : 'gap', e.name);
    if (e.offset + 30 > cdOffset || buffer.readUInt32LE(e.offset) !== 0x04034b50) throw new ArchiveRefused('local-header', e.name);
    const localFlags = buffer.readUInt16LE(e.offset + 6);
    const localMethod = buffer.readUInt16LE(e.offset + 8);
    const localNameLength = buffer.readUInt16LE(e.offset + 26);
    const localExtraLength = buffer.readUInt16LE(e.offset + 28);
    const localName = buffer.subarray(e.offset + 30, e.offset + 30 + localNameLength);
    const descriptor = (e.flags & 0x8) !== 0;
    if (buffer.readUInt32LE(e.offset + 18) === 0xffffffff || buffer.readUInt32LE(e.offset + 22) === 0xffffffff) throw new ArchiveRefused('zip64', e.name);
    if (localFlags !== e.flags || localMethod !== e.method || !localName.equals(e.nameBytes)) throw new ArchiveRefused('local-header', e.name);
    if (!descriptor && (buffer.readUInt32LE(e.offset + 14) !== e.crc || buffer.readUInt32LE(e.offset + 18) !== e.compressedSize || buffer.readUInt32LE(e.offset + 22) !== e.size)) {
      throw new ArchiveRefused('local-header', e.name);
    }
    const start = e.offset + 30 + localNameLength + localExtraLength;
    let end = start + e.compressedSize;
    if (end > cdOffset) throw new ArchiveRefused('local-header', e.name);
    if (descriptor) {
      const signed = end + 4 <= cdOffset && buffer.readUInt32LE(end) === 0x08074b50 ? 4 : 0;
      const d = end + signed;
      if (d + 12 > cdOffset || buffer.readUInt32LE(d) !== e.crc || buffer.readUInt32LE(d + 4) !== e.compressedSize || buffer.readUInt32LE(d + 8) !== e.size) throw new ArchiveRefused('local-header', e.name);
      end = d + 12;
    }
    cursor = end;
    total += e.size;
    if (total > limits.bytes) throw new ArchiveRefused('too-large');
    const raw = buffer.subarray(start, start + e.compressedSize);
    let data;
    try {
      data = e.method === 0 ? Buffer.from(raw) : inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch {
      throw new ArchiveRefused('corrupt-entry', e.name);
    }
    if (data.length !== e.size || crc32(data) !== e.crc) throw new ArchiveRefused('corrupt-entry', e.name);
    files.set(e.name, data);
  }
  if (cursor !== cdOffset) throw new ArchiveRefused('gap');
  return files;
}

export function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/** A public key's id as the site prints it: the first 16 hex digits of the SHA-256 of its SPKI DER. */
export function keyIdOf(publicKeyPem) {
  return sha256(createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' })).slice(0, 16);
}

/**
 * Checks a dossier's files with only a public key: the signature over manifest.json, then every
 * file against its size and SHA-256, and that nothing was added. Each problem names what is wrong.
 */
export function verifyFiles(files, publicKeyPem) {
  const problems = [];
  const manifestBytes = files.get(MANIFEST);
  const signature = files.get(SIGNATURE);
  const unsigned = [...files.keys()].filter((name) => UNSIGNED.includes(name));
  if (!manifestBytes) problems.push({ kind: 'missing-manifest' });
  if (!signature) problems.push({ kind: 'missing-signature' });
  if (!manifestBytes) return { valid: false, files: [], unsigned, problems };
  let manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
    if (manifest.format !== 'tracker-dossier-manifest/1' || !Array.isArray(manifest.files)) throw new Error('format');
  } catch {
    return { valid: false, files: [], unsigned, problems: [...problems, { kind: 'bad-manifest' }] };
  }
  const givenKey = keyIdOf(publicKeyPem);
  if (manifest.keyId !== givenKey) problems.push({ kind: 'unknown-key', manifestKey: String(manifest.keyId), givenKey });
  else if (signature && !safeVerify(publicKeyPem, manifestBytes, signature)) problems.push({ kind: 'bad-signature' });
  const listed = new Set();
  const results = [];
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
  for (const name of files.keys()) if (name !== MANIFEST && name !== SIGNATURE && !listed.has(name) && !UNSIGNED.includes(name)) problems.push({ kind: 'unlisted-file', file: name });
  return { valid: problems.length === 0, dossier: manifest.dossier, version: manifest.version, generatedAt: manifest.generatedAt, keyId: manifest.keyId, files: results, unsigned, problems };
}

function safeVerify(publicKeyPem, data, signature) {
  try {
    return verify(null, data, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}

const RULES = {
  'not-zip': 'not a ZIP archive',
  'trailing-data': 'bytes after the end of the archive (or an archive comment): another tool could read them as a different archive',
  'leading-data': 'bytes before the first entry: another tool could read them as a different archive',
  gap: 'bytes between entries or before the central directory that no entry accounts for',
  zip64: 'ZIP64 records (a dossier never needs them)',
  'multi-disk': 'a split (multi-disk) archive',
  'too-large': 'more entries or bytes than a dossier has',
  'central-directory': 'the central directory is damaged',
  'local-header': 'an entry\'s local header disagrees with the central directory',
  'name-encoding': 'an entry name that is not valid UTF-8',
  name: 'an entry name that is empty, too long or holds control characters',
  directory: 'a directory entry (a dossier is flat)',
  path: 'an entry name with a path or a hidden name',
  encrypted: 'an encrypted entry',
  compression: 'an entry compressed with a method other than stored or deflate',
  comment: 'an entry comment',
  'duplicate-name': 'two entries with the same name (also after Unicode and case folding): tools would extract different ones',
  'corrupt-entry': 'an entry whose data does not match its size or CRC-32',
};

/** One line in English per problem (the site prints the same in the page's language). */
export function describe(p) {
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
    default:
      return String(p.kind);
  }
}

export function describeRule(err) {
  return `archive refused (${err.rule}): ${RULES[err.rule] ?? err.rule}${err.entry ? ` [${err.entry}]` : ''}`;
}

/** A dossier given as a ZIP (read by readArchive's rules) or as a folder of its files. */
export function readDossier(target) {
  if (!statSync(target).isDirectory()) return readArchive(readFileSync(target));
  const files = new Map();
  for (const name of readdirSync(target)) {
    const full = path.join(target, name);
    if (statSync(full).isFile()) files.set(name, readFileSync(full));
  }
  return files;
}

function main(args) {
  if (args.length !== 2) {
    process.stderr.write('usage: node verify-dossier.mjs DOSSIER.zip|FOLDER PUBLIC-KEY.pem\n');
    return 2;
  }
  const [target, keyFile] = args;
  let files;
  let keyPem;
  try {
    keyPem = readFileSync(keyFile, 'utf8');
    keyIdOf(keyPem);
    files = readDossier(target);
  } catch (err) {
    process.stdout.write(`NOT VALID\n${err instanceof ArchiveRefused ? describeRule(err) : `cannot read: ${err.message}`}\n`);
    return err instanceof ArchiveRefused ? 1 : 2;
  }
  const result = verifyFiles(files, keyPem);
  const lines = [result.valid ? `VALID: dossier ${result.dossier} version ${result.version}, generated ${result.generatedAt}, signed by key ${result.keyId}` : 'NOT VALID'];
  for (const f of result.files) lines.push(`${f.ok ? 'ok ' : 'BAD'} ${f.name}`);
  for (const name of result.unsigned) lines.push(`--  ${name} (not signed: a convenience copy of this script)`);
  for (const p of result.problems) lines.push(`PROBLEM ${describe(p)}`);
  if (result.valid) lines.push('A valid signature says the files are what the site signed, not that the dossier is still current: see /dossiers/status.json on the site.');
  process.stdout.write(`${lines.join('\n')}\n`);
  return result.valid ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
