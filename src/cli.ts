// `npm run cli -- <command> [options]`: operators' commands. Output is one JSON line per result.
import { migrateOperatorLinks } from './incidents/migrate.js';
import { statusFromList, type SignedStatusList } from './dossiers/status.js';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import i18next from 'i18next';
import { ArchiveRefused, describeProblem, describeRefusal, readDossier, verifyFiles } from './dossiers/package.js';
import { initI18n } from './i18n/index.js';
import { verifyAuditChain } from './audit/index.js';
import { createCheckpoint, verifyAgainstCheckpoint, type Checkpoint } from './audit/checkpoint.js';
import { siteSigner } from './signing/index.js';
import path from 'node:path';
import { SealedFileStore } from './storage/sealed-files.js';
import { verifyAllEvidence } from './evidence/service.js';
import { emailField } from './auth/schema.js';
import { createActiveUser, disableUser, listUsers, setUserRoles } from './auth/service.js';
import { User } from './auth/model.js';
import { ROLES, loadConfig, type Config } from './config.js';
import { openDatabaseForCommand } from './db/open.js';
import { FormValidationError } from './http/validate.js';
import { configureTotpRoles } from './policies/index.js';
import { configureVault } from './vault/index.js';
import { vaultKeySpec } from './vault/keys.js';
import './models.js';

const cliActor = { type: 'cli' as const, label: 'operator' };

const usage = `Usage: npm run cli -- <command> [options]

  user:add --email E --name N --role R [--role R2] [--org O]
      Creates an active user. Password from CLI_PASSWORD or standard input.
      Prints {"id","email","roles","totpSecret"}; a TOTP secret is enrolled when a role requires it.
  user:list [--status pending|active|disabled]
  user:disable --email E
  user:roles --email E --role R [--role R2]     (replaces the user's roles)
  audit:verify [--checkpoint FILE] [--public-key FILE]
      Walks the audit chain: prints OK with the count and head hash, or the first broken seq (exit 1).
      With a checkpoint it also detects a truncated tail or a rewritten chain (key: the site's, or FILE).
  migrate
      Links operator claims to the one product (or vendor) their incident names; lists the incidents
      where that is ambiguous for a reviewer to link (nothing guessed). Idempotent; audited.
  evidence:verify
      Recomputes the SHA-256 of every stored evidence file and reports mismatches (exit 1).
  signing:public-key
      Prints the site's Ed25519 public key (PEM) and its key id: what dossier readers need.
  dossier:verify PATH [--key FILE] [--status FILE]
      Offline: no database, no site data. PATH is a dossier ZIP or a folder holding manifest.json,
      manifest.sig and the files. FILE is the site's public key (PEM, from
      /.well-known/tracker-signing-key.pem); without it, the key of the site in DATA_DIR, if any.
      Prints {"valid",...} and one line per problem (which file, hash mismatch, bad signature,
      unknown key); exit 0 when valid, 1 otherwise. With --status FILE (the site's signed
      /dossiers/status.json) it also says whether the dossier is current or superseded, and why;
      without it, that it cannot tell.
  audit:checkpoint [--out FILE]
      Signs {count, head hash, time} with the site's Ed25519 key; prints it (and writes FILE).
      Keep checkpoints outside the database.`;

