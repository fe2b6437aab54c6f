/**
 * Hand-made changes (drift) to managed roles, against real PostgreSQL 17 with
 * the real engine, with a superuser admin (the provider reads password hashes
 * from pg_shadow) and with an MST-like admin (tsdbadmin, not a superuser: it
 * cannot). What the plan shows for each change is asserted as observed, and
 * the deploy after it must leave every user able to log in with the password
 * in the outputs. Roles the stack does not manage — made by hand, or by another
 * stack on the same service — are never touched by deploy or destroy.
 */
import { ClusterMode, sql } from '../../tools/sandbox/cluster';
import { APPLY, stackOf } from './faults';
import { Deployment } from './support';

jest.setTimeout(300_000);

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const LEGACY = { name: 'legacy', password: 'legacy-password-0123456789' };

async function admin(d: Deployment, statements: string | string[]): Promise<void> {
  const r = await sql(d.cluster('metrics'), statements);
  if (r.code !== 0) throw new Error(`${String(statements)}: ${r.stderr}`);
}

/** The plan's summary line ("Plan: 1 to add, ...") and the resources it lists, by role name. */
async function planOf(d: Deployment): Promise<{ code: number; summary: string; text: string }> {
  const p = await d.plan();
  if (p.code === 1) throw new Error(`plan failed:\n${p.stderr}`);
  return { code: p.code, summary: /Plan: .*|No changes\./.exec(p.stdout)?.[0] ?? '', text: p.stdout };
}

/** Whether the plan lists a role resource for `user` with `action` ("will be created", "will be updated in-place"). */
const lists = (text: string, user: string, action: string): boolean =>
  new RegExp(`# postgresql_role\\.\\S*${user}\\S* ${action}`).test(text);

describe.each<[string, ClusterMode]>([
  ['superuser admin', 'superuser'],
  ['MST-like admin (tsdbadmin)', 'mst'],
])('drift with a %s', (_label, mode) => {
  let d: Deployment;
  let passwords: Map<string, string>;
  const superuser = mode === 'superuser';
  const build = (versions: Record<string, number> = {}) => stackOf(USERS, { superuser, versions });

  beforeAll(async () => {
    d = await Deployment.start(`drift-${mode}`, { metrics: { major: 17, mode } });
    await admin(d, `CREATE ROLE ${LEGACY.name} LOGIN PASSWORD '${LEGACY.password}'`);
    d.synth(build());
    await d.apply();
    passwords = await d.passwords('metrics');
    expect(await d.problems('metrics', USERS, [LEGACY.name])).toEqual([]);
  });
  afterAll(async () => d?.stop());

  test('a dropped role: the plan creates it again, the deploy restores it with the same password', async () => {
    await admin(d, 'DROP ROLE alice');
    const plan = await planOf(d);
    expect(plan.summary).toBe('Plan: 1 to add, 0 to change, 0 to destroy.');
    expect(lists(plan.text, 'alice', 'will be created')).toBe(true);
    await d.apply();
    expect((await d.login('metrics', 'alice', passwords.get('alice')!)).ok).toBe(true);
  });

  test('replication turned on by hand: the plan turns it off again, the deploy does', async () => {
    await admin(d, 'ALTER ROLE bob REPLICATION');
    const plan = await planOf(d);
    expect(plan.summary).toBe('Plan: 0 to add, 1 to change, 0 to destroy.');
    expect(lists(plan.text, 'bob', 'will be updated in-place')).toBe(true);
    expect(plan.text).toMatch(/~ replication\s+= true -> false/);
    await d.apply();
    expect((await d.roles('metrics')).find((r) => r.name === 'bob')?.replication).toBe(false);
  });

  test('a renamed role: the plan creates the declared name again; the renamed role is left alone', async () => {
    await admin(d, 'ALTER ROLE carol RENAME TO carol_renamed');
    const plan = await planOf(d);
    expect(plan.summary).toBe('Plan: 1 to add, 0 to change, 0 to destroy.');
    expect(lists(plan.text, 'carol', 'will be created')).toBe(true);
    await d.apply();
    expect((await d.login('metrics', 'carol', passwords.get('carol')!)).ok).toBe(true);
    // No longer tied to the stack: it stays until someone drops it.
    expect((await d.roles('metrics')).map((r) => r.name)).toContain('carol_renamed');
    await admin(d, 'DROP ROLE carol_renamed');
  });

  // The provider compares passwords only as a superuser and only against md5 hashes or an empty one:
  // a SCRAM hash (PostgreSQL's default since 14) is taken to match whatever the state holds.
  test(`a password changed by hand (SCRAM): ${superuser ? 'not detected even by a superuser' : 'not detected'}`, async () => {
    await admin(d, "ALTER ROLE dave PASSWORD 'changed-by-hand-0123456789'");
    const plan = await planOf(d);
    expect(plan.summary).toBe('No changes.');
    expect((await d.login('metrics', 'dave', passwords.get('dave')!)).ok).toBe(false);
  });

  test(`a password changed by hand (md5) or removed: ${superuser ? 'detected and corrected' : 'not detected'}`, async () => {
    await admin(d, ["SET password_encryption = 'md5'", "ALTER ROLE erin PASSWORD 'changed-by-hand-0123456789'"]);
    await admin(d, 'ALTER ROLE frank PASSWORD NULL');
    const plan = await planOf(d);
    if (superuser) {
      expect(plan.summary).toBe('Plan: 0 to add, 2 to change, 0 to destroy.');
      expect(lists(plan.text, 'erin', 'will be updated in-place')).toBe(true);
      expect(lists(plan.text, 'frank', 'will be updated in-place')).toBe(true);
      expect(plan.text).toMatch(/~ password\s+= \(sensitive value\)/);
      await d.apply();
      for (const u of ['erin', 'frank']) expect((await d.login('metrics', u, passwords.get(u)!)).ok).toBe(true);
    } else {
      expect(plan.summary).toBe('No changes.');
      for (const u of ['erin', 'frank']) expect((await d.login('metrics', u, passwords.get(u)!)).ok).toBe(false);
    }
  });

  test('what the plan cannot see, a rotation repairs: bump passwordVersion, the user logs in with the new password', async () => {
    const broken = superuser ? ['dave'] : ['dave', 'erin', 'frank'];
    d.synth(build(Object.fromEntries(broken.map((u) => [u, 2]))));
    await d.apply();
    const fresh = await d.passwords('metrics');
    for (const u of broken) expect(fresh.get(u)).not.toBe(passwords.get(u));
    for (const u of USERS.filter((x) => !broken.includes(x))) expect(fresh.get(u)).toBe(passwords.get(u));
    expect(await d.problems('metrics', USERS, [LEGACY.name])).toEqual([]);
    expect((await planOf(d)).summary).toBe('No changes.');
  });

  test('the hand-made role was never touched, not even by destroy', async () => {
    await d.destroy();
    expect(await d.roles('metrics')).toEqual([{ name: LEGACY.name, login: true, replication: false }]);
    expect((await d.login('metrics', LEGACY.name, LEGACY.password)).ok).toBe(true);
  });
});

