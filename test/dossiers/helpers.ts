import { readFileSync } from 'node:fs';
import yazl from 'yazl';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import { stixProblems, stixSchemasAvailable } from '../helpers/stix-schemas.js';
import { Review } from '../../src/verification/model.js';
import { numberReview } from '../../src/verification/service.js';
import { binary, csrfFrom, type Agent } from '../helpers/app.js';
import { createIncident, createUser } from '../helpers/factories.js';
import { readArchive } from '../../src/dossiers/package.js';

/** A verified incident with its two approvals on record (as the two-person rule leaves it). */
export async function verifiedIncident(props: Parameters<typeof createIncident>[0] = {}) {
  const incident = await createIncident({ status: 'verified', ...props });
  for (let n = 0; n < 2; n++) {
    const { user } = await createUser({ roles: ['reviewer'] });
    const review = await Review.create({ incident: incident._id, round: 1, reviewer: user._id, decision: 'approve', checklist: { sourceIdentified: true, technicalEvidence: true, corroborated: true, riskConsidered: true }, at: new Date() });
    await numberReview(incident._id, review._id);
  }
  return incident;
}

export async function buildDossier(a: Agent, form: Record<string, string>) {
  const token = await csrfFrom(a, '/dossiers');
  return a.post('/dossiers').type('form').send({ _csrf: token, audience: 'public', framing: 'us-entity-list', language: 'en', ...form });
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
export const validateDossierJson = ajv.compile(JSON.parse(readFileSync('public/schemas/dossier-v1.schema.json', 'utf8')) as object);

/**
 * Builds a dossier and downloads it: the ZIP bytes and its files. Every dossier a test makes is
 * checked on the way: its JSON against the repository's JSON Schema, its STIX bundle against the
 * OASIS schemas (when ../shared/data holds them).
 */
export async function buildAndDownload(a: Agent, form: Record<string, string>) {
  const res = await buildDossier(a, form);
  if (res.status !== 303) throw new Error(`dossier not built: ${res.status} ${res.text.slice(0, 300)}`);
  const ref = String(res.headers.location).split('/').pop()!;
  const zip = (await binary(a, `/dossiers/${ref}/download`)).body as Buffer;
  const files = readArchive(zip);
  const json = JSON.parse(files.get('dossier.json')!.toString('utf8')) as unknown;
  expect(validateDossierJson(json), ajv.errorsText(validateDossierJson.errors)).to.equal(true);
  if (stixSchemasAvailable()) expect(stixProblems(JSON.parse(files.get('dossier.stix.json')!.toString('utf8')) as never)).to.deep.equal([]);
  return { ref, zip, files };
}

/** A ZIP of exactly these entries, in this order (yazl writes what it is given, duplicates too). */
export function zipOf(entries: [string, Buffer][]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const [name, data] of entries) {
      if (name.endsWith('/')) zip.addEmptyDirectory(name);
      else zip.addBuffer(data, name, { mtime: new Date(0) });
    }
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
    zip.end();
  });
}

