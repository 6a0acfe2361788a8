import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { expect } from 'chai';
import yazl from 'yazl';
import { ArchiveRefused, readArchive, zipFiles, type ArchiveRule } from '../../src/dossiers/package.js';
import { agent, closeApps, makeApp, type Agent } from '../helpers/app.js';
import { createEntities, signedInAs } from '../helpers/factories.js';
import { buildAndDownload, verifiedIncident, zipOf } from './helpers.js';

const run = promisify(execFile);

/** A command's exit code and output, whether it succeeds or not. */
function exitOf(cmd: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string }> {
  return run(cmd, args, options).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => e,
  );
}

/** The archive with bytes slipped in before its central directory (offsets kept consistent for the directory). */
function insertBeforeCentralDirectory(zip: Buffer, extra: Buffer): Buffer {
  const eocd = zip.length - 22;
  const cdOffset = zip.readUInt32LE(eocd + 16);
  const out = Buffer.concat([zip.subarray(0, cdOffset), extra, zip.subarray(cdOffset)]);
  out.writeUInt32LE(cdOffset + extra.length, out.length - 22 + 16);
  return out;
}

function refusal(buffer: Buffer): ArchiveRule | 'accepted' {
  try {
    readArchive(buffer);
    return 'accepted';
  } catch (err) {
    if (err instanceof ArchiveRefused) return err.rule;
    throw err;
  }
}

/** The archives a forger would try, each with the rule that must refuse it. */
async function forgeries(files: Map<string, Buffer>): Promise<{ what: string; zip: Buffer; rule: ArchiveRule }[]> {
  const entries = [...files.entries()];
  const tamperedPdf = Buffer.from(files.get('dossier.pdf') ?? Buffer.from('%PDF-'));
  tamperedPdf[tamperedPdf.length - 10] = tamperedPdf[tamperedPdf.length - 10]! ^ 0x01;
  const genuine = await zipOf(entries);
  const withComment = Buffer.concat([genuine, Buffer.from('hidden')]);
  withComment.writeUInt16LE(6, genuine.length - 2);
  return [
    // The tampered copy first, the genuine one last: `unzip` extracts one, a lenient reader the other.
    { what: 'two entries named dossier.pdf', zip: await zipOf([['dossier.pdf', tamperedPdf], ...entries]), rule: 'duplicate-name' },
    { what: 'dossier.pdf and DOSSIER.PDF', zip: await zipOf([...entries, ['DOSSIER.PDF', tamperedPdf]]), rule: 'duplicate-name' },
    { what: 'the same name composed and decomposed (NFC / NFD)', zip: await zipOf([...entries, ['r\u00e9sum\u00e9.txt', Buffer.from('a')], ['re\u0301sume\u0301.txt', Buffer.from('b')]]), rule: 'duplicate-name' },
    { what: 'a directory', zip: await zipOf([...entries, ['extra/', Buffer.alloc(0)]]), rule: 'directory' },
    { what: 'a path', zip: await zipOf([...entries, ['sub/dossier.pdf', tamperedPdf]]), rule: 'path' },
    { what: 'bytes after the end record', zip: Buffer.concat([genuine, Buffer.from('PK\u0005\u0006 trailing')]), rule: 'trailing-data' },
    { what: 'an archive comment', zip: withComment, rule: 'trailing-data' },
    { what: 'bytes before the first entry', zip: Buffer.concat([Buffer.from('MZ prefix of a self-extractor'), genuine]), rule: 'leading-data' },
    // Read from its end, it is the second archive with the genuine one in front of it.
    { what: 'a second archive appended', zip: Buffer.concat([genuine, await zipOf([['dossier.pdf', tamperedPdf]])]), rule: 'leading-data' },
    { what: 'bytes between the last entry and the central directory', zip: insertBeforeCentralDirectory(genuine, Buffer.from('hidden')), rule: 'gap' },
  ];
}

