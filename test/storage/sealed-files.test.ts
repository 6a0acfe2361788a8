import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { SEAL_CHUNK, SEAL_RECORD, sealBuffer } from '../../src/vault/index.js';

/** What a download reads: every part the store gives out before it throws, and what it threw. */
async function drain(store: SealedFileStore, id: string): Promise<{ parts: Buffer[]; error?: string }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of store.stream(id)) parts.push(part);
    return { parts };
  } catch (err) {
    return { parts, error: (err as Error).message };
  }
}

describe('sealed files: opened a record at a time', () => {
  const store = () => new SealedFileStore(mkdtempSync(path.join(os.tmpdir(), 'tracker-sealed-')));
  const fileOf = (s: SealedFileStore, id: string) => path.join(s.dir, `${id}.bin`);

  it('when a file of several records is read as a stream, then it comes in parts of at most 64 KiB that make the file, and an empty file and an exact multiple of the record size read back too', async () => {
    const s = store();
    for (const size of [200_000, 2 * SEAL_CHUNK, 0, 1]) {
      const plain = randomBytes(size);
      const id = s.write(plain);
      const { parts, error } = await drain(s, id);
      expect(error).to.equal(undefined);
      expect(parts.every((p) => p.length <= SEAL_CHUNK)).to.equal(true);
      expect(parts.length).to.equal(Math.max(1, Math.ceil(size / SEAL_CHUNK)));
      expect(Buffer.concat(parts).equals(plain), `${size} bytes`).to.equal(true);
      expect(s.read(id).equals(plain)).to.equal(true);
    }
  });

  it('when a stored file is altered, cut short at a record boundary, or has two records swapped, then reading stops at the first record that does not open and gives out nothing of it', async () => {
    const s = store();
    const plain = randomBytes(3 * SEAL_CHUNK + 100);
    const id = s.write(plain);
    const sealed = readFileSync(fileOf(s, id));
    const headerLength = sealed.length - (3 * SEAL_RECORD + 100 + 16);
    const record = (i: number) => sealed.subarray(headerLength + i * SEAL_RECORD, headerLength + (i + 1) * SEAL_RECORD);

    const flipped = Buffer.from(sealed);
    flipped[headerLength + SEAL_RECORD + 10]! ^= 1;
    const cut = sealed.subarray(0, headerLength + 2 * SEAL_RECORD);
    const swapped = Buffer.concat([sealed.subarray(0, headerLength), record(1), record(0), sealed.subarray(headerLength + 2 * SEAL_RECORD)]);
    const header = Buffer.from(sealed);
    header[headerLength - 1]! ^= 1;
    for (const [what, bytes, goodParts] of [['a flipped bit in record 2', flipped, 1], ['cut after record 2', cut, 1], ['records 1 and 2 swapped', swapped, 0], ['a changed header', header, 0]] as const) {
      writeFileSync(fileOf(s, id), bytes);
      const { parts, error } = await drain(s, id);
      expect(error, what).to.be.a('string');
      expect(parts.length, what).to.equal(goodParts);
      expect(Buffer.concat(parts).equals(plain.subarray(0, goodParts * SEAL_CHUNK)), what).to.equal(true);
      expect(() => s.read(id), what).to.throw();
    }
  });

  it('when a file was sealed whole by an earlier version, then it still reads, as one part', async () => {
    const s = store();
    const plain = randomBytes(100_000);
    const id = s.write(Buffer.alloc(0));
    writeFileSync(fileOf(s, id), sealBuffer(plain));
    const { parts } = await drain(s, id);
    expect(parts).to.have.length(1);
    expect(parts[0]!.equals(plain)).to.equal(true);
    expect(s.read(id).equals(plain)).to.equal(true);
    expect(await s.sha256(id)).to.equal(createHash('sha256').update(plain).digest('hex'));
  });

  it('when a file is written as it is produced, in pieces of any size, then it reads back the same as one written whole, with its size and SHA-256, and a source that fails midway leaves no file', async () => {
    const s = store();
    function* pieces(plain: Buffer, size: number) {
      for (let at = 0; at < plain.length; at += size) yield plain.subarray(at, at + size);
    }
    for (const [size, piece] of [[200_000, 7_001], [2 * SEAL_CHUNK, SEAL_CHUNK], [SEAL_CHUNK + 1, 100_000], [0, 1], [1, 1]] as const) {
      const plain = randomBytes(size);
      const written = await s.writeFrom(pieces(plain, piece));
      expect(written.size, `${size} bytes`).to.equal(size);
      expect(written.sha256).to.equal(createHash('sha256').update(plain).digest('hex'));
      const { parts, error } = await drain(s, written.id);
      expect(error).to.equal(undefined);
      expect(parts.length, `${size} bytes`).to.equal(Math.max(1, Math.ceil(size / SEAL_CHUNK)));
      expect(Buffer.concat(parts).equals(plain), `${size} bytes`).to.equal(true);
      expect(readFileSync(fileOf(s, written.id)).length, 'as long as the same bytes written whole').to.equal(readFileSync(fileOf(s, s.write(plain))).length);
    }

    const empty = store();
    function* failing() {
      yield randomBytes(3 * SEAL_CHUNK);
      throw new Error('the zip failed');
    }
    let thrown: unknown;
    await empty.writeFrom(failing()).catch((err: unknown) => (thrown = err));
    expect((thrown as Error).message).to.equal('the zip failed');
    expect(readdirSync(empty.dir)).to.deep.equal([]);
  });
});