async function readPassword(): Promise<string> {
  if (process.env.CLI_PASSWORD) return process.env.CLI_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // Only the line ending is removed: the password is otherwise taken exactly as typed.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const roleList = z.array(z.enum(ROLES)).min(1, 'at least one --role');

async function run(command: string, args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string', multiple: true },
      status: { type: 'string' },
      checkpoint: { type: 'string' },
      'public-key': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const print = (value: unknown): void => console.log(JSON.stringify(value));
  const findByEmail = async (): Promise<string> => {
    const email = emailField.parse(values.email);
    const user = await User.findOne({ email });
    if (!user) throw new Error(`no user with email ${email}`);
    return user.id;
  };

  switch (command) {
    case 'user:add': {
      const email = emailField.parse(values.email);
      const name = z.string().trim().min(1, '--name is required').max(120).parse(values.name);
      const roles = roleList.parse(values.role);
      const password = await readPassword();
      const { user, totpSecret } = await createActiveUser({ email, name, organisation: values.org, roles, password, settings: config, actor: cliActor });
      print({ id: user.id, email: user.email, roles: user.roles, totpSecret });
      return 0;
    }
    case 'user:list': {
      const status = z.enum(['pending', 'active', 'disabled']).optional().parse(values.status);
      for (const u of await listUsers({ status })) print({ id: u.id, email: u.email, name: u.name, roles: u.roles, status: u.status });
      return 0;
    }
    case 'user:disable': {
      const id = await findByEmail();
      await disableUser(cliActor, id);
      print({ id, status: 'disabled' });
      return 0;
    }
    case 'user:roles': {
      const id = await findByEmail();
      const roles = roleList.parse(values.role);
      await setUserRoles(cliActor, id, roles);
      print({ id, roles });
      return 0;
    }
    case 'migrate': {
      print(await migrateOperatorLinks());
      return 0;
    }
    case 'evidence:verify': {
      const result = await verifyAllEvidence(new SealedFileStore(path.join(config.DATA_DIR, 'evidence')));
      for (const m of result.mismatches) console.log(`MISMATCH ${m.id} ${m.which}: ${m.reason}`);
      console.log(result.mismatches.length ? `FAILED ${result.mismatches.length} of ${result.checked} files` : `OK ${result.checked} files`);
      return result.mismatches.length ? 1 : 0;
    }
    case 'signing:public-key': {
      const signer = siteSigner(config);
      process.stdout.write(signer.publicKeyPem);
      console.error(`key id ${signer.keyId}`);
      return 0;
    }
    case 'audit:checkpoint': {
      const checkpoint = await createCheckpoint(siteSigner(config));
      const text = JSON.stringify(checkpoint, null, 2);
      if (values.out) writeFileSync(values.out, `${text}\n`, { mode: 0o644 });
      console.log(text);
      return 0;
    }
    case 'audit:verify': {
      const publicKey = values['public-key'] ? readFileSync(values['public-key'], 'utf8') : siteSigner(config).publicKeyPem;
      const result = values.checkpoint
        ? await verifyAgainstCheckpoint(JSON.parse(readFileSync(values.checkpoint, 'utf8')) as Checkpoint, publicKey)
        : await verifyAuditChain();
      if (result.ok) {
        const pinned = values.checkpoint ? ', checkpoint OK' : '';
        console.log(`OK ${result.count} events, head ${result.headHash}${pinned}`);
        return 0;
      }
      console.log(`BROKEN at seq ${result.brokenSeq}: ${result.reason} (${result.count} events verified before it)`);
      return 1;
    }
    default:
      console.error(usage);
      return 2;
  }
}

/** Checks a dossier with nothing but its files and a public key (another machine, no database). */
async function verifyDossierCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { key: { type: 'string' }, status: { type: 'string' } }, allowPositionals: true, strict: true });
  const target = positionals[0];
  if (!target || positionals.length > 1) throw new Error('give one dossier ZIP or folder');
  let keyPem: string;
  if (values.key) keyPem = readFileSync(values.key, 'utf8');
  else {
    const local = path.join(path.resolve(process.env.DATA_DIR ?? './data'), 'signing-key.pem');
    if (!existsSync(local)) throw new Error('--key FILE is required (the site\'s public key, /.well-known/tracker-signing-key.pem)');
    keyPem = createPublicKey(readFileSync(local)).export({ type: 'spki', format: 'pem' }).toString();
  }
  await initI18n();
  const t = i18next.getFixedT('en');
  let files: Map<string, Buffer>;
  try {
    files = readDossier(target);
  } catch (err) {
    if (!(err instanceof ArchiveRefused)) throw err;
    // An archive that tools could read differently proves nothing: it is not checked further.
    console.log(JSON.stringify({ valid: false, refused: err.rule, problems: [describeRefusal(err, t)] }));
    console.log(`PROBLEM ${describeRefusal(err, t)}`);
    return 1;
  }
  const result = verifyFiles(files, keyPem);
  // The signature cannot say whether the record changed since: only the site's signed status list can.
  let status: string = 'unknown: no status list given (--status FILE, from /dossiers/status.json)';
  const lines: string[] = [];
  if (values.status && result.valid && result.dossier) {
    const listed = statusFromList(JSON.parse(readFileSync(values.status, 'utf8')) as SignedStatusList, keyPem, result.dossier, createHash('sha256').update(files.get('manifest.json')!).digest('hex'));
    if (!listed.trusted) status = 'unknown: the status list does not verify with this key';
    else if (!listed.entry) status = `unknown: the status list (${listed.generatedAt}) does not name this dossier`;
    else {
      status = listed.entry.status;
      for (const c of listed.entry.changes) lines.push(`SUPERSEDED ${c.kind ? `${c.kind} ` : ''}${c.ref} ${c.how}${c.at ? ` ${c.at}` : ''}`);
      if (listed.entry.otherChanges) lines.push(`SUPERSEDED ${listed.entry.otherChanges} restricted incident(s) changed`);
      if (listed.entry.replacedBy) lines.push(`SUPERSEDED by a newer version ${listed.entry.replacedBy}`);
      status += ` (status list of ${listed.generatedAt})`;
    }
  }
  console.log(JSON.stringify({ valid: result.valid, dossier: result.dossier, version: result.version, generatedAt: result.generatedAt, keyId: result.keyId, files: result.files.length, status, problems: result.problems.map((p) => describeProblem(p, t)) }));
  for (const problem of result.problems) console.log(`PROBLEM ${describeProblem(problem, t)}`);
  for (const line of lines) console.log(line);
  return result.valid ? 0 : 1;
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    console.log(usage);
    return;
  }
  if (command === 'dossier:verify') {
    let code = 1;
    try {
      code = await verifyDossierCommand(args);
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
    }
    process.exit(code);
  }
  const config = loadConfig();
  configureTotpRoles(config.REQUIRE_TOTP_ROLES);
  configureVault(vaultKeySpec(config));
  const close = await openDatabaseForCommand(config);
  let code = 1;
  try {
    code = await run(command, args, config);
  } catch (err) {
    if (err instanceof z.ZodError) console.error(`error: ${err.issues.map((i) => i.message).join('; ')}`);
    else if (err instanceof FormValidationError) console.error(`error: ${Object.values(err.fieldErrors).join('; ')}`);
    else console.error(`error: ${(err as Error).message}`);
  } finally {
    await close();
  }
  process.exit(code);
}

void main();
