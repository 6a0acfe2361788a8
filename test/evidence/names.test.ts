import { expect } from 'chai';
import mongoose from 'mongoose';
import { AuditEvent } from '../../src/audit/index.js';
import { Evidence } from '../../src/evidence/model.js';
import { sealEvidenceNames } from '../../src/evidence/service.js';
import { open, type Sealed } from '../../src/vault/index.js';
import { agent, closeApps, csrfFrom, makeApp, type Agent } from '../helpers/app.js';
import { createUser, signIn, signedInAs } from '../helpers/factories.js';
import { postReportMultipart, reportForm } from '../helpers/reports.js';
import { mvtJson } from './helpers.js';

const NAME = 'Jane-Doe-phone-backup.json';

const submitWithFile = (a: Agent) => postReportMultipart(a, reportForm(), [{ name: NAME, data: mvtJson }]);

describe('evidence file names are sealed', () => {
  afterEach(closeApps);

  it('when a researcher uploads a file, then its name is stored only sealed, pages show a neutral label, and only a reviewer\'s audited reveal shows it', async () => {
    const { app } = makeApp();
    const researcher = agent(app);
    await signIn(researcher, await createUser());
    const res = await submitWithFile(researcher);
    expect(res.status).to.equal(303);
    const raw = JSON.stringify(await mongoose.connection.db!.collection('evidences').find({}).toArray());
    expect(raw).not.to.include('Jane-Doe');
    expect(JSON.stringify(await AuditEvent.find({}).lean())).not.to.include('Jane-Doe');
    const item = (await Evidence.findOne({}).lean())!;
    expect(item.name).to.equal(`file-${item.original.sha256.slice(0, 12)}.json`);
    expect(open(item.sealedName as Sealed)).to.equal(NAME);

    const own = await researcher.get(res.headers.location!);
    expect(own.text).to.include(item.name);
    expect(own.text).not.to.include('Jane-Doe');

    const reviewer = await signedInAs(app, ['reviewer']);
    const custody = await reviewer.get(`/evidence/${String(item._id)}`);
    expect(custody.text).not.to.include('Jane-Doe');
    const token = /name="_csrf" value="([^"]+)"/.exec(custody.text)![1]!;
    const revealed = await reviewer.post(`/evidence/${String(item._id)}/reveal-name`).type('form').send({ _csrf: token });
    expect(revealed.status).to.equal(200);
    expect(revealed.text).to.include(NAME);
    expect(await AuditEvent.countDocuments({ action: 'evidence.name.revealed', 'subject.id': String(item._id) })).to.equal(1);
    // The next view is sealed again.
    expect((await reviewer.get(`/evidence/${String(item._id)}`)).text).not.to.include('Jane-Doe');

    // The uploader cannot use the reveal (it is a reviewer's audited act).
    const researcherToken = await csrfFrom(researcher, '/account');
    const refused = await researcher.post(`/evidence/${String(item._id)}/reveal-name`).type('form').send({ _csrf: researcherToken });
    expect(refused.status).to.equal(403);
  });

  it('when records from an earlier version hold names in clear, then the start-up migration seals them once and audits it', async () => {
    const sha = 'a'.repeat(64);
    await mongoose.connection.db!.collection('evidences').insertOne({ name: 'Legacy Person.pdf', original: { file: 'x', sha256: sha, size: 1, mediaType: 'application/pdf' }, classification: 'restricted', receivedAt: new Date() });
    expect(await sealEvidenceNames()).to.equal(1);
    expect(await sealEvidenceNames()).to.equal(0);
    const raw = (await mongoose.connection.db!.collection('evidences').findOne({}))!;
    expect(JSON.stringify(raw)).not.to.include('Legacy Person');
    expect(raw.name).to.equal(`file-${sha.slice(0, 12)}.pdf`);
    expect(open(raw.sealedName as Sealed)).to.equal('Legacy Person.pdf');
    expect(await AuditEvent.countDocuments({ action: 'evidence.names.sealed', 'details.count': 1 })).to.equal(1);
  });
});
