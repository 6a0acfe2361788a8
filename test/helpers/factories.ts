import { generate } from 'otplib';
import { User, type UserDocument } from '../../src/auth/model.js';
import { hashPassword } from '../../src/auth/password.js';
import { newTotpSecret } from '../../src/auth/totp.js';
import { seal } from '../../src/vault/index.js';
import type { Role } from '../../src/config.js';
import { agent, csrfFrom, type Agent } from './app.js';
import { insertWithNextRef } from '../../src/db/sequence.js';
import { Government } from '../../src/governments/model.js';
import { Incident, type IncidentDocument } from '../../src/incidents/model.js';
import { Product } from '../../src/products/model.js';
import { Vendor } from '../../src/vendors/model.js';
import { publish } from '../../src/events/index.js';

export const PASSWORD = 'correct horse battery staple';
const hashes = new Map<string, Promise<string>>();

/** scrypt at N=2^17 costs ~0.3 s: hash each distinct test password once per run. */
function cachedHash(password: string, logN = 17): Promise<string> {
  const key = `${logN}:${password}`;
  if (!hashes.has(key)) hashes.set(key, hashPassword(password, logN));
  return hashes.get(key)!;
}

let counter = 0;

export async function createUser(props: {
  roles?: Role[];
  status?: 'pending' | 'active' | 'disabled';
  password?: string;
  name?: string;
  email?: string;
  totp?: boolean;
  /**
   * Race tests sign in 50 sessions per round: a hash at scrypt N=2^10 keeps that preparation fast
   * (verification reads N from the stored hash). Never for tests of the password itself.
   */
  cheapHash?: boolean;
} = {}): Promise<{ user: UserDocument; email: string; password: string; totpSecret?: string }> {
  counter += 1;
  const email = props.email ?? `user${counter}.${Date.now().toString(36)}@example.org`;
  const password = props.password ?? PASSWORD;
  const totpSecret = props.totp ? newTotpSecret() : undefined;
  const user = await User.create({
    email,
    name: props.name ?? `Test User ${counter}`,
    roles: props.roles ?? ['researcher'],
    status: props.status ?? 'active',
    passwordHash: await cachedHash(password, props.cheapHash ? 10 : 17),
    ...(totpSecret ? { totp: { secret: seal(totpSecret), enabledAt: new Date() } } : {}),
  });
  return { user, email, password, totpSecret };
}

export async function totpCode(secret: string): Promise<string> {
  return generate({ secret });
}

/** Signs in through the real forms (password, then the TOTP step when the account has one). */
export async function signIn(a: Agent, account: { email: string; password: string; totpSecret?: string }): Promise<void> {
  const token = await csrfFrom(a, '/login');
  const res = await a.post('/login').type('form').send({ _csrf: token, email: account.email, password: account.password });
  if (res.status !== 302) throw new Error(`login failed with ${res.status}`);
  if (res.headers.location === '/login/totp') {
    if (!account.totpSecret) throw new Error('account needs a TOTP code');
    const t2 = await csrfFrom(a, '/login/totp');
    const r2 = await a.post('/login/totp').type('form').send({ _csrf: t2, code: await totpCode(account.totpSecret) });
    if (r2.status !== 302) throw new Error(`TOTP step failed with ${r2.status}`);
  }
}

// ---- reference data and incidents ---------------------------------------------------------------


export async function createEntities(): Promise<{ vendor: InstanceType<typeof Vendor>; product: InstanceType<typeof Product>; government: InstanceType<typeof Government> }> {
  counter += 1;
  const vendor = await Vendor.create({ slug: `vendor-${counter}`, name: `Vendor ${counter}`, nameAr: `مورّد ${counter}`, hqCountry: 'IL' });
  const product = await Product.create({ slug: `product-${counter}`, name: `Product ${counter}`, vendor: vendor._id, category: 'spyware' });
  const government = await Government.create({ slug: `government-${counter}`, country: 'MA', name: `Government ${counter}` });
  return { vendor, product, government };
}

/** An incident in a given state, written directly (the HTTP path is tested on its own). */
export async function createIncident(props: {
  title?: string;
  summary?: string;
  status?: 'draft' | 'in-review' | 'verified' | 'disputed' | 'retracted';
  visibility?: 'public' | 'restricted';
  reports?: unknown[];
  productId?: unknown;
  vendorId?: unknown;
  governmentId?: unknown;
  pseudonym?: string;
  extra?: Record<string, unknown>;
} = {}): Promise<IncidentDocument> {
  const status = props.status ?? 'draft';
  const visibility = props.visibility ?? 'public';
  const from = { y: 2021, m: 7 };
  const incident = (await insertWithNextRef(Incident as never, 'I', () => ({
    title: props.title ?? 'An incident',
    summary: props.summary ?? 'What happened.',
    dates: { from, start: new Date(Date.UTC(2021, 6, 1)), end: new Date(Date.UTC(2021, 6, 31, 23, 59, 59)) },
    countries: ['MA'],
    targets: [{ category: 'journalist', pseudonym: props.pseudonym ?? 'Journalist A', consentToPublish: false }],
    attributions: [
      ...(props.productId ? [{ kind: 'product', product: props.productId, confidence: 'high', basis: 'Forensic traces.', sources: [0] }] : []),
      ...(props.vendorId ? [{ kind: 'vendor', vendor: props.vendorId, confidence: 'medium', basis: 'Infrastructure overlap.', sources: [0] }] : []),
      ...(props.governmentId ? [{ kind: 'government', government: props.governmentId, confidence: 'medium', basis: 'Targeting pattern.', sources: [0] }] : []),
    ],
    sources: [{ kind: 'forensic-report', url: 'https://example.org/report', title: 'A forensic report', publisher: 'A Lab', date: new Date('2021-07-18') }],
    indicators: [],
    reports: props.reports ?? [],
    visibility,
    verification: { status, round: 1, ...(status === 'verified' ? { verifiedAt: new Date() } : {}) },
    published: status === 'verified' && visibility === 'public',
    year: 2021,
    productIds: props.productId ? [props.productId] : [],
    vendorIds: props.vendorId ? [props.vendorId] : [],
    governmentIds: props.governmentId ? [props.governmentId] : [],
    ...(props.extra ?? {}),
  }))) as unknown as IncidentDocument;
  await publish({ kind: 'incidents-changed', ids: [incident._id] });
  return incident;
}

/** An agent signed in through the real forms as a new active user with these roles (TOTP when staff). */
export async function signedInAs(app: Parameters<typeof agent>[0], roles: Role[]): Promise<Agent> {
  const a = agent(app);
  await signIn(a, await createUser({ roles, totp: roles.some((r) => r === 'reviewer' || r === 'admin') }));
  return a;
}
