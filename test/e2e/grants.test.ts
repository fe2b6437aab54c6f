/**
 * Grants against real clusters (PostgreSQL 15 and 17, MST-like admin) with
 * the real engine: what a reader and a writer may do after a deploy, tables
 * the admin creates afterwards, a grant removed from the code, and the
 * memberships the admin can and cannot give.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformStack } from 'cdktf';
import { main } from '../../src/cli/main';
import { MstProject, PredefinedRole, ProjectRole } from '../../src';
import { sql } from '../../tools/sandbox/cluster';
import { Deployment } from './support';

jest.setTimeout(300_000);

interface Shape {
  /** The ingest worker may write metrics.samples. */
  readonly ingestWrites: boolean;
  /** The monitor is made a member of pg_monitor. */
  readonly monitor: boolean;
  /** Grafana may write the public schema rather than read it. */
  readonly grafanaWrites?: boolean;
}

const build = (major: number, shape: Shape) => (stack: TerraformStack): void => {
  const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  const metrics = project.addService('metrics', { postgresVersion: major });
  const grafana = metrics.addUser('grafana');
  if (shape.grafanaWrites) grafana.grantWrite({ schema: 'public' }); else grafana.grantRead({ schema: 'public' });
  const ingest = metrics.addUser('ingest');
  if (shape.ingestWrites) ingest.grantWrite({ schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'] });
  if (shape.monitor) metrics.addUser('monitor').grantRole(PredefinedRole.PG_MONITOR);
};

describe.each([15, 17] as const)('grants on PostgreSQL %d under an MST-like admin', (major) => {
  let d: Deployment;
  const as = async (user: string, text: string) => sql(d.cluster('metrics'), text, { user, password: await d.password('metrics', user) });
  const admin = async (text: string | string[]) => {
    const r = await sql(d.cluster('metrics'), text);
    if (r.code !== 0) throw new Error(r.stderr);
  };

  beforeAll(async () => {
    d = await Deployment.start(`grants${major}`, { metrics: { major, mode: 'mst' } });
    // What the service holds before the first deploy, made by its admin as an application's migrations would.
    await admin([
      'CREATE TABLE public.existing (id int)',
      'INSERT INTO public.existing VALUES (1)',
      'CREATE SCHEMA metrics',
      'CREATE TABLE metrics.samples (id serial PRIMARY KEY, v int)',
      'CREATE TABLE metrics.secret (v int)',
    ]);
  });
  afterAll(async () => d?.stop());

  test('a reader reads an existing table and cannot write it', async () => {
    d.synth(build(major, { ingestWrites: true, monitor: false }));
    await d.apply();
    expect(await as('grafana', 'SELECT count(*) FROM public.existing')).toMatchObject({ code: 0, stdout: '1' });
    const insert = await as('grafana', 'INSERT INTO public.existing VALUES (2)');
    expect(insert.code).toBe(1);
    expect(insert.stderr).toMatch(/permission denied for table existing/);
    // Nothing beyond its grant: another schema stays closed.
    expect((await as('grafana', 'SELECT * FROM metrics.samples')).stderr).toMatch(/permission denied for schema metrics/);
  });

  test('a table the admin creates after the deploy is readable with no new deploy, and the plan stays empty', async () => {
    await admin(['CREATE TABLE public.later (v int)', 'INSERT INTO public.later VALUES (7)']);
    expect(await as('grafana', 'SELECT v FROM public.later')).toMatchObject({ code: 0, stdout: '7' });
    expect((await as('grafana', 'DELETE FROM public.later')).stderr).toMatch(/permission denied for table later/);
    const plan = await d.plan();
    expect(plan.stdout).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('a writer inserts into its table (drawing from its sequence), and nothing else', async () => {
    expect(await as('ingest', 'INSERT INTO metrics.samples (v) VALUES (42) RETURNING id')).toMatchObject({ code: 0, stdout: '1' });
    expect(await as('ingest', 'SELECT v FROM metrics.samples')).toMatchObject({ code: 0, stdout: '42' });
    expect((await as('ingest', 'SELECT * FROM metrics.secret')).stderr).toMatch(/permission denied for table secret/);
  });

  test('the diff of a change that turns the reader into a writer fails --fail-on escalation', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-grants-diff-'));
    try {
      const synthesized = (name: string, shape: Shape) => {
        d.synth(build(major, shape));
        fs.mkdirSync(path.join(dir, name));
        fs.copyFileSync(path.join(d.dir, 'cdk.tf.json'), path.join(dir, name, 'cdk.tf.json'));
        return path.join(dir, name, 'cdk.tf.json');
      };
      const base = synthesized('base', { ingestWrites: true, monitor: false });
      const head = synthesized('head', { ingestWrites: true, monitor: false, grafanaWrites: true });
      const out: string[] = [];
      const err: string[] = [];
      const code = main(['diff', base, head, '--fail-on', 'escalation'], { out: (l) => out.push(l), err: (l) => err.push(l) });
      expect(out.join('\n')).toContain('**Write access granted**: `grafana` on `metrics` gains DELETE, INSERT, UPDATE on every table of schema `public`, present and future');
      expect(err).toEqual(['cdktf-mst diff: 1 escalation(s) (--fail-on escalation)']);
      expect(code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a grant removed from the code is revoked on the next deploy', async () => {
    d.synth(build(major, { ingestWrites: false, monitor: false }));
    const plan = await d.plan();
    expect(plan.stdout).toMatch(/0 to add, 0 to change, 3 to destroy/);
    await d.apply();
    expect((await as('ingest', 'INSERT INTO metrics.samples (v) VALUES (43)')).stderr).toMatch(/permission denied for (schema metrics|table samples)/);
    expect((await as('ingest', 'SELECT * FROM metrics.samples')).code).toBe(1);
    expect(await as('grafana', 'SELECT count(*) FROM public.existing')).toMatchObject({ code: 0, stdout: '1' });
  });

  if (major === 15) {
    test('on 15 the admin makes a user a member of pg_monitor, and the next plan leaves it be', async () => {
      d.synth(build(major, { ingestWrites: false, monitor: true }));
      await d.apply();
      expect(await as('monitor', "SELECT pg_has_role('monitor', 'pg_monitor', 'MEMBER')")).toMatchObject({ code: 0, stdout: 't' });
      const plan = await d.plan();
      expect(plan.stdout).toContain('No changes');
      expect(plan.code).toBe(0);
    });
  } else {
    test('on 17 the synth refuses pg_monitor (MST-GRANT-006), and the admin really cannot grant it', async () => {
      expect(() => d.synth(build(major, { ingestWrites: false, monitor: true })))
        .toThrow(/MST-GRANT-006: user "monitor" on service "metrics" is made a member of "pg_monitor", which MST's admin cannot grant/);
      const r = await sql(d.cluster('metrics'), 'GRANT pg_monitor TO grafana');
      expect(r.stderr).toMatch(/permission denied to grant role "pg_monitor"/);
    });
  }

  test('a reader turned writer keeps its blocks: the plan changes them in place and adds the sequences', async () => {
    d.synth(build(major, { ingestWrites: false, monitor: major === 15, grafanaWrites: true }));
    const plan = await d.plan();
    expect(plan.stdout).toMatch(/2 to add, 2 to change, 0 to destroy/);
    expect(plan.stdout).toMatch(/postgresql_grant\.metrics_grafana-tables-defaultdb-public will be updated in-place/);
    await d.apply();
    expect((await as('grafana', 'INSERT INTO public.later VALUES (8)')).code).toBe(0);
  });

  test('destroy drops the roles with their grants; the admin\'s tables stay', async () => {
    await d.destroy();
    expect(await d.roles('metrics')).toEqual([]);
    expect((await sql(d.cluster('metrics'), 'SELECT v FROM public.later ORDER BY v')).stdout).toBe('7\n8');
  });
});

describe('many users\' grants on one schema', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('grantsmany', { metrics: { major: 17, mode: 'mst' } });
    const r = await sql(d.cluster('metrics'), ['CREATE SCHEMA app', 'CREATE TABLE app.t (id serial, v int)', 'CREATE TABLE public.p (v int)']);
    if (r.code !== 0) throw new Error(r.stderr);
  });
  afterAll(async () => d?.stop());

  test('apply in one run at the engine\'s parallelism, and plan nothing more', async () => {
    d.synth((stack) => {
      const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
      project.addMember('ci@acme.example', ProjectRole.ADMIN);
      const metrics = project.addService('metrics', { postgresVersion: 17 });
      const users = Array.from({ length: 20 }, (_, i) => metrics.addUser(`u${i}`));
      users.forEach((u, i) => {
        if (i % 2 === 0) u.grantWrite({ schema: 'app' }).grantRead({ schema: 'public', tables: ['p'] });
        else u.grantRead({ schema: 'app' }).grantRead({ schema: 'public' });
      });
      // A reader made a member of a writer: on 17 the admin may, having created both roles.
      users[3].grantRole(users[0]);
    });
    await d.apply();
    const plan = await d.plan();
    expect(plan.stdout).toContain('No changes');
    const insert = async (user: string) => sql(d.cluster('metrics'), 'INSERT INTO app.t (v) VALUES (1)', { user, password: await d.password('metrics', user) });
    expect((await insert('u0')).code).toBe(0);
    expect((await insert('u3')).code).toBe(0);
    expect((await insert('u1')).stderr).toMatch(/permission denied for table t/);
  });
});
