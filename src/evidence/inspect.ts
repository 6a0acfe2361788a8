import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import yauzl from 'yauzl';
import { HttpError } from '../http/errors.js';

export const MAX_PIXELS = 40_000_000;
const ZIP_MAX_ENTRIES = 1_000;
const ZIP_MAX_TOTAL = 200 * 1024 * 1024;
const ZIP_MAX_RATIO = 200;

/** Allowed kinds: what the magic bytes say must agree with the extension. */
const BINARY: Record<string, string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'application/zip': ['zip'],
};
const TEXT: Record<string, string> = { txt: 'text/plain', log: 'text/plain', csv: 'text/csv', json: 'application/json' };

export class UnsupportedFileError extends HttpError {
  constructor(readonly reason: string) {
    super(415, 'evidence.unsupported', { reason });
  }
}

function extensionOf(name: string): string {
  return (/\.([a-z0-9]{1,8})$/i.exec(name)?.[1] ?? '').toLowerCase();
}

/** A display name that cannot walk paths, break headers or hide an extension. */
export function sanitiseName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const clean = base.normalize('NFC').replace(/[\p{Cc}\p{Cf}"<>|:*?]/gu, '').replace(/^\.+/, '').trim().slice(-150);
  return clean || 'evidence';
}

function looksLikeMarkup(text: string): boolean {
  return /^\s*</.test(text) || /<\s*(script|html|svg|iframe|body)\b/i.test(text.slice(0, 4096));
}

async function checkZip(buffer: Buffer): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, z) => (err || !z ? reject(err ?? new Error('no zip')) : resolve(z))),
  ).catch(() => {
    throw new UnsupportedFileError('zip-unreadable');
  });
  let entries = 0;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      entries += 1;
      total += entry.uncompressedSize;
      const name = entry.fileName;
      const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (entries > ZIP_MAX_ENTRIES) return reject(new UnsupportedFileError('zip-too-many-entries'));
      if (total > ZIP_MAX_TOTAL) return reject(new UnsupportedFileError('zip-too-large-uncompressed'));
      if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > ZIP_MAX_RATIO) return reject(new UnsupportedFileError('zip-bomb'));
      if (mode === 0o120000) return reject(new UnsupportedFileError('zip-symlink'));
      if (name.startsWith('/') || name.includes('\\') || /^[a-z]:/i.test(name) || name.split('/').includes('..')) return reject(new UnsupportedFileError('zip-path'));
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', () => reject(new UnsupportedFileError('zip-unreadable')));
    zip.readEntry();
  });
  zip.close();
}

export interface Inspected {
  mediaType: string;
  working?: { buffer: Buffer; mediaType: string };
}

/**
 * Decides what a file is from its content and refuses anything outside the allow-list (415):
 * HTML, SVG, scripts, executables, polyglots with a borrowed extension, ZIPs with symlinks, paths
 * out of the archive or absurd compression ratios. Images get a re-encoded working copy with all
 * metadata (EXIF, GPS, XMP, IPTC, ICC) removed; images over 40 MP are refused from their header.
 */
export async function inspect(buffer: Buffer, name: string): Promise<Inspected> {
  const ext = extensionOf(name);
  const detected = await fileTypeFromBuffer(buffer);
  if (detected) {
    const allowed = BINARY[detected.mime];
    if (!allowed) throw new UnsupportedFileError(`type-${detected.mime}`);
    if (!allowed.includes(ext)) throw new UnsupportedFileError('extension-mismatch');
    if (detected.mime === 'application/zip') await checkZip(buffer);
    if (detected.mime.startsWith('image/')) {
      try {
        const image = sharp(buffer, { limitInputPixels: MAX_PIXELS, failOn: 'error' }).rotate();
        const format = detected.mime === 'image/jpeg' ? 'jpeg' : detected.mime === 'image/png' ? 'png' : 'webp';
        // sharp writes no EXIF, XMP, IPTC or ICC unless asked to: the re-encoded copy carries none.
        const working = await image.toFormat(format).toBuffer();
        return { mediaType: detected.mime, working: { buffer: working, mediaType: detected.mime } };
      } catch {
        throw new UnsupportedFileError('image-unreadable-or-too-large');
      }
    }
    return { mediaType: detected.mime };
  }
  const textType = TEXT[ext];
  if (!textType) throw new UnsupportedFileError('unknown-type');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new UnsupportedFileError('not-utf8-text');
  }
  if (text.includes('\u0000') || looksLikeMarkup(text)) throw new UnsupportedFileError('markup-or-binary');
  if (textType === 'application/json') {
    try {
      JSON.parse(text);
    } catch {
      throw new UnsupportedFileError('invalid-json');
    }
  }
  return { mediaType: textType };
}
