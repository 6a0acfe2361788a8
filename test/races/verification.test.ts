import { expect } from 'chai';
import { AuditEvent } from '../../src/audit/index.js';
import { Incident } from '../../src/incidents/model.js';
import { Review } from '../../src/verification/model.js';
import { closeApps, csrfFrom, makeApp } from '../helpers/app.js';
import { createIncident, signedInAs } from '../helpers/factories.js';
import { printRace } from '../helpers/race.js';

const WAYS = 50;
const ROUNDS = 5;
const checklist = { sourceIdentified: 'yes', technicalEvidence: 'yes', corroborated: 'yes', riskConsidered: 'yes' };

describe('races: verification (50 ways at once, 5 rounds)', function () {
  this.timeout(600_000);
  afterEach(closeApps);

  it('when the completing approval and a request for changes are sent at once (25 each), then the round ends once: verified without a stored objection, or sent back unverified', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const incident = await createIncident({ status: 'in-review', title: `Race ${round}` });
      const [first, second, objector] = await Promise.all([signedInAs(app, ['reviewer']), signedInAs(app, ['reviewer']), signedInAs(app, ['reviewer'])]);
      const firstToken = await csrfFrom(first, `/incidents/${incident.ref}`);
      expect((await first.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: firstToken, decision: 'approve', ...checklist })).status).to.equal(302);
      const [approveToken, objectToken] = await Promise.all([csrfFrom(second, `/incidents/${incident.ref}`), csrfFrom(objector, `/incidents/${incident.ref}`)]);
      const results = await Promise.all(
        Array.from({ length: WAYS }, (_, i) =>
          i % 2 === 0
            ? second.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: approveToken, decision: 'approve', ...checklist })
            : objector.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: objectToken, decision: 'request-changes', note: 'Second source missing.' }),
        ),
      );
      expect(results.filter((r) => r.status >= 500).map((r) => r.status)).to.deep.equal([]);
      const after = (await Incident.findById(incident._id).lean())!;
      const closing = (await AuditEvent.find({ 'subject.id': incident.ref }).lean()).filter((e) => e.action === 'incident.verified' || e.action === 'incident.sent-back');
      expect(closing, 'the round ended exactly once').to.have.length(1);
      const objections = await Review.countDocuments({ incident: incident._id, round: 1, decision: 'request-changes' });
      if (after.verification!.status === 'verified') {
        expect(objections, 'no objection stored beside a verification').to.equal(0);
        expect(after.verification!.round).to.equal(1);
      } else {
        expect(after.verification!.status).to.equal('draft');
        expect(after.verification!.round).to.equal(2);
        expect(after.published).to.equal(false);
        expect(objections).to.equal(1);
      }
      outcomes.push(after.verification!.status);
    }
    printRace('approval vs request for changes, outcome (round ended once)', WAYS, outcomes);
    expect(outcomes.every((o) => o === 'verified' || o === 'draft')).to.equal(true);
  });

  it('when five reviewers each send their approval 10 times at once (50), then each approval counts once and the round is verified once, naming at least two different approvers', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { app } = makeApp();
      const incident = await createIncident({ status: 'in-review', title: `Slots ${round}` });
      const reviewers = await Promise.all(Array.from({ length: 5 }, () => signedInAs(app, ['reviewer'])));
      const tokens = await Promise.all(reviewers.map((r) => csrfFrom(r, `/incidents/${incident.ref}`)));
      const results = await Promise.all(Array.from({ length: WAYS }, (_, i) => reviewers[i % 5]!.post(`/incidents/${incident.ref}/reviews`).type('form').send({ _csrf: tokens[i % 5]!, decision: 'approve', ...checklist })));
      expect(results.filter((r) => r.status >= 500).map((r) => r.status)).to.deep.equal([]);
      expect(await Review.countDocuments({ incident: incident._id }), 'one approval per reviewer').to.equal(5);
      const verified = await AuditEvent.find({ action: 'incident.verified', 'subject.id': incident.ref }).lean();
      expect(verified, 'verified once').to.have.length(1);
      const approvers = (verified[0]!.details as { approvers: string[] }).approvers;
      expect(new Set(approvers).size, 'different approvers').to.equal(approvers.length);
      expect(approvers.length).to.be.at.least(2);
      expect((await Incident.findById(incident._id).lean())!.verification!.status).to.equal('verified');
      outcomes.push(`verified by ${approvers.length}`);
    }
    printRace('five reviewers approving at once, round verified once', WAYS, outcomes);
  });
});
