/**
 * Throwaway local PostgreSQL clusters for tests and the `npm start` demo.
 *
 * Each cluster lives in its own temp folder:
 *
 *   <baseDir>/mst-sandbox-<name>-XXXXXX/
 *     .mst-sandbox   marker: stopCluster only deletes folders that carry it
 *     data/          PGDATA (initdb)
 *     socket/        unix_socket_directories (trust auth, bootstrap only)
 *     server.log     pg_ctl -l
 *
 * The server is reached the way the terraform postgresql provider will reach
 * it: TCP on 127.0.0.1, SCRAM password, sslmode=disable (no TLS locally).
 *
 * initdb and pg_ctl refuse to run as root, so when we are root they run as the
 * OS user `postgres` through `setpriv` (which execs in place, unlike
 * runuser/su, so a timeout kill reaches the real process).
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export type ClusterMode = 'superuser' | 'mst';

export interface ClusterInfo {
  name: string;
  host: '127.0.0.1';
  port: number;
  adminUser: string;
  adminPassword: string;
  database: string;
  sslmode: 'disable';
  /** postgres://tsdbadmin:PASSWORD@127.0.0.1:PORT/defaultdb?sslmode=disable */
  url: string;
  dataDir: string;
  socketDir: string;
  mode: ClusterMode;
}

export interface StartOptions {
  /** Used in the temp folder name and the state file; [A-Za-z0-9_-], max 40. */
  name: string;
  /** 'superuser' (default): tsdbadmin is SUPERUSER. 'mst': as on Managed Service for TimescaleDB. */
  mode?: ClusterMode;
  /** Parent of the cluster's temp folder (default os.tmpdir()); the `postgres` OS user must be able to traverse it. */
  baseDir?: string;
  /** Add the cluster to the state file so a later process (the CLI) can stop it. */
  record?: boolean;
}

export interface PsqlOptions {
  /** Defaults to the admin user (and then to the admin password). */
  user?: string;
  password?: string;
  /** Defaults to defaultdb. */
  database?: string;
  /** Open a walsender connection (replication=database), e.g. for IDENTIFY_SYSTEM. */
  replication?: boolean;
  /**
   * Connect as the initdb superuser `postgres` over the unix socket (trust)
   * instead of TCP. For test setup that tsdbadmin may not do in 'mst' mode,
   * e.g. creating REPLICATION roles.
   */
  bootstrap?: boolean;
  timeoutMs?: number;
}

export interface PsqlResult {
  code: number;
  /** Rows as psql -A -t prints them, trailing newline trimmed. */
  stdout: string;
  stderr: string;
}

export const ADMIN_USER = 'tsdbadmin';
export const DATABASE = 'defaultdb';
const HOST = '127.0.0.1';
/** OS user that owns the cluster files when we run as root. */
const OS_USER = 'postgres';
/** Database superuser created by initdb; reachable only through the private socket. */
const BOOTSTRAP_USER = 'postgres';
const MARKER = '.mst-sandbox';
const REPO_ROOT = path.resolve(__dirname, '../..');
const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.sandbox');

/** Error for failures we expect and can explain; `summary` is one line (for the CLI). */
export class SandboxError extends Error {
  constructor(
    readonly summary: string,
    details?: string,
  ) {
    super(details ? `${summary}\n${details}` : summary);
    this.name = 'SandboxError';
  }
}

// ---------------------------------------------------------------- processes

interface RunOptions {
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as the `postgres` OS user (needed for initdb/pg_ctl when we are root). */
  asPostgres?: boolean;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** Our environment without PG* variables, so a developer's PGHOST/PGSSLMODE etc. can't leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, ...extra };
}

/** Spawn with a hard timeout. Never rejects; never waits on pipes held open by grandchildren after a kill. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const [file, argv] =
    opts.asPostgres && isRoot()
      ? ['setpriv', [`--reuid=${OS_USER}`, `--regid=${OS_USER}`, '--init-groups', '--', cmd, ...args]]
      : [cmd, args];
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let done = false;
    const child = spawn(file, argv, { env: opts.env ?? cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
      finish(-1);
    }, opts.timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      finish(-1);
    });
    child.on('close', (code) => finish(code ?? -1));
    child.stdin.on('error', () => undefined); // child may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

function explain(r: RunResult, timeoutMs: number): string {
  if (r.timedOut) return `timed out after ${timeoutMs / 1000}s`;
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10).join('\n');
  return `exit code ${r.code}${out ? `: ${out}` : ''}`;
}

// ----------------------------------------------------------------- discovery

let binDirCache: string | undefined;

/** Server binaries aren't on PATH on Debian: MST_SANDBOX_PG_BINDIR, else `pg_config --bindir`, else newest /usr/lib/postgresql/N/bin. */
async function pgBinDir(): Promise<string> {
  if (binDirCache) return binDirCache;
  const hasServer = (dir: string): boolean =>
    ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(dir, b)));
  const candidates: string[] = [];
  if (process.env.MST_SANDBOX_PG_BINDIR) candidates.push(process.env.MST_SANDBOX_PG_BINDIR);
  const cfg = await run('pg_config', ['--bindir'], { timeoutMs: 10_000 });
  if (cfg.code === 0) candidates.push(cfg.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  const found = candidates.find(hasServer);
  if (!found) {
    throw new SandboxError(
      `PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; looked in: ${candidates.join(', ') || '(nothing)'}`,
    );
  }
  return (binDirCache = found);
}

