import path from 'node:path';
import { z } from 'zod';

const roleNames = ['researcher', 'reviewer', 'policymaker', 'admin'] as const;

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const configSchema = z.object({
  // Production unless a developer asks otherwise (npm run dev): view cache on, no stack traces.
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  // What answers the public lists' pages, counts and facets (catalogue/queries.ts): the in-process
  // catalogue, or on MongoDB an indexed projection collection (needs MONGODB_URI: the embedded
  // engine scans the whole collection for every query).
  READ_MODEL: z.enum(['catalogue', 'mongodb']).default('catalogue'),
  FERRETDB_BIN: z.string().min(1).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  // How often expired sessions are deleted (an acknowledged delete; see http/session.ts).
  SESSION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(24 * 3600).default(600),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  // 'false', 'true' or a hop count, as Express's "trust proxy" setting understands it.
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+)$/, 'must be true, false or a number of hops')
    .default('false'),
  REGISTRATION: z.enum(['open', 'approval', 'closed']).default('approval'),
  REQUIRE_TOTP_ROLES: z
    .string()
    .default('reviewer,admin')
    .transform((s) => s.split(',').map((r) => r.trim()).filter(Boolean))
    .pipe(z.array(z.enum(roleNames))),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  // Sign-in attempts (password and second factor) per client address and minute.
  LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  // Receipt-code look-ups and answers (/track) per client address and minute.
  TRACK_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  // JSON API requests per minute: per client address without a token, per token with one.
  API_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(120),
  API_TOKEN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SCRYPT_LOG_N: z.coerce.number().int().min(17).max(20).default(17),
  COOKIE_SECURE: booleanFlag.optional(),
  // "id:<32 bytes base64>[,id2:...]": the first key seals new values, all of them open old ones.
  IDENTITY_KEYS: z.string().min(10).optional(),
  // Ed25519 private key (PKCS#8 PEM) that signs audit checkpoints; unset: generated into DATA_DIR.
  SIGNING_KEY_FILE: z.string().min(1).optional(),
  // The site's public address (https://…), used in dossiers' links to incidents; unset: the request's host.
  // Where people reach the operators (/contact, security.txt); unset: the pages say no address is published.
  CONTACT_EMAIL: z.email('must be an e-mail address').optional(),
  // Where vulnerabilities go (security.txt Contact:, /security): a mailto: or https: URI; unset: CONTACT_EMAIL.
  SECURITY_CONTACT: z.string().regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'must be a mailto: or https: URI').optional(),
  // Outgoing mail (notifications, password resets): smtp(s)://user:pass@host:port; unset: no mail, notices stay in the in-app inbox.
  SMTP_URL: z.string().regex(/^smtps?:\/\/\S+$/, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).max(200).optional(),
  // The licence the data is published under (SPDX id: CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0, ODbL-1.0); unset: none is stated.
  DATA_LICENCE: z.enum(['CC-BY-4.0', 'CC-BY-SA-4.0', 'CC0-1.0', 'ODbL-1.0']).optional(),
  PUBLIC_URL: z.string().url().regex(/^https?:\/\/[^/]+$/, 'must be an origin such as https://tracker.example.org (no path)').optional(),
  EVIDENCE_MAX_FILE_MB: z.coerce.number().int().min(1).max(500).default(25),
  EVIDENCE_MAX_FILES: z.coerce.number().int().min(1).max(50).default(10),
  // /healthz answers 503 below this much free space in DATA_DIR (a submission would fail there).
  HEALTH_MIN_FREE_MB: z.coerce.number().int().min(0).max(1_000_000).default(100),
  PAGE_CACHE_MB: z.coerce.number().int().min(0).max(4_096).default(64),
  // The most incidents one dossier may hold: Chromium prints its PDF in one piece, about 2 GB of
  // memory per 1,000 incidents (README, Evidence dossiers). A larger one is refused; the form says how to narrow it.
  DOSSIER_MAX_INCIDENTS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  // How far V8 lets the heap grow past what a full collection left live before the next one, in
  // percent (0: V8's own pacing, which lets it reach about four times under load; README, Memory).
  HEAP_GROWTH_PERCENT: z.coerce.number().int().min(0).max(300).default(50),
  // How long shutdown waits for requests in flight before it closes their connections.
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  ANONYMOUS_REPORTS: booleanFlag.default(true),
  // Site-wide budget for anonymous submissions: works behind Tor, where every visitor shares an address.
  ANONYMOUS_REPORTS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(60),
});

export type Config = Readonly<
  Omit<z.infer<typeof configSchema>, 'DATA_DIR' | 'TRUST_PROXY'> & {
    DATA_DIR: string;
    TRUST_PROXY: boolean | number;
  }
>;

export class ConfigError extends Error {}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.READ_MODEL === 'mongodb' && !parsed.data.MONGODB_URI) {
    throw new ConfigError('Invalid configuration:\n  READ_MODEL: mongodb needs MONGODB_URI (the embedded engine has no usable indexes)');
  }
  const trust = parsed.data.TRUST_PROXY;
  return Object.freeze({
    ...parsed.data,
    DATA_DIR: path.resolve(parsed.data.DATA_DIR),
    TRUST_PROXY: trust === 'true' ? true : trust === 'false' ? false : Number(trust),
  });
}

export const ROLES = roleNames;
export type Role = (typeof roleNames)[number];
