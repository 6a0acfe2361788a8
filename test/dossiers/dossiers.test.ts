import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Claim } from '../../src/db/claims.js';
import { Dossier } from '../../src/dossiers/model.js';
import { sweepDossiers } from '../../src/dossiers/service.js';
import { SealedFileStore } from '../../src/storage/sealed-files.js';
import { testState } from '../helpers/engine.js';
import { verifyFiles, zipFiles } from '../../src/dossiers/package.js';
import { seal } from '../../src/vault/index.js';
import { Government } from '../../src/governments/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { agent, binary, closeApps, makeApp } from '../helpers/app.js';
import { createEntities, createUser, signIn, signedInAs } from '../helpers/factories.js';
import { stixProblems, stixSchemasAvailable } from '../helpers/stix-schemas.js';
import { buildAndDownload, buildDossier, validateDossierJson, verifiedIncident } from './helpers.js';

const run = promisify(execFile);

const policymaker = (app: Parameters<typeof agent>[0]) => signedInAs(app, ['policymaker']);

function publicKeyOf(app: Parameters<typeof agent>[0]) {
  return agent(app).get('/.well-known/tracker-signing-key.pem').then((r) => r.text);
}


describe('evidence dossiers', () => {
  afterEach(closeApps);

  it('when a policymaker builds a vendor dossier, then every format is in a signed ZIP that verifies with the public key alone, and the generation is audited and listed', async () => {
    const { app } = makeApp();
    const { vendor, product, government } = await createEntities();
    const sub = await Vendor.create({ slug: `${vendor.slug}-sub`, name: `${vendor.name} Sub`, parent: vendor._id });
    await verifiedIncident({ title: 'Journalist hacked', productId: product._id, vendorId: vendor._id, governmentId: government._id });
    await verifiedIncident({ title: 'Subsidiary case', vendorId: sub._id });
    const a = await policymaker(app);
    const { ref, zip, files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    expect(ref).to.match(/^D-\d{4}-00001$/);
    expect(await Claim.countDocuments({ _id: /^dossier/ }), 'its number and its version').to.equal(2);
    expect([...files.keys()].sort()).to.deep.equal(['README.txt', 'dossier.css', 'dossier.html', 'dossier.json', 'dossier.pdf', 'dossier.schema.json', 'dossier.stix.json', 'incidents.csv', 'manifest.json', 'manifest.sig', 'verify-dossier.mjs'].sort());
    // The schema is signed with the rest; the verifier script is not (and the result says so).
    const listed = (JSON.parse(files.get('manifest.json')!.toString()) as { files: { name: string }[] }).files.map((f) => f.name);
    expect(listed).to.include('dossier.schema.json');
    expect(listed).not.to.include('verify-dossier.mjs');
    expect(files.get('dossier.schema.json')!.equals(readFileSync('public/schemas/dossier-v1.schema.json'))).to.equal(true);
    expect(files.get('verify-dossier.mjs')!.equals(readFileSync('src/dossiers/verify-dossier.mjs'))).to.equal(true);
    expect(files.get('dossier.pdf')!.subarray(0, 5).toString()).to.equal('%PDF-');

    const content = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { title: string }[]; summary: { incidents: number }; framing: { criteria: { key: string; incidents: string[] }[] } };
    expect(validateDossierJson(content)).to.equal(true);
    expect(validateDossierJson({ ...content, incidents: [{ title: 'no ref' }] })).to.equal(false);
    expect(content.summary.incidents).to.equal(2);
    expect(content.incidents.map((i) => i.title).sort()).to.deep.equal(['Journalist hacked', 'Subsidiary case']);
    expect(content.framing.criteria.find((c) => c.key === 'civilSociety')!.incidents).to.have.length(2);

    const key = await publicKeyOf(app);
    expect(verifyFiles(files, key)).to.deep.include({ valid: true, dossier: ref, unsigned: ['verify-dossier.mjs'] });
    const dossier = await Dossier.findOne({ ref }).lean();
    expect(dossier!.incidents).to.equal(2);
    const event = await AuditEvent.findOne({ action: 'dossier.generate' }).lean();
    expect(event!.subject!.id).to.equal(ref);
    expect((event!.details as { manifestSha256: string }).manifestSha256).to.equal(dossier!.manifestSha256);

    // The same dossier downloads again byte for byte, and file by file.
    const again = (await binary(a, `/dossiers/${ref}/download`)).body as Buffer;
    expect(again.equals(zip)).to.equal(true);
    const csv = await binary(a, `/dossiers/${ref}/files/incidents.csv`);
    expect((csv.body as Buffer).equals(files.get('incidents.csv')!)).to.equal(true);
    const list = await a.get('/dossiers');
    expect(list.text).to.contain(ref);
    const downloads = await AuditEvent.find({ action: 'dossier.download' }).lean();
    expect(downloads.map((e) => (e.details as { file: string }).file)).to.deep.equal([`${ref}.zip`, `${ref}.zip`, 'incidents.csv']);
  });

  it('when any byte of any file or of the manifest changes, then verification fails and names what is wrong', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const key = await publicKeyOf(app);
    for (const name of files.keys()) {
      if (name === 'verify-dossier.mjs') continue;
      const tampered = new Map(files);
      const bytes = Buffer.from(files.get(name)!);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      tampered.set(name, bytes);
      const result = verifyFiles(tampered, key);
      expect(result.valid, name).to.equal(false);
      if (name === 'manifest.json') expect(result.problems.map((p) => p.kind)).to.include('bad-signature');
      else if (name === 'manifest.sig') expect(result.problems.map((p) => p.kind)).to.deep.equal(['bad-signature']);
      else expect(result.problems.some((p) => p.kind === 'hash-mismatch' && p.file === name), name).to.equal(true);
    }
    const missing = new Map(files);
    missing.delete('dossier.pdf');
    expect(verifyFiles(missing, key).problems).to.deep.include({ kind: 'missing-file', file: 'dossier.pdf' });
    const extra = new Map(files).set('extra.txt', Buffer.from('x'));
    expect(verifyFiles(extra, key).problems).to.deep.include({ kind: 'unlisted-file', file: 'extra.txt' });
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyFiles(files, other).problems[0]!.kind).to.equal('unknown-key');
  });

  it('when the CLI checks a dossier ZIP offline with only the public key, then it says valid, and after one byte changes it names the file (exit 1) [spawns a process]', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { ref, zip, files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-'));
    writeFileSync(path.join(dir, 'key.pem'), await publicKeyOf(app));
    writeFileSync(path.join(dir, `${ref}.zip`), zip);
    // A machine with no database and no site data: only the file and the key.
    const env = { ...process.env, DATA_DIR: path.join(dir, 'nothing-here'), MONGODB_URI: 'mongodb://127.0.0.1:1/none' };
    const ok = await run('npx', ['tsx', 'src/cli.ts', 'dossier:verify', path.join(dir, `${ref}.zip`), '--key', path.join(dir, 'key.pem')], { env });
    expect(ok.stdout).to.contain('"valid":true');
    const tampered = new Map(files);
    const csv = Buffer.from(files.get('incidents.csv')!);
    csv[csv.length - 2] = csv[csv.length - 2]! ^ 0x01;
    tampered.set('incidents.csv', csv);
    writeFileSync(path.join(dir, 'bad.zip'), await zipFiles(tampered, new Date()));
    const bad = await run('npx', ['tsx', 'src/cli.ts', 'dossier:verify', path.join(dir, 'bad.zip'), '--key', path.join(dir, 'key.pem')], { env }).catch((e: { code: number; stdout: string }) => e);
    expect((bad as { code: number }).code).to.equal(1);
    expect((bad as { stdout: string }).stdout).to.contain('incidents.csv: SHA-256 mismatch');
  });

  it('when a dossier ZIP is uploaded to /dossiers/verify, then the page says valid; a changed one is named invalid with the file', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { ref, zip, files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const visitor = agent(app);
    expect((await visitor.get('/methodology')).text).to.contain('href="/dossiers/verify"');
    const page = await visitor.get('/dossiers/verify');
    const token = /name="_csrf" value="([^"]+)"|_csrf=([^"&]+)"/.exec(page.text)!;
    const csrf = decodeURIComponent(token[1] ?? token[2]!);
    const good = await visitor.post(`/dossiers/verify?_csrf=${encodeURIComponent(csrf)}`).set('Sec-Fetch-Site', 'same-origin').attach('files', zip, `${ref}.zip`);
    expect(good.status).to.equal(200);
    expect(good.text).to.contain('Valid: signed by this site and unchanged');
    const html = Buffer.from(files.get('dossier.html')!);
    html[100] = html[100]! ^ 0x01;
    let req = visitor.post(`/dossiers/verify?_csrf=${encodeURIComponent(csrf)}`).set('Sec-Fetch-Site', 'same-origin');
    for (const [name, data] of files) req = req.attach('files', name === 'dossier.html' ? html : data, name);
    const bad = await req;
    expect(bad.text).to.contain('Not valid').and.contain('dossier.html: SHA-256 mismatch');
    const empty = await visitor.post(`/dossiers/verify?_csrf=${encodeURIComponent(csrf)}`).set('Sec-Fetch-Site', 'same-origin').field('x', 'y');
    expect(empty.status).to.equal(422);
  });

  it('when the audience is public, then no restricted incident and no identity appears in any file; official adds restricted incidents, marked, still without identities', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const identity = { category: 'journalist', pseudonym: 'CANARYPSEUDONYM', identity: seal('CANARY-IDENTITY Jane Roe'), contact: seal('canary@victim.example'), consentToPublish: true };
    await verifiedIncident({ title: 'Public case', productId: product._id, vendorId: vendor._id, extra: { targets: [identity] } });
    await verifiedIncident({ title: 'CANARYRESTRICTED case', visibility: 'restricted', productId: product._id, vendorId: vendor._id, extra: { targets: [identity] } });
    await verifiedIncident({ title: 'CANARYDRAFT case', productId: product._id, vendorId: vendor._id, status: 'in-review' as never });
    const a = await policymaker(app);
    const scan = (files: Map<string, Buffer>, needle: string) => [...files.entries()].filter(([name, data]) => name !== 'dossier.pdf' && data.toString('utf8').includes(needle)).map(([name]) => name);
    const pdfText = async (files: Map<string, Buffer>) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'pdf-'));
      writeFileSync(path.join(dir, 'd.pdf'), files.get('dossier.pdf')!);
      return (await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'd.pdf'), '-'])).stdout;
    };

    const pub = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug, audience: 'public' });
    for (const canary of ['CANARYRESTRICTED', 'CANARYDRAFT', 'CANARY-IDENTITY', 'canary@victim', 'CANARYPSEUDONYM']) {
      expect(scan(pub.files, canary), canary).to.deep.equal([]);
      expect(await pdfText(pub.files)).not.to.contain(canary);
    }
    expect(scan(pub.files, 'Public case').length).to.be.greaterThan(3);

    const official = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug, audience: 'official' });
    expect(scan(official.files, 'CANARYRESTRICTED')).to.include.members(['dossier.json', 'dossier.html', 'incidents.csv', 'dossier.stix.json']);
    for (const canary of ['CANARYDRAFT', 'CANARY-IDENTITY', 'canary@victim', 'CANARYPSEUDONYM']) expect(scan(official.files, canary), canary).to.deep.equal([]);
    const json = JSON.parse(official.files.get('dossier.json')!.toString()) as { incidents: { title: string; visibility: string }[] };
    expect(json.incidents.find((i) => i.title.startsWith('CANARYRESTRICTED'))!.visibility).to.equal('restricted');
    expect(official.files.get('dossier.html')!.toString()).to.contain('OFFICIAL');
    // Every STIX object only the restricted incident brings carries TLP:AMBER, not only its report;
    // what public incidents show too carries none.
    const TLP_AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
    const stix = JSON.parse(official.files.get('dossier.stix.json')!.toString()) as { objects: { id: string; type: string; name?: string; object_refs?: string[]; object_marking_refs?: string[] }[] };
    const reports = stix.objects.filter((o) => o.type === 'report');
    const restrictedReport = reports.find((r) => r.name!.includes('CANARYRESTRICTED'))!;
    const publicRefs = new Set(reports.filter((r) => r !== restrictedReport).flatMap((r) => r.object_refs ?? []));
    const onlyRestricted = restrictedReport.object_refs!.filter((id) => !publicRefs.has(id));
    expect(onlyRestricted.length).to.be.greaterThan(0);
    for (const o of stix.objects.filter((x) => x === restrictedReport || onlyRestricted.includes(x.id))) expect(o.object_marking_refs, o.id).to.deep.equal([TLP_AMBER]);
    for (const o of stix.objects.filter((x) => publicRefs.has(x.id))) expect(o.object_marking_refs, o.id).to.equal(undefined);
  });

  it('when incident text starts with = + - @, then the CSV cells are neutralised', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ title: '=HYPERLINK("http://evil.example","x")', productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const csv = files.get('incidents.csv')!.toString('utf8');
    expect(csv).to.contain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).not.to.match(/(^|,)"?=HYPERLINK/m);
  });

  it('the STIX file of a dossier is valid against the OASIS schemas, with reports, identities, locations and relationships', async function () {
    if (!stixSchemasAvailable()) {
      console.log('      (skipped: OASIS STIX schemas not found in ../shared/data)');
      this.skip();
    }
    const { app } = makeApp();
    const { vendor, product, government } = await createEntities();
    // The operator claim names the product it operated: the only way a 'uses' relationship exists.
    await verifiedIncident({ productId: product._id, vendorId: vendor._id, governmentId: government._id, extra: { indicators: [{ type: 'domain', value: 'bad.example' }], attributions: [
      { kind: 'product', product: product._id, confidence: 'high', basis: 'Forensic traces.', sources: [0] },
      { kind: 'government', government: government._id, product: product._id, confidence: 'medium', basis: 'Targeting pattern.', sources: [0] },
    ] } });
    await verifiedIncident({ visibility: 'restricted', productId: product._id, governmentId: government._id });
    const a = await policymaker(app);
    const { files } = await buildAndDownload(a, { subject: 'government', government: government.slug, audience: 'official' });
    const bundle = JSON.parse(files.get('dossier.stix.json')!.toString()) as { objects: { type: string; id: string; relationship_type?: string }[] };
    expect(stixProblems(bundle)).to.deep.equal([]);
    const types = new Set(bundle.objects.map((o) => o.type));
    for (const t of ['identity', 'malware', 'location', 'report', 'relationship', 'indicator']) expect(types.has(t), t).to.equal(true);
    const rels = new Set(bundle.objects.filter((o) => o.type === 'relationship').map((o) => o.relationship_type));
    for (const r of ['uses', 'targets', 'attributed-to', 'indicates']) expect(rels.has(r), r).to.equal(true);
    // One 'uses', from the linked claim, with its confidence; the unlinked operator of the restricted incident uses nothing.
    expect(bundle.objects.filter((o) => o.relationship_type === 'uses').map((o) => (o as { confidence?: number }).confidence)).to.deep.equal([50]);
  });

  it('when an incident has a reviewer\'s translation, then an Arabic dossier carries the text as written (marked with its language) and the translation marked as such, and STIX carries it as language content', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const updatedAt = new Date('2026-11-01T00:00:00Z');
    await verifiedIncident({ productId: product._id, vendorId: vendor._id, title: 'Journalist hacked', summary: 'Spyware traces were found.', extra: { lang: 'en', translation: { lang: 'ar', title: 'اختراق هاتف صحفي', summary: 'عُثر على آثار برنامج تجسس.', updatedAt } } });
    const a = await policymaker(app);
    const { files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug, language: 'ar' });
    const json = JSON.parse(files.get('dossier.json')!.toString('utf8')) as { incidents: { title: string; language: string; translation: unknown }[] };
    expect(json.incidents[0]).to.deep.include({ title: 'Journalist hacked', language: 'en', translation: { language: 'ar', title: 'اختراق هاتف صحفي', summary: 'عُثر على آثار برنامج تجسس.', updatedAt: updatedAt.toISOString() } });
    const html = files.get('dossier.html')!.toString('utf8');
    expect(html).to.include('<bdi lang="en" dir="auto">Journalist hacked</bdi>');
    expect(html).to.match(/<div class="translation" lang="ar">[\s\S]*ترجمة عن الإنجليزية[\s\S]*اختراق هاتف صحفي/);
    const bundle = JSON.parse(files.get('dossier.stix.json')!.toString()) as { objects: { type: string; id: string; lang?: string; object_ref?: string; contents?: Record<string, { name: string }> }[] };
    const report = bundle.objects.find((o) => o.type === 'report')!;
    expect(report.lang).to.equal('en');
    const content = bundle.objects.find((o) => o.type === 'language-content' && o.object_ref === report.id)!;
    expect(content.object_ref).to.equal(report.id);
    expect(content.contents!.ar!.name).to.include('اختراق هاتف صحفي');
  });

  it('when the same vendor dossier is built in English and in Arabic, at different times, then every STIX object is the same (id, created, modified, English names), Arabic names travel as language-content, and the product export carries the same vendor, product and government objects', async () => {
    const { app } = makeApp();
    const { vendor, product, government } = await createEntities();
    await Government.updateOne({ _id: government._id }, { $set: { nameAr: 'حكومة المغرب' } });
    await verifiedIncident({ productId: product._id, vendorId: vendor._id, governmentId: government._id, extra: { countries: ['MA'], attributions: [
      { kind: 'product', product: product._id, confidence: 'high', basis: 'Forensic traces.', sources: [0] },
      { kind: 'vendor', vendor: vendor._id, confidence: 'high', basis: 'The vendor sells it.', sources: [0] },
      { kind: 'government', government: government._id, product: product._id, confidence: 'medium', basis: 'Targeting pattern.', sources: [0] },
    ] } });
    const a = await policymaker(app);
    type StixObject = { type: string; id: string; created: string; modified: string; name?: string; object_ref?: string; object_modified?: string; contents?: Record<string, { name?: string }> };
    type Bundle = { id: string; objects: StixObject[] };
    const bundles: Bundle[] = [];
    for (const language of ['en', 'ar']) {
      const { files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug, language });
      bundles.push(JSON.parse(files.get('dossier.stix.json')!.toString()) as Bundle);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [en, ar] = bundles as [Bundle, Bundle];
    expect(ar.id).not.to.equal(en.id);
    // Nothing is dated by the export: the two dossiers, built at different moments in two languages, hold the same objects.
    // (The site's contact is the address it is reached at: each test server has its own port.)
    const byId = (b: Bundle) => Object.fromEntries(b.objects.map((o) => [o.id, { ...o, ...('contact_information' in o ? { contact_information: 'the site' } : {}) }]));
    expect(byId(ar)).to.deep.equal(byId(en));
    const one = (type: string, name: string) => ar.objects.find((o) => o.type === type && o.name === name)!;
    const arabicOf = (o: StixObject) => ar.objects.find((x) => x.type === 'language-content' && x.object_ref === o.id);
    const vendorObject = one('identity', vendor.name);
    const actor = one('threat-actor', government.name);
    const location = one('location', 'Morocco');
    for (const [o, name] of [[vendorObject, vendor.nameAr], [actor, 'حكومة المغرب'], [one('identity', government.name), 'حكومة المغرب'], [location, 'المغرب']] as const) {
      expect(arabicOf(o)!.contents, o.type).to.deep.equal({ ar: { name } });
      expect(arabicOf(o)!.object_modified).to.equal(o.modified);
    }
    // The version of a record's object is the record's: created when it was created, modified when last edited.
    const stored = (await Vendor.findById(vendor._id).lean())!;
    expect(vendorObject.created).to.equal(stored.createdAt.toISOString());
    expect(vendorObject.modified).to.equal(stored.updatedAt.toISOString());
    // A government operated the product: a nation-state threat actor, attributed to the government's identity, uses it.
    const uses = ar.objects.find((o) => o.type === 'relationship' && (o as { relationship_type?: string }).relationship_type === 'uses')! as StixObject & { source_ref: string; description: string };
    expect(uses.source_ref).to.equal(actor.id);
    expect(uses.description).to.contain(`${government.name} operated ${product.name}`);
    // The product's own export (claims bundle) carries the very same vendor, product and government objects.
    const claims = (await binary(agent(app), `/products/${product.slug}/claims.stix2`)).body as Buffer;
    const exported = byId(JSON.parse(claims.toString('utf8')) as Bundle);
    const malware = one('malware', product.name);
    for (const o of [malware, vendorObject, actor, one('identity', government.name)]) {
      expect(exported[o.id], o.type).to.deep.equal(o);
      expect(arabicOf(o) ? exported[arabicOf(o)!.id] : undefined, `${o.type} in Arabic`).to.deep.equal(arabicOf(o));
    }
  });

  it('when the form is wrong (unknown vendor, bad filter, bad audience), then it is shown again with the message (422) and nothing is generated', async () => {
    const { app } = makeApp();
    const a = await policymaker(app);
    const unknown = await buildDossier(a, { subject: 'vendor', vendor: 'no-such-vendor' });
    expect(unknown.status).to.equal(422);
    expect(unknown.text).to.contain('Choose a vendor.');
    const filter = await buildDossier(a, { subject: 'filter', filter: 'vendor=x&evil[$gt]=1' });
    expect(filter.status).to.equal(422);
    expect(filter.text).to.contain('This is not a valid /incidents filter.');
    const audience = await buildDossier(a, { subject: 'filter', filter: 'target=journalist', audience: 'everyone' });
    expect(audience.status).to.equal(422);
    expect(await Dossier.countDocuments({})).to.equal(0);
    expect(await AuditEvent.countDocuments({ action: 'dossier.generate' })).to.equal(0);
  });

  it('when a dossier would hold more incidents than DOSSIER_MAX_INCIDENTS, then the builder says so before it is built, and once sent the form is shown again with how many and the bound (422) and nothing is generated, stored or audited; narrowed to the bound, it is built and takes the number the refused one gave back', async () => {
    const { app } = makeApp({ DOSSIER_MAX_INCIDENTS: '2' });
    const { vendor, product } = await createEntities();
    for (const country of ['MA', 'MA', 'FR']) await verifiedIncident({ productId: product._id, vendorId: vendor._id, extra: { countries: [country] } });
    await verifiedIncident({ productId: product._id, vendorId: vendor._id, visibility: 'restricted', extra: { countries: ['FR'] } });
    const a = await policymaker(app);
    // The builder, opened from the vendor's page, says so before anything is built; narrowed, it does not warn.
    const builder = await a.get(`/dossiers?vendor=${vendor.slug}`);
    expect(builder.text).to.contain('Verified incidents this dossier would hold: 3 public; 4 with the restricted ones (official audience). One dossier holds at most 2.');
    expect(builder.text).to.contain('Narrow it with a filter');
    const narrowed = await a.get(`/dossiers?filter=${encodeURIComponent(`vendor=${vendor.slug}&country=MA`)}`);
    expect(narrowed.text).to.contain('would hold: 2 public; 2 with the restricted ones').and.not.contain('Narrow it with a filter');
    const stored = () => readdirSync(path.join(testState.dataDir!, 'dossiers')).length;
    const before = stored();
    const refused = await buildDossier(a, { subject: 'vendor', vendor: vendor.slug });
    expect(refused.status).to.equal(422);
    expect(refused.text).to.contain('This dossier would hold more incidents than one dossier can. Nothing was generated.');
    expect(refused.text).to.contain('It would hold 3 verified incidents; one dossier holds at most 2');
    expect(await Dossier.countDocuments({})).to.equal(0);
    expect(await AuditEvent.countDocuments({ action: 'dossier.generate' })).to.equal(0);
    expect(await Claim.countDocuments({ _id: /^dossier/ })).to.equal(0);
    expect(stored()).to.equal(before);

    const { ref, files } = await buildAndDownload(a, { subject: 'filter', filter: `vendor=${vendor.slug}&country=MA` });
    expect(ref).to.match(/^D-\d{4}-00001$/);
    expect(await Claim.countDocuments({ _id: /^dossier/ }), 'its number and its version').to.equal(2);
    expect((JSON.parse(files.get('dossier.json')!.toString('utf8')) as { incidents: unknown[] }).incidents).to.have.length(2);
  });

  it('researchers and visitors cannot build or read dossiers; a policymaker cannot read another policymaker\'s dossier', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { ref } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const researcher = agent(app);
    await signIn(researcher, await createUser({ roles: ['researcher'] }));
    expect((await researcher.get('/dossiers')).status).to.equal(403);
    expect((await researcher.get(`/dossiers/${ref}/download`)).status).to.equal(403);
    expect((await agent(app).get(`/dossiers/${ref}`)).status).to.equal(302);
    const other = await policymaker(app);
    expect((await other.get(`/dossiers/${ref}`)).status).to.equal(404);
    expect((await other.get(`/dossiers/${ref}/download`)).status).to.equal(404);
    expect((await other.get('/dossiers')).text).not.to.contain(ref);
  });

  it('a dossier can be built from the current /incidents filter', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ title: 'Matching one', productId: product._id, vendorId: vendor._id });
    await verifiedIncident({ title: 'Other one' });
    const a = await policymaker(app);
    const search = await a.get(`/incidents?vendor=${vendor.slug}`);
    expect(search.text).to.contain(`/dossiers?filter=${encodeURIComponent(`vendor=${vendor.slug}`)}`);
    const form = await a.get(`/dossiers?filter=${encodeURIComponent(`vendor=${vendor.slug}`)}`);
    expect(form.text).to.contain(`value="vendor=${vendor.slug}"`);
    const { files } = await buildAndDownload(a, { subject: 'filter', filter: `vendor=${vendor.slug}` });
    const json = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { title: string }[]; subject: { query: string } };
    expect(json.incidents.map((i) => i.title)).to.deep.equal(['Matching one']);
    expect(json.subject.query).to.equal(`vendor=${vendor.slug}`);
  });

  it('when an archive was stored but its generation never recorded, then the start-up sweep removes it and keeps the recorded ones; one being written by another app on a shared database is kept, and swept at once by an app that owns the engine', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { ref, zip } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const store = new SealedFileStore(path.join(testState.dataDir!, 'dossiers'));
    const orphan = store.write(Buffer.from('interrupted'));
    const old = new Date(Date.now() - 3_600_000);
    for (const name of readdirSync(store.dir)) utimesSync(path.join(store.dir, name), old, old);
    const recorded = (await Dossier.findOne({ ref }).lean())!.archive!.file;
    // Another app's generation in progress on a shared database: an archive being written as it is zipped.
    const inFlight = '.0123456789abcdef0123456789abcdef.tmp';
    writeFileSync(path.join(store.dir, inFlight), 'half-written');
    // (Archives left by earlier tests in this DATA_DIR, whose records were emptied, go too.)
    const shared = await sweepDossiers(store, false);
    expect(shared).to.include(`${orphan}.bin`).and.not.include(`${recorded}.bin`).and.not.include(inFlight);
    expect(readdirSync(store.dir)).to.include(inFlight);
    // Owning the engine: nothing can be in flight, so a half-written archive goes at once.
    expect(await sweepDossiers(store, true)).to.deep.equal([inFlight]);
    expect(((await binary(a, `/dossiers/${ref}/download`)).body as Buffer).equals(zip)).to.equal(true);
  });

  it('when a dossier is downloaded, then it is sent with its length from the sealed store as stored; an archive that is not the one its record names is refused and none of it is sent', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const a = await policymaker(app);
    const { ref, zip } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const res = await binary(a, `/dossiers/${ref}/download`);
    expect(res.status).to.equal(200);
    expect(res.headers['content-length']).to.equal(String(zip.length));
    expect((res.body as Buffer).equals(zip)).to.equal(true);
    // Another sealed file in its place (it opens, but it is not this dossier's archive).
    const store = new SealedFileStore(path.join(testState.dataDir!, 'dossiers'));
    const other = store.write(Buffer.from('PK-not-this-dossier'));
    await Dossier.updateOne({ ref }, { $set: { 'archive.file': other } });
    const refused = await binary(a, `/dossiers/${ref}/download`);
    expect(refused.status).to.equal(500);
    expect((refused.body as Buffer).includes('PK-not-this-dossier')).to.equal(false);
    expect(await AuditEvent.countDocuments({ action: 'dossier.download', 'subject.id': ref })).to.equal(2);
  });

  it('a vendor dossier covers its subsidiaries and the company it continued as after a rename, and names the parent only as context', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const parent = await Vendor.create({ slug: `${vendor.slug}-parent`, name: 'Parent Holding' });
    await Vendor.updateOne({ _id: vendor._id }, { $set: { parent: parent._id } });
    const renamed = await Vendor.create({ slug: `${vendor.slug}-renamed`, name: 'Renamed Successor Ltd' });
    await Vendor.updateOne({ _id: vendor._id }, { $set: { successor: renamed._id } });
    await verifiedIncident({ title: 'Before the rename', productId: product._id, vendorId: vendor._id });
    await verifiedIncident({ title: 'After the rename', vendorId: renamed._id });
    await verifiedIncident({ title: 'Parent only', vendorId: parent._id });
    const a = await policymaker(app);
    const { files } = await buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug });
    const json = JSON.parse(files.get('dossier.json')!.toString()) as { incidents: { title: string }[]; identity: { vendors: { name: string; role: string }[] } };
    expect(json.incidents.map((i) => i.title).sort()).to.deep.equal(['After the rename', 'Before the rename']);
    expect(json.identity.vendors.map((v) => `${v.name}:${v.role}`).sort()).to.deep.equal(['Parent Holding:parent', 'Renamed Successor Ltd:successor', `${vendor.name}:subject`].sort());
  });

  it('when two policymakers generate the same dossier at the same moment, then both get their own id and distinct versions', async () => {
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const [a, b] = await Promise.all([policymaker(app), policymaker(app)]);
    const [x, y] = await Promise.all([buildAndDownload(a, { subject: 'vendor', vendor: vendor.slug }), buildAndDownload(b, { subject: 'vendor', vendor: vendor.slug })]);
    expect(x.ref).not.to.equal(y.ref);
    const versions = (await Dossier.find({}).lean()).map((d) => d.version).sort();
    expect(versions).to.deep.equal([1, 2]);
  });
});