/** Bind port 0 to let the kernel pick a free port. Racy by nature, hence the retry in startCluster. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([
    run('id', ['-u', OS_USER], { timeoutMs: 5_000 }),
    run('id', ['-g', OS_USER], { timeoutMs: 5_000 }),
  ]);
  if (u.code !== 0 || g.code !== 0) {
    throw new SandboxError(`running as root but OS user "${OS_USER}" does not exist (initdb refuses root)`);
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

// ------------------------------------------------------------------- config

function serverConfig(socketDir: string): string {
  return `
# --- mst-sandbox ---
listen_addresses = '${HOST}'
unix_socket_directories = '${socketDir}'
password_encryption = 'scram-sha-256'
wal_level = replica
max_wal_senders = 10
max_connections = 50
# Throwaway cluster: durability buys nothing and costs seconds.
fsync = off
synchronous_commit = off
full_page_writes = off
`;
}

/**
 * Unix socket: trust, so we can bootstrap roles without a password. The socket
 * sits in a 0700 folder, so only root and `postgres` can reach it.
 * TCP: SCRAM only. `all` also covers replication=database (logical walsender)
 * connections; `replication` covers physical ones. Whether a role may open a
 * walsender at all is decided by its REPLICATION attribute, not by pg_hba.
 */
const PG_HBA = `# mst-sandbox
local   all           all                       trust
local   replication   all                       trust
host    all           all         ${HOST}/32    scram-sha-256
host    replication   all         ${HOST}/32    scram-sha-256
`;

function bootstrapSql(mode: ClusterMode, password: string): string {
  // PG15: CREATEROLE lets tsdbadmin create/alter/drop non-superuser roles, but
  // creating a REPLICATION or SUPERUSER role still needs a superuser — the same
  // limits MST's tsdbadmin has. Owning defaultdb also makes it the owner of its
  // public schema (pg_database_owner), which PG15 no longer opens to PUBLIC.
  const attrs = mode === 'mst' ? 'LOGIN CREATEROLE CREATEDB NOSUPERUSER' : 'LOGIN SUPERUSER';
  return [
    `CREATE ROLE ${ADMIN_USER} WITH ${attrs} PASSWORD '${password}';`,
    `CREATE DATABASE ${DATABASE} OWNER ${ADMIN_USER};`,
  ].join('\n');
}

// ------------------------------------------------------------------ clusters

