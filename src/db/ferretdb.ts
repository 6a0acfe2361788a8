import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, copyFileSync, cpSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.js';
import { claimHoldersGone } from './claims.js';

export const FERRETDB_VERSION = 'v1.24.2';
const projectRoot = path.resolve(import.meta.dirname, '../..');
const wrapperDir = path.join(import.meta.dirname, 'ferretdb');
const cacheDir = path.join(projectRoot, '.cache', 'ferretdb');
/**
 * In a folder named after the patch it carries (see `patchFerretdb`), so that a binary built without
 * it is never reused; the file keeps the name `ferretdb` (what `ps` and operators look for).
 */
export const cachedBinary = path.join(cacheDir, `${FERRETDB_VERSION}-idpath`, 'ferretdb');

/**
 * The one change made to FerretDB's source before building. Its SQLite backend pushes a lone `_id`
 * filter down as `_ferretdb_sjson->'$._id' = ?`, while the unique index it creates on every
 * collection is on `_ferretdb_sjson->"_id"`: SQLite matches index expressions by their text, so
 * every find, update and delete by `_id` scanned the whole table (2 s for a find, 4 s for an update
 * at 100,000 incidents). Written `->'_id'` (the same JSON key), the filter uses that index
 * (EXPLAIN QUERY PLAN: "SEARCH … USING INDEX …__id_"). Nothing else changes: no other filter is
 * pushed down on SQLite, and data files stay the same.
 */