describe('dossier archives: only an unambiguous ZIP is checked', () => {
  afterEach(closeApps);

  it('when an archive could be read differently by two tools, then it is refused naming the rule; the site\'s own archives and Info-ZIP\'s are read', async () => {
    const files = new Map<string, Buffer>([
      ['dossier.pdf', Buffer.from('%PDF-1.7 genuine')],
      ['manifest.json', Buffer.from('{}')],
    ]);
    expect(refusal(await zipFiles(files, new Date()))).to.equal('accepted');
    expect([...readArchive(await zipFiles(files, new Date())).keys()]).to.deep.equal(['dossier.pdf', 'manifest.json']);
    for (const f of await forgeries(files)) expect(refusal(f.zip), f.what).to.equal(f.rule);
    expect(refusal(Buffer.from('not a zip at all, just text that is long enough'))).to.equal('not-zip');
    // Encrypted entry: the flag set in both headers.
    const encrypted = Buffer.from(await zipFiles(files, new Date()));
    for (const sig of [0x04034b50, 0x02014b50]) {
      for (let at = encrypted.indexOf(Buffer.from([0x50, 0x4b])); at !== -1; at = encrypted.indexOf(Buffer.from([0x50, 0x4b]), at + 1)) {
        if (encrypted.readUInt32LE(at) === sig) encrypted.writeUInt16LE(encrypted.readUInt16LE(at + (sig === 0x04034b50 ? 6 : 8)) | 1, at + (sig === 0x04034b50 ? 6 : 8));
      }
    }
    expect(refusal(encrypted)).to.equal('encrypted');
    // A recipient who unpacks and re-packs with Info-ZIP gets an archive the checker still reads;
    // a streamed one (ZIP64 data descriptors, from a pipe) is refused as ZIP64, which a dossier never needs.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'infozip-'));
    writeFileSync(path.join(dir, 'dossier.pdf'), files.get('dossier.pdf')!);
    writeFileSync(path.join(dir, 'manifest.json'), files.get('manifest.json')!);
    await run('zip', ['-X', '-q', '-j', path.join(dir, 'out.zip'), path.join(dir, 'dossier.pdf'), path.join(dir, 'manifest.json')]);
    const { readFileSync } = await import('node:fs');
    expect([...readArchive(readFileSync(path.join(dir, 'out.zip'))).keys()].sort()).to.deep.equal(['dossier.pdf', 'manifest.json']);
    const piped = (await run('sh', ['-c', 'printf "streamed" | zip -q - -'], { encoding: 'buffer' })).stdout;
    expect(refusal(piped)).to.equal('zip64');
    // Entries whose sizes follow their data (data descriptors, as streaming writers make them) are read.
    const streamed = await new Promise<Buffer>((resolve, reject) => {
      const z = new yazl.ZipFile();
      z.addReadStream(Readable.from([Buffer.from('streamed entry')]), 'streamed.txt', { mtime: new Date(0) });
      const chunks: Buffer[] = [];
      z.outputStream.on('data', (c: Buffer) => chunks.push(c));
      z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
      z.outputStream.on('error', reject);
      z.end();
    });
    expect(streamed.readUInt16LE(6) & 0x8).to.equal(0x8);
    expect(readArchive(streamed).get('streamed.txt')!.toString()).to.equal('streamed entry');
  });

  it('when a forged dossier ZIP is checked by the CLI or by the standalone verify-dossier.mjs (copied out of the ZIP, no checkout), then each is refused with the rule; the genuine one is valid [spawns a process]', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await signedInAs(app, ['policymaker']);
    const { ref, zip, files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-archive-'));
    const key = path.join(dir, 'key.pem');
    writeFileSync(key, (await agent(app).get('/.well-known/tracker-signing-key.pem')).text);
    writeFileSync(path.join(dir, `${ref}.zip`), zip);
    // The script as a recipient has it: from the ZIP, alone in a folder, run by plain node.
    const script = path.join(dir, 'verify-dossier.mjs');
    writeFileSync(script, files.get('verify-dossier.mjs')!);
    const env = { ...process.env, DATA_DIR: path.join(dir, 'nothing-here'), MONGODB_URI: 'mongodb://127.0.0.1:1/none' };
    const good = await run('node', [script, path.join(dir, `${ref}.zip`), key], { cwd: dir, env });
    expect(good.stdout).to.match(new RegExp(`^VALID: dossier ${ref} version 1`));
    expect(good.stdout).to.contain('verify-dossier.mjs (not signed');
    const cliGood = await run('npx', ['tsx', 'src/cli.ts', 'dossier:verify', path.join(dir, `${ref}.zip`), '--key', key], { env });
    expect(cliGood.stdout).to.contain('"valid":true');

    for (const f of await forgeries(files)) {
      const file = path.join(dir, 'forged.zip');
      writeFileSync(file, f.zip);
      const standalone = await exitOf('node', [script, file, key], { cwd: dir, env });
      expect(standalone.code, f.what).to.equal(1);
      expect(standalone.stdout, f.what).to.contain(`archive refused (${f.rule})`);
      if (f.rule === 'duplicate-name' || f.rule === 'trailing-data') {
        const cli = await exitOf('npx', ['tsx', 'src/cli.ts', 'dossier:verify', file, '--key', key], { env });
        expect(cli.code, f.what).to.equal(1);
        expect(cli.stdout, f.what).to.contain(`"refused":"${f.rule}"`);
      }
    }
    // The same script is what the site serves at a stable address.
    const served = await agent(app).get('/dossiers/verify-dossier.mjs').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(served.status).to.equal(200);
    expect((served.body as Buffer).equals(files.get('verify-dossier.mjs')!)).to.equal(true);
  });

  it('when a forged or changed dossier is uploaded to /dossiers/verify, then the page names the rule or the file in its own language (English and Arabic), and files are listed one per line', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await signedInAs(app, ['policymaker']);
    const { ref, zip, files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const forged = await forgeries(files);
    const upload = async (visitor: Agent, lng: 'en' | 'ar', attach: [Buffer, string][]) => {
      const page = await visitor.get(`/dossiers/verify?lng=${lng}`);
      const csrf = decodeURIComponent(/_csrf=([^"&]+)"/.exec(page.text)![1]!);
      let req = visitor.post(`/dossiers/verify?_csrf=${encodeURIComponent(csrf)}`).set('Sec-Fetch-Site', 'same-origin');
      for (const [data, name] of attach) req = req.attach('files', data, name);
      return req;
    };
    const expected = {
      en: { duplicate: 'two entries have the same name', directory: 'it holds a directory', trailing: 'bytes after the end of the archive', mismatch: 'dossier.html: SHA-256 mismatch', valid: 'Valid: signed by this site and unchanged' },
      ar: { duplicate: 'لمدخلين الاسم نفسه', directory: 'يحوي مجلدًا', trailing: 'توجد بايتات بعد نهاية الأرشيف', mismatch: 'dossier.html: بصمة SHA-256 لا تطابق', valid: '' },
    };
    for (const lng of ['en', 'ar'] as const) {
      const visitor = agent(app);
      const want = expected[lng];
      for (const [rule, text] of [['duplicate-name', want.duplicate], ['directory', want.directory], ['trailing-data', want.trailing]] as const) {
        const f = forged.find((x) => x.rule === rule)!;
        const res = await upload(visitor, lng, [[f.zip, `${ref}.zip`]]);
        expect(res.status, `${lng} ${f.what}`).to.equal(422);
        expect(res.text, `${lng} ${f.what}`).to.contain(text);
        expect(res.text).not.to.contain(lng === 'ar' ? want.valid || 'Valid:' : 'Valid:');
      }
      // A changed file, checked as loose files: named, in the page's language, one line per file.
      const html = Buffer.from(files.get('dossier.html')!);
      html[100] = html[100]! ^ 0x01;
      const bad = await upload(visitor, lng, [...files].map(([name, data]): [Buffer, string] => [name === 'dossier.html' ? html : data, name]));
      expect(bad.text).to.contain(want.mismatch);
      if (lng === 'ar') expect(bad.text).not.to.contain('SHA-256 mismatch');
      expect(bad.text).to.match(/<ul class="file-results"><li class="verify-ok">/);
      const good = await upload(visitor, lng, [[zip, `${ref}.zip`]]);
      expect(good.status).to.equal(200);
      if (want.valid) expect(good.text).to.contain(want.valid);
    }
  });
});