function logTail(logFile: string, lines = 30): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** Start a fresh cluster. Throws SandboxError (with the failed step and the server log tail) on failure. */
export async function startCluster(opts: StartOptions): Promise<ClusterInfo> {
  const { name } = opts;
  const mode: ClusterMode = opts.mode ?? 'superuser';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) {
    throw new SandboxError(`invalid cluster name "${name}": use 1-40 of [A-Za-z0-9_-]`);
  }
  if (mode !== 'superuser' && mode !== 'mst') throw new SandboxError(`invalid mode "${String(mode)}"`);
  if (opts.record) {
    const clash = readState().find((c) => c.name === name && fs.existsSync(c.dataDir));
    if (clash) throw new SandboxError(`a recorded cluster named "${name}" already exists (port ${clash.port}); stop it first`);
  }

  const bin = await pgBinDir();
  const ids = isRoot() ? await postgresIds() : undefined;
  const baseDir = path.resolve(opts.baseDir ?? os.tmpdir());
  fs.mkdirSync(baseDir, { recursive: true });
  const root = fs.mkdtempSync(path.join(baseDir, `mst-sandbox-${name}-`)); // mode 0700
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'server.log');
  const password = crypto.randomBytes(16).toString('hex'); // 32 hex chars: no quoting/URL issues
  const redact = (s: string): string => s.split(password).join('***');

  let step = 'prepare directories';
  let started = false;
  let port = 0;
  try {
    fs.writeFileSync(path.join(root, MARKER), `${name}\n`);
    fs.mkdirSync(socketDir, { mode: 0o700 });
    // Unix socket paths are limited to ~107 bytes including ".s.PGSQL.NNNNN".
    if (socketDir.length > 90) throw new SandboxError(`socket path too long (${socketDir}); use a shorter baseDir`);
    if (ids) for (const p of [root, socketDir]) fs.chownSync(p, ids.uid, ids.gid);

    step = 'initdb';
    const initdbTimeout = 60_000;
    const init = await run(
      path.join(bin, 'initdb'),
      ['-D', dataDir, '-U', BOOTSTRAP_USER, '--auth-local=trust', '--auth-host=scram-sha-256',
        '--no-locale', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      { timeoutMs: initdbTimeout, asPostgres: true },
    );
    if (init.code !== 0) {
      // A common cause: baseDir sits under a folder (e.g. /root) that `postgres` can't traverse.
      const hint = /Permission denied/.test(init.stderr) ? ` (can OS user "${OS_USER}" traverse ${baseDir}?)` : '';
      throw new SandboxError(explain(init, initdbTimeout) + hint);
    }
    fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), serverConfig(socketDir));
    fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), PG_HBA);

    // Another process may grab the port between freePort() and the server's
    // bind; on "address in use" just pick another one.
    const startTimeout = 45_000;
    for (let attempt = 1; ; attempt++) {
      step = 'pg_ctl start';
      port = await freePort();
      // postgresql.auto.conf is read last, so its port wins; rewritten per attempt.
      fs.writeFileSync(path.join(dataDir, 'postgresql.auto.conf'), `# mst-sandbox\nport = ${port}\n`);
      const r = await run(
        path.join(bin, 'pg_ctl'),
        ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-s'],
        { timeoutMs: startTimeout, asPostgres: true },
      );
      if (r.code === 0) break;
      started = fs.existsSync(path.join(dataDir, 'postmaster.pid'));
      const portTaken = /could not bind|Address already in use/.test(logTail(logFile));
      if (!portTaken || attempt >= 3 || started) throw new SandboxError(explain(r, startTimeout));
    }
    started = true;

    step = 'pg_isready';
    const ready = await run(path.join(bin, 'pg_isready'), ['-h', HOST, '-p', String(port), '-t', '20'], { timeoutMs: 25_000 });
    if (ready.code !== 0) throw new SandboxError(explain(ready, 25_000));

    const info: ClusterInfo = {
      name, host: HOST, port, adminUser: ADMIN_USER, adminPassword: password, database: DATABASE,
      sslmode: 'disable',
      url: `postgres://${ADMIN_USER}:${encodeURIComponent(password)}@${HOST}:${port}/${DATABASE}?sslmode=disable`,
      dataDir, socketDir, mode,
    };

    step = 'create admin role and database';
    const boot = await psql(info, bootstrapSql(mode, password), { bootstrap: true, database: 'postgres' });
    if (boot.code !== 0) throw new SandboxError(`exit code ${boot.code}: ${redact(boot.stderr.trim())}`);

    step = 'admin login over TCP';
    const check = await psql(info, 'select 1');
    if (check.code !== 0 || check.stdout !== '1') throw new SandboxError(`exit code ${check.code}: ${redact(check.stderr.trim())}`);

    if (opts.record) addToState(info);
    return info;
  } catch (err) {
    const tail = logTail(logFile);
    if (started) await stopServer(bin, dataDir).catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
    const why = err instanceof SandboxError ? err.summary : redact((err as Error).message);
    const [first, ...rest] = why.split('\n');
    throw new SandboxError(
      `cluster "${name}": ${step} failed: ${first}`,
      [...rest, '--- server log (last lines) ---', redact(tail)].join('\n'),
    );
  }
}