const ID_PATH_PATCH = {
  file: 'internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};

/** FerretDB's module source from the Go module cache, copied and patched (`ID_PATH_PATCH`); returns its directory. */
function patchFerretdb(go: string, env: NodeJS.ProcessEnv): string {
  const downloaded = spawnSync(go, ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], { cwd: wrapperDir, encoding: 'utf8', env });
  const dir = downloaded.status === 0 ? (JSON.parse(downloaded.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new Error(`go mod download of FerretDB failed: ${downloaded.stderr}`);
  const source = path.join(cacheDir, `src-${FERRETDB_VERSION}`);
  rmSync(source, { recursive: true, force: true });
  cpSync(dir, source, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', source]);
  const file = path.join(source, ID_PATH_PATCH.file);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(ID_PATH_PATCH.from)) throw new Error(`FerretDB ${FERRETDB_VERSION}: ${ID_PATH_PATCH.file} no longer holds the line the patch changes`);
  writeFileSync(file, text.replace(ID_PATH_PATCH.from, ID_PATH_PATCH.to));
  return source;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

export function findGo(): string | undefined {
  return onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** FERRETDB_BIN, then `ferretdb` on PATH, then the project's own cache. */
export function findFerretdb(configured: string | undefined): string | undefined {
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`FERRETDB_BIN=${configured} is not an executable file`);
    return configured;
  }
  return onPath('ferretdb') ?? (isExecutable(cachedBinary) ? cachedBinary : undefined);
}

/**
 * Builds FerretDB into the project's cache from src/db/ferretdb (a thin main over FerretDB's own
 * embeddable package, pinned in go.mod/go.sum). A plain `go install .../cmd/ferretdb@v1.24.2` builds
 * a binary that panics on start-up for want of a generated version file; see main.go there.
 */
export function buildFerretdb(go: string, logger: Logger): string {
  logger.warn(
    `Building FerretDB ${FERRETDB_VERSION} into ${path.relative(process.cwd(), cachedBinary)} with Go; ` +
      'the first build downloads modules and takes a few minutes, later starts reuse it.',
  );
  mkdirSync(path.dirname(cachedBinary), { recursive: true });
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' };
  const source = patchFerretdb(go, env);
  // The wrapper's go.mod and go.sum, plus a replace of FerretDB by the patched copy (go build -modfile).
  const modfile = path.join(cacheDir, 'go.mod');
  writeFileSync(modfile, `${readFileSync(path.join(wrapperDir, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${source}\n`);
  copyFileSync(path.join(wrapperDir, 'go.sum'), path.join(cacheDir, 'go.sum'));
  const result = spawnSync(go, ['build', '-trimpath', `-modfile=${modfile}`, '-o', cachedBinary, '.'], {
    cwd: wrapperDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (result.status !== 0 || !isExecutable(cachedBinary)) {
    throw new Error(`go build of FerretDB failed (exit ${String(result.status)})`);
  }
  return cachedBinary;
}

/** Our build prints "ferretdb v1.24.2 (embedded)"; the upstream command prints "version: v1.24.2 ...". */
export function probeFerretdb(bin: string): { version: string; ours: boolean } {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  const version = /v?(\d+\.\d+\.\d+)/.exec(text)?.[1];
  if (out.status !== 0 || !version) {
    throw new Error(`${bin} --version failed: ${text.trim().split('\n')[0] ?? 'no output'}`);
  }
  return { version, ours: text.includes('(embedded)') };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface FerretdbProcessOptions {
  bin: string;
  ours: boolean;
  dataDir: string;
  logger: Logger;
}

/**
 * One embedded FerretDB process on 127.0.0.1: started, watched, restarted if it dies while the app
 * runs (same port and data, so the driver reconnects by itself), stopped with the app.
 */
export class FerretdbProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  // First restart after 1 s, then doubling up to 10 s: no tight crash loop, and a window in which
  // /healthz reliably reports the engine as down.
  private restartDelay = 1_000;
  private ready = false;
  port = 0;
  readonly logFile: string;
  readonly sqliteDir: string;

  constructor(private readonly options: FerretdbProcessOptions) {
    this.logFile = path.join(options.dataDir, 'ferretdb.log');
    this.sqliteDir = path.join(options.dataDir, 'ferretdb');
  }

  /** Up = the process is alive and has accepted a connection since it was (re)started. */
  get running(): boolean {
    return this.ready && this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    mkdirSync(this.sqliteDir, { recursive: true, mode: 0o700 });
    this.port ||= await freePort();
    await this.spawnAndWait();
    // If the app dies abruptly, do not leave the engine behind (our build also exits on stdin EOF).
    process.once('exit', this.killNow);
  }

  private readonly killNow = (): void => {
    this.stopping = true;
    this.child?.kill('SIGKILL');
  };

  private async spawnAndWait(): Promise<void> {
    const args = [
      '--handler=sqlite',
      `--sqlite-url=file:${this.sqliteDir}/`,
      `--listen-addr=127.0.0.1:${this.port}`,
      `--state-dir=${this.sqliteDir}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
      ...(this.options.ours ? ['--exit-on-stdin-eof'] : []),
    ];
    const log = openSync(this.logFile, 'a', 0o600);
    const child = spawn(this.options.bin, args, {
      stdio: ['pipe', log, log],
      env: { ...process.env, FERRETDB_TELEMETRY: 'disable' },
    });
    closeSync(log);
    this.ready = false;
    this.child = child;
    child.on('exit', (code, signal) => this.onExit(child, code, signal));

    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await canConnect(this.port)) {
        this.ready = true;
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`FerretDB did not start; last lines of ${this.logFile}:\n${this.tail()}`);
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    this.options.logger.error({ code, signal }, 'embedded FerretDB exited unexpectedly; restarting it');
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.restartDelay * 2, 10_000);
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnAndWait().then(
        () => {
          this.restartDelay = 1_000;
          // The requests that held claims when the engine died lost it with them (db/claims.ts).
          claimHoldersGone();
          this.options.logger.warn({ port: this.port }, 'embedded FerretDB restarted');
        },
        (err: unknown) => this.options.logger.error({ err }, 'embedded FerretDB restart failed'),
      );
    }, delay).unref();
  }

  tail(lines = 15): string {
    if (!existsSync(this.logFile)) return '(no log)';
    return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.killNow);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
