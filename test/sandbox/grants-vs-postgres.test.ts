/**
 * The table of predefined roles (src/domain/grants.ts) against real
 * PostgreSQL 15 and 17 with the MST-like admin (tsdbadmin: CREATEROLE, not a
 * superuser): every role the rules let through, the admin really grants; every
 * role PostgreSQL has that the rules refuse for the admin's lack of right,
 * the admin really cannot grant. Roles that reach the server's OS account are
 * refused whatever the admin could do; the test names which those are.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PredefinedRole, UNGRANTABLE_ROLES } from '../../src/domain/grants';
import { ClusterInfo, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';

jest.setTimeout(90_000);
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grants-pg-state-'));
process.env.MST_SANDBOX_STATE = path.join(stateDir, 'state.json');
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

describe.each([15, 17] as const)('predefined roles on PostgreSQL %d', (major) => {
  let c: ClusterInfo | undefined;
  beforeAll(async () => {
    c = await startCluster({ name: `jest-grants-${major}`, mode: 'mst', major });
    const r = await sql(c, 'CREATE ROLE probe LOGIN');
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(async () => {
    if (c) await stopCluster(c);
  });

  /** Whether the admin can make `probe` a member of `role` (the membership is revoked again). */
  async function adminGrants(role: string): Promise<{ ok: boolean; error: string }> {
    if (!c) throw new Error('the MST-like cluster did not start (see beforeAll error)');
    const r = await sql(c, `GRANT ${role} TO probe`);
    if (r.code === 0) await sql(c, `REVOKE ${role} FROM probe`);
    return { ok: r.code === 0, error: r.stderr };
  }

  test('the library knows every predefined role PostgreSQL has, but the one that takes no members', async () => {
    const r = await sql(c!, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'pg\\_%' ORDER BY 1");
    const known = PredefinedRole.ALL.filter((x) => x.since <= major).map((x) => x.name);
    expect(r.stdout.split('\n').filter((n) => !UNGRANTABLE_ROLES.includes(n)).sort()).toEqual([...known].sort());
  });

  test('the admin grants exactly what the rules let through, and the roles reaching the server besides', async () => {
    const results: string[] = [];
    for (const role of PredefinedRole.ALL.filter((x) => x.since <= major)) {
      const allowed = role.refusal(major, false) === undefined;
      const { ok } = await adminGrants(role.name);
      results.push(`${role.name}: rules ${allowed ? 'allow' : 'refuse'}, admin ${ok ? 'grants' : 'cannot'}`);
      if (!role.reachesServer) expect({ role: role.name, ok }).toEqual({ role: role.name, ok: allowed });
    }
    // What the library refuses although the admin could grant it: the server's OS account, on 15.
    const refusedByPolicy = results.filter((l) => l.includes('rules refuse, admin grants')).map((l) => l.split(':')[0]);
    expect(refusedByPolicy).toEqual(major === 15 ? ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program'] : []);
  });

  test('pg_database_owner takes no members', async () => {
    expect((await adminGrants('pg_database_owner')).error).toMatch(/cannot have explicit members/);
  });
});
