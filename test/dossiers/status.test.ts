import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { agent, closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createEntities, signedInAs } from '../helpers/factories.js';
import { Incident } from '../../src/incidents/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { buildAndDownload, verifiedIncident } from './helpers.js';
import { publish } from '../../src/events/index.js';

const run = promisify(execFile);

/** A dossier knows when it is out of date (dossiers/status.ts), on its page, in the web verifier and offline. */
describe('dossiers that know when they are out of date', () => {
  afterEach(closeApps);

  it('when an incident in a signed dossier is retracted, then its page, the web verifier and the offline verifier with the status list say superseded and name it; without the list the offline verifier says it cannot tell [spawns a process]', async function () {
    this.timeout(180_000);
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const kept = await verifiedIncident({ title: 'Still standing', productId: product._id, vendorId: vendor._id });
    const doomed = await verifiedIncident({ title: 'Later retracted', productId: product._id, vendorId: vendor._id });
    const policymaker = await signedInAs(app, ['policymaker']);
    const { ref, zip } = await buildAndDownload(policymaker, { subject: 'vendor', vendor: vendor.slug });
    expect((await policymaker.get(`/dossiers/${ref}`)).text).to.include('Current: every incident in this dossier is still verified');

    const reviewer = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(reviewer, `/incidents/${doomed.ref}`);
    await reviewer.post(`/incidents/${doomed.ref}/retract`).type('form').send({ _csrf: token, reason: 'The traces were misread.' });

    const page = (await policymaker.get(`/dossiers/${ref}`)).text;
    expect(page).to.include('Signature valid, but superseded');
    expect(page).to.include(`${doomed.ref} was retracted`);
    expect(page).not.to.include(`${kept.ref} was`);

    // The public web verifier: still valid (nothing in the archive changed), and superseded.
    const visitor = agent(app);
    const form = await visitor.get('/dossiers/verify');
    const m = /name="_csrf" value="([^"]+)"|_csrf=([^"&]+)"/.exec(form.text)!;
    const csrf = decodeURIComponent(m[1] ?? m[2]!);
    const checked = await visitor.post(`/dossiers/verify?_csrf=${encodeURIComponent(csrf)}`).set('Sec-Fetch-Site', 'same-origin').attach('files', zip, `${ref}.zip`);
    expect(checked.text).to.include('Valid: signed by this site and unchanged');
    expect(checked.text).to.include(`${doomed.ref} was retracted`);

    // Offline, with the site's signed status list and its public key only.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-status-'));
    writeFileSync(path.join(dir, `${ref}.zip`), zip);
    writeFileSync(path.join(dir, 'key.pem'), (await visitor.get('/.well-known/tracker-signing-key.pem')).text);
    const list = await visitor.get('/dossiers/status.json');
    expect(list.status).to.equal(200);
    writeFileSync(path.join(dir, 'status.json'), list.text);
    const env = { ...process.env, DATA_DIR: path.join(dir, 'nothing-here'), MONGODB_URI: 'mongodb://127.0.0.1:1/none' };
    const cli = (extra: string[]) => run('npx', ['tsx', 'src/cli.ts', 'dossier:verify', path.join(dir, `${ref}.zip`), '--key', path.join(dir, 'key.pem'), ...extra], { env });
    const withList = await cli(['--status', path.join(dir, 'status.json')]);
    expect(withList.stdout).to.contain('"valid":true').and.contain('"status":"superseded');
    expect(withList.stdout).to.contain(`SUPERSEDED ${doomed.ref} retracted`);
    const without = await cli([]);
    expect(without.stdout).to.contain('"valid":true').and.contain('"status":"unknown: no status list given');
    // A status list altered to say "current" no longer verifies.
    const forged = JSON.parse(list.text) as { list: string };
    forged.list = forged.list.replace('"superseded"', '"current"');
    writeFileSync(path.join(dir, 'forged.json'), JSON.stringify(forged));
    expect((await cli(['--status', path.join(dir, 'forged.json')])).stdout).to.contain('the status list does not verify');
  });

  it('when a dossier is made again, then the earlier version says a newer one replaces it', async function () {
    this.timeout(180_000);
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    await verifiedIncident({ productId: product._id, vendorId: vendor._id });
    const policymaker = await signedInAs(app, ['policymaker']);
    const first = await buildAndDownload(policymaker, { subject: 'vendor', vendor: vendor.slug });
    const second = await buildAndDownload(policymaker, { subject: 'vendor', vendor: vendor.slug });
    expect((await policymaker.get(`/dossiers/${first.ref}`)).text).to.include(`a newer version exists: ${second.ref}`);
    expect((await policymaker.get(`/dossiers/${second.ref}`)).text).to.include('Current:');
  });

  it('when a vendor it names is edited, then the dossier is superseded naming the record; the next version names what changed since (added, removed, verified again, records edited), in its JSON, HTML and PDF', async function () {
    this.timeout(180_000);
    const { app } = makeApp();
    const { vendor, product } = await createEntities();
    const kept = await verifiedIncident({ title: 'Kept', productId: product._id, vendorId: vendor._id });
    const doomed = await verifiedIncident({ title: 'Retracted later', productId: product._id, vendorId: vendor._id });
    const reworked = await verifiedIncident({ title: 'Verified again later', productId: product._id, vendorId: vendor._id });
    const policymaker = await signedInAs(app, ['policymaker']);
    const first = await buildAndDownload(policymaker, { subject: 'vendor', vendor: vendor.slug });

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await Vendor.updateOne({ _id: vendor._id }, { $set: { name: `${vendor.name} Ltd` } });
    let page = (await policymaker.get(`/dossiers/${first.ref}`)).text;
    expect(page).to.include('Signature valid, but superseded');
    expect(page).to.include(`The record of Vendor “${vendor.slug}” was edited`);

    const reviewer = await signedInAs(app, ['reviewer']);
    const token = await csrfFrom(reviewer, `/incidents/${doomed.ref}`);
    await reviewer.post(`/incidents/${doomed.ref}/retract`).type('form').send({ _csrf: token, reason: 'Misread traces.' });
    // A substantive edit verified again in a new round (that path is tested with the two-person rule).
    await Incident.updateOne({ _id: reworked._id }, { $set: { 'verification.round': 2, 'verification.verifiedAt': new Date() } });
    await publish({ kind: 'incidents-changed', ids: [reworked._id] });
    const added = await verifiedIncident({ title: 'New since', productId: product._id, vendorId: vendor._id });

    const second = await buildAndDownload(policymaker, { subject: 'vendor', vendor: vendor.slug });
    const json = JSON.parse(second.files.get('dossier.json')!.toString()) as { version: number; previous: { id: string; version: number; added: string[]; removed: string[]; reverified: string[]; entitiesEdited: { kind: string; slug: string }[] } };
    expect(json.version).to.equal(2);
    expect(json.previous).to.deep.include({ id: first.ref, version: 1, added: [added.ref], removed: [doomed.ref], reverified: [reworked.ref], entitiesEdited: [{ kind: 'vendor', slug: vendor.slug }] });
    expect(second.files.get('dossier.html')!.toString()).to.include('What changed since version 1');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dossier-previous-'));
    writeFileSync(path.join(dir, 'd.pdf'), second.files.get('dossier.pdf')!);
    const text = (await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'd.pdf'), '-'])).stdout;
    expect(text, text.slice(text.indexOf('What changed'), text.indexOf('What changed') + 800)).to.include('What changed since version 1').and.include(doomed.ref);
    page = (await policymaker.get(`/dossiers/${first.ref}`)).text;
    expect(page).to.include(`a newer version exists: ${second.ref}`);
    expect(page).not.to.include(`${kept.ref} was`);
    expect((await policymaker.get(`/dossiers/${second.ref}`)).text).to.include('Current:');
  });
});
