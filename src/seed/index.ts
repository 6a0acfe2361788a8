// `npm run seed`: the demonstration dataset drawn from public reporting (see demo-data.ts).
// `npm run seed -- --synthetic N`: N clearly fake incidents for scale tests.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabaseForCommand } from '../db/open.js';
import { configureTotpRoles } from '../policies/index.js';
import { configureVault } from '../vault/index.js';
import { vaultKeySpec } from '../vault/keys.js';
import '../models.js';
import { seedDemo } from './demo.js';
import { seedSynthetic } from './synthetic.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { synthetic: { type: 'string' } }, strict: true });
  const config = loadConfig();
  configureTotpRoles(config.REQUIRE_TOTP_ROLES);
  configureVault(vaultKeySpec(config));
  const close = await openDatabaseForCommand(config);
  try {
    if (values.synthetic !== undefined) {
      const count = Number(values.synthetic);
      if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error('--synthetic takes a number from 1 to 1000000');
      const started = Date.now();
      await seedSynthetic(count);
      console.log(JSON.stringify({ synthetic: count, ms: Date.now() - started }));
    } else {
      console.log(JSON.stringify(await seedDemo(config)));
    }
  } finally {
    await close();
  }
}

main().catch((err: unknown) => {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
});