/** Fast shutdown; escalate to immediate, then SIGKILL, so a wedged server never blocks cleanup. */
async function stopServer(bin: string, dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pgCtl = path.join(bin, 'pg_ctl');
  for (const m of ['fast', 'immediate']) {
    const r = await run(pgCtl, ['stop', '-D', dataDir, '-m', m, '-w', '-t', '20', '-s'], { timeoutMs: 30_000, asPostgres: true });
    if (r.code === 0 || !fs.existsSync(pidFile)) return;
  }
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Root folder of a cluster, given its ClusterInfo, dataDir, or the root folder itself. */
function clusterRoot(target: ClusterInfo | string): string {
  const p = path.resolve(typeof target === 'string' ? target : target.dataDir);
  return fs.existsSync(path.join(p, MARKER)) ? p : path.dirname(p);
}

/** Stop the server and delete the cluster's folder. A cluster that is already gone is fine. */
export async function stopCluster(target: ClusterInfo | string): Promise<void> {
  const root = clusterRoot(target);
  if (!fs.existsSync(root)) return;
  if (!fs.existsSync(path.join(root, MARKER))) {
    throw new SandboxError(`refusing to delete ${root}: not a sandbox cluster folder (no ${MARKER})`);
  }
  await stopServer(await pgBinDir(), path.join(root, 'data'));
  fs.rmSync(root, { recursive: true, force: true });
}

/** True when the cluster's folder exists and its server is running (pg_ctl status). */
export async function isRunning(info: ClusterInfo): Promise<boolean> {
  if (!fs.existsSync(info.dataDir)) return false;
  const r = await run(path.join(await pgBinDir(), 'pg_ctl'), ['status', '-D', info.dataDir], { timeoutMs: 10_000, asPostgres: true });
  return r.code === 0;
}

// ---------------------------------------------------------------------- psql

/** Quote a libpq conninfo value. */
const kv = (k: string, v: string): string => `${k}='${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * Run SQL with the psql binary (-X -A -t -q, ON_ERROR_STOP). The SQL goes in
 * on stdin and the password in PGPASSWORD, so neither shows up in `ps`.
 */
export async function psql(info: ClusterInfo, sql: string, opts: PsqlOptions = {}): Promise<PsqlResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const conn: string[] = [];
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: '10' };
  if (opts.bootstrap) {
    conn.push(kv('host', info.socketDir), kv('port', String(info.port)), kv('user', BOOTSTRAP_USER));
  } else {
    const user = opts.user ?? info.adminUser;
    const password = opts.password ?? (user === info.adminUser ? info.adminPassword : undefined);
    if (password !== undefined) env.PGPASSWORD = password;
    conn.push(kv('host', info.host), kv('port', String(info.port)), kv('user', user), kv('sslmode', info.sslmode));
  }
  conn.push(kv('dbname', opts.database ?? info.database));
  if (opts.replication) conn.push('replication=database');
  const r = await run(
    'psql',
    ['-X', '-A', '-t', '-q', '-w', '-v', 'ON_ERROR_STOP=1', '-d', conn.join(' '), '-f', '-'],
    { timeoutMs, input: sql, env: cleanEnv(env) },
  );
  const stderr = r.timedOut ? `${r.stderr}psql timed out after ${timeoutMs / 1000}s\n` : r.stderr;
  return { code: r.code, stdout: r.stdout.trimEnd(), stderr };
}

// --------------------------------------------------------------- state file

/** MST_SANDBOX_STATE, else <repo>/.sandbox/state.json. */
export function stateFilePath(): string {
  return process.env.MST_SANDBOX_STATE || path.join(DEFAULT_STATE_DIR, 'state.json');
}

/** Clusters recorded by startCluster({ record: true }). */
export function readState(): ClusterInfo[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(stateFilePath(), 'utf8')) as { clusters?: ClusterInfo[] };
    return Array.isArray(parsed.clusters) ? parsed.clusters : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SandboxError(`cannot read state file ${stateFilePath()}: ${(err as Error).message}`);
  }
}

/** Atomic replace; 0600 because it holds the admin passwords. */
function writeState(clusters: ClusterInfo[]): void {
  const file = stateFilePath();
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // Keep the passwords out of git without needing an entry in the repo's .gitignore.
  if (dir === DEFAULT_STATE_DIR && !fs.existsSync(path.join(dir, '.gitignore'))) {
    fs.writeFileSync(path.join(dir, '.gitignore'), '*\n');
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ clusters }, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function addToState(info: ClusterInfo): void {
  writeState([...readState(), info]);
}

/**
 * Stop every recorded cluster and clear the state file. Clusters that are
 * already gone are fine; ones that fail to stop stay recorded and are reported.
 */
export async function stopAll(): Promise<string[]> {
  const stopped: string[] = [];
  const failed: ClusterInfo[] = [];
  const errors: string[] = [];
  for (const c of readState()) {
    try {
      await stopCluster(c);
      stopped.push(c.name);
    } catch (err) {
      failed.push(c);
      errors.push(`${c.name}: ${err instanceof SandboxError ? err.summary : (err as Error).message}`);
    }
  }
  writeState(failed);
  if (errors.length) throw new SandboxError(`could not stop ${errors.join('; ')}`);
  return stopped;
}
