/**
 * The username and replication rules guard real failures: what the rules
 * accept, PostgreSQL 15 accepts; what they refuse, PostgreSQL refuses (or
 * silently mangles). Each name is created the way the postgresql provider
 * does it: a quoted identifier, as a login role with a password, by the
 * MST-like admin (tsdbadmin: CREATEROLE, not a superuser).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkUsername } from '../../src/domain/checks';
import { ServiceSpec } from '../../src/domain/model';
import { validateProjects } from '../../src/domain/validate';
import { ProjectRole } from '../../src/domain/permissions';
import { ClusterInfo, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';

jest.setTimeout(60_000);
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-pg-state-'));
process.env.MST_SANDBOX_STATE = path.join(stateDir, 'state.json');

let mst: ClusterInfo | undefined;
beforeAll(async () => {
  mst = await startCluster({ name: 'jest-rules-mst', mode: 'mst', major: 15 });
});
afterAll(async () => {
  if (mst) await stopCluster(mst);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

function cluster(): ClusterInfo {
  if (!mst) throw new Error('the MST-like cluster did not start (see beforeAll error)');
  return mst;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates the role as the provider would, reads back the stored name, drops it. */
async function createAsProvider(name: string, replication = false): Promise<{ ok: boolean; stored?: string; error: string }> {
  const c = cluster();
  const r = await sql(c, [
    `CREATE ROLE ${quote(name)} WITH LOGIN ${replication ? 'REPLICATION' : 'NOREPLICATION'} PASSWORD 'x0123456789abcdef01234567';`,
    `SELECT rolname FROM pg_roles WHERE rolname = left(${`'${name.replace(/'/g, "''")}'`}, 63);`,
    `DROP ROLE ${quote(name.slice(0, 63))};`,
  ].join('\n'));
  return { ok: r.code === 0, stored: r.code === 0 ? r.stdout.trim() : undefined, error: r.stderr };
}

const ACCEPTED = ['grafana', 'Grafana_Reader', '_etl', 'a1', 'x'.repeat(63)];
const REFUSED_BY_POSTGRES = ['pg_monitor_x', 'public', 'none'];
/** PostgreSQL takes these quoted, but written unquoted in SQL they name another role: the rule refuses them too. */
const AMBIGUOUS_UNQUOTED: Record<string, { unquoted: string; means: RegExp }> = {
  current_user: { unquoted: 'SELECT current_user', means: /^tsdbadmin$/ },
  session_user: { unquoted: 'SELECT session_user', means: /^tsdbadmin$/ },
  current_role: { unquoted: 'SELECT current_role', means: /^tsdbadmin$/ },
  PG_x: { unquoted: 'DROP ROLE PG_x', means: /role "pg_x" does not exist/ },
};

test.each(ACCEPTED)('"%s": the rules accept it and PostgreSQL creates exactly that role', async (name) => {
  expect(checkUsername('p', name)).toEqual([]);
  const r = await createAsProvider(name);
  expect(r.error).toBe('');
  expect(r.stored).toBe(name);
});

test.each(REFUSED_BY_POSTGRES)('"%s": the rules refuse it, and so does PostgreSQL', async (name) => {
  expect(checkUsername('p', name).map((f) => f.ruleId)).toEqual(['MST-USER-003']);
  const r = await createAsProvider(name);
  expect(r.ok).toBe(false);
  expect(r.error).toMatch(/reserved|not allowed|does not exist|ERROR/);
});

test.each(Object.keys(AMBIGUOUS_UNQUOTED))('"%s": PostgreSQL takes it quoted, but unquoted it names another role, so the rules refuse it', async (name) => {
  expect(checkUsername('p', name).map((f) => f.ruleId)).toEqual(['MST-USER-003']);
  const c = cluster();
  const { unquoted, means } = AMBIGUOUS_UNQUOTED[name];
  const r = await sql(c, `CREATE ROLE ${quote(name)} LOGIN;`);
  expect(r.code).toBe(0);
  try {
    const u = await sql(c, unquoted);
    expect(`${u.stdout.trim()}${u.stderr}`).toMatch(means);
  } finally {
    await sql(c, `DROP ROLE ${quote(name)};`);
  }
});

test('a 64-byte name: PostgreSQL does not refuse it but truncates it to 63, so the rule refuses it', async () => {
  const name = 'y'.repeat(64);
  expect(checkUsername('p', name).map((f) => f.ruleId)).toEqual(['MST-USER-001']);
  const r = await createAsProvider(name);
  expect(r.ok).toBe(true);
  expect(r.stored).toBe('y'.repeat(63));
});

test('names differing only in case are two roles to PostgreSQL, which is why MST-USER-002 refuses them', async () => {
  const c = cluster();
  const r = await sql(c, 'CREATE ROLE "casey" LOGIN; CREATE ROLE "Casey" LOGIN; SELECT count(*) FROM pg_roles WHERE lower(rolname) = \'casey\'; DROP ROLE "casey"; DROP ROLE "Casey";');
  expect(r.stdout.trim()).toBe('2');
});

describe('MST-USER-004: replication users under a non-superuser admin', () => {
  const spec = (postgresVersion: number): ServiceSpec => ({
    path: 'acme/metrics', name: 'metrics', postgresVersion, adminIsSuperuser: false,
    adminPassword: { kind: 'variable', name: 'metrics_admin_password', sensitive: true }, writeOnlyPasswords: false,
    users: [{ path: 'acme/metrics/users/replicator', username: 'replicator', allowReplication: true, password: { kind: 'generated', length: 32 }, passwordVersion: 1 }],
  });
  const findings = (version: number) => validateProjects([{
    path: 'acme', name: 'acme', deployer: 'ci@acme.example',
    members: [{ path: 'acme/members/ci@acme.example', email: 'ci@acme.example', role: ProjectRole.ADMIN }],
    invitations: [], services: [spec(version)], acknowledgements: [],
  }]).filter((f) => f.level === 'error').map((f) => f.ruleId);

  test('on PostgreSQL 15 the rule refuses it, and the MST-like admin really cannot create it', async () => {
    const version = Number((await sql(cluster(), 'SHOW server_version_num')).stdout.trim().slice(0, 2));
    expect(version).toBe(15);
    expect(findings(version)).toEqual(['MST-USER-004']);
    const r = await createAsProvider('replicator', true);
    expect(r.ok).toBe(false);
    expect(r.error).toContain('must be superuser to create replication users');
  });

  test('the same admin creates a non-replication login role without trouble', async () => {
    expect((await createAsProvider('replicator', false)).ok).toBe(true);
  });
});