describe('roles the stack does not manage (by hand, or another stack on the same service)', () => {
  let a: Deployment;
  let b: Deployment;
  const bUsers = ['b_reader', 'b_writer'];
  let bPasswords: Map<string, string>;

  /** The roles outside stack A, as they must stay: attributes and logins. */
  async function untouched(): Promise<void> {
    const rows = await a.roles('metrics');
    expect(rows.filter((r) => r.name === LEGACY.name || bUsers.includes(r.name))).toEqual([
      { name: 'b_reader', login: true, replication: false },
      { name: 'b_writer', login: true, replication: false },
      { name: LEGACY.name, login: true, replication: true },
    ]);
    expect((await a.login('metrics', LEGACY.name, LEGACY.password)).ok).toBe(true);
    for (const u of bUsers) expect((await b.login('metrics', u, bPasswords.get(u)!)).ok).toBe(true);
    expect((await b.plan()).code).toBe(0);
  }

  beforeAll(async () => {
    a = await Deployment.start('others', { metrics: { major: 17 } });
    b = Deployment.beside('others-b', a);
    await admin(a, `CREATE ROLE ${LEGACY.name} LOGIN REPLICATION PASSWORD '${LEGACY.password}'`);
    b.synth(stackOf(bUsers));
    await b.apply();
    bPasswords = await b.passwords('metrics');
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  test('deploying, changing and destroying stack A leaves the hand-made role and stack B alone', async () => {
    a.synth(stackOf(['a1', 'a2', 'a3']));
    await a.apply();
    await untouched();
    a.synth(stackOf(['a2', 'a3', 'a4']));
    await a.apply();
    expect(await a.problems('metrics', ['a2', 'a3', 'a4'], [LEGACY.name, ...bUsers])).toEqual([]);
    await untouched();
    await a.destroy();
    expect((await a.roles('metrics')).map((r) => r.name)).toEqual(['b_reader', 'b_writer', LEGACY.name]);
    await untouched();
  });

  test('declaring a user named like a role the stack does not manage fails; that role is not taken over', async () => {
    a.synth(stackOf(['a1', LEGACY.name, 'b_reader']));
    const r = await a.tofu(APPLY);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`role "${LEGACY.name}" already exists`);
    expect(r.stderr).toContain('role "b_reader" already exists');
    expect(a.stateRoles().map((x) => x.name)).toEqual(['a1']);
    await untouched();
    a.synth(stackOf(['a1']));
    await a.apply();
    await a.destroy();
    await untouched();
  });
});
