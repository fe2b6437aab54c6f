/**
 * The whole lifecycle of service users against real PostgreSQL, with the real
 * engine: create, no-op, refactor, replication on/off, rotation, variable
 * passwords, add, remove, destroy. `metrics` runs on PostgreSQL 17 and `events`
 * on 15, both with an MST-like admin (tsdbadmin: CREATEROLE, REPLICATION, not a
 * superuser). Each step builds on the state the previous one left, as a
 * pipeline's deploys do; a failing step fails the ones after it.
 */
import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { MstProject, MstService, ProjectRole, Secret, ServiceUser, Acknowledgements } from '../../src';
import { sql } from '../../tools/sandbox/cluster';
import { Deployment } from './support';

jest.setTimeout(240_000);

interface Shape {
  /** Users of metrics: username → options. */
  metrics: Record<string, { replication?: boolean; version?: number; variable?: string }>;
  events: Record<string, { replication?: boolean; version?: number }>;
  /** Declare metrics' grafana in a construct of its own instead of through addUser. */
  grafanaElsewhere?: boolean;
}

function build(shape: Shape) {
  return (stack: TerraformStack): void => {
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', { postgresVersion: 17 });
    const events = project.addService('events', { postgresVersion: 15 });
    const variables = new Map<string, TerraformVariable>();
    const secret = (name?: string): Secret | undefined => {
      if (!name) return undefined;
      const v = variables.get(name) ?? new TerraformVariable(stack, name, { type: 'string', sensitive: true });
      variables.set(name, v);
      return Secret.fromVariable(v);
    };
    const add = (service: MstService, username: string, o: { replication?: boolean; version?: number; variable?: string }) => {
      const options = {
        allowReplication: o.replication ?? false,
        ...(o.version ? { passwordVersion: o.version } : {}),
        ...(o.variable ? { password: secret(o.variable) } : {}),
      };
      const user = shape.grafanaElsewhere && username === 'grafana'
        ? new ServiceUser(new Construct(stack, 'dashboards'), 'grafana-user', { service, username, ...options })
        : service.addUser(username, options);
      if (o.replication) Acknowledgements.of(user).add('MST-USER-006', 'feeds a replica');
    };
    for (const [u, o] of Object.entries(shape.metrics)) add(metrics, u, o);
    for (const [u, o] of Object.entries(shape.events)) add(events, u, o);
  };
}

const names = (rows: { name: string }[]) => rows.map((r) => r.name);

describe('deploy lifecycle (metrics on PostgreSQL 17, events on 15, MST-like admin)', () => {
  let d: Deployment;
  const shape: Shape = {
    metrics: { grafana: {}, replicator: { replication: true }, etl: { variable: 'etl_password' } },
    events: { ingest: {}, reporting: {} },
  };
  const passwords = new Map<string, string>();

  beforeAll(async () => {
    d = await Deployment.start('life', { metrics: { major: 17 }, events: { major: 15 } });
    // A role the stack does not manage, created by hand before the first deploy.
    for (const svc of ['metrics', 'events']) {
      const r = await sql(d.cluster(svc), "CREATE ROLE legacy_app LOGIN PASSWORD 'legacy-pass-0123456789'");
      if (r.code !== 0) throw new Error(r.stderr);
    }
    d.variables.etl_password = 'etl-first-password-0123456789';
  });
  afterAll(async () => d?.stop());

  test('create: every declared user exists as a login role with its replication attribute', async () => {
    d.synth(build(shape));
    await d.apply();
    expect(await d.roles('metrics')).toEqual([
      { name: 'etl', login: true, replication: false },
      { name: 'grafana', login: true, replication: false },
      { name: 'legacy_app', login: true, replication: false },
      { name: 'replicator', login: true, replication: true },
    ]);
    expect(await d.roles('events')).toEqual([
      { name: 'ingest', login: true, replication: false },
      { name: 'legacy_app', login: true, replication: false },
      { name: 'reporting', login: true, replication: false },
    ]);
  });

  test('each user logs in with the password from the outputs; only the replication user can replicate', async () => {
    for (const [svc, users] of [['metrics', ['grafana', 'replicator']], ['events', ['ingest', 'reporting']]] as const) {
      for (const u of users) {
        const pw = await d.password(svc, u);
        expect(pw).toMatch(/^[A-Za-z0-9]{32}$/);
        passwords.set(`${svc}/${u}`, pw);
        expect((await d.login(svc, u, pw)).ok).toBe(true);
        expect((await d.login(svc, u, `${pw}x`)).ok).toBe(false);
      }
    }
    expect((await d.login('metrics', 'etl', 'etl-first-password-0123456789')).ok).toBe(true);
    expect(await d.replicate('metrics', 'replicator', passwords.get('metrics/replicator')!)).toBe(true);
    expect(await d.replicate('metrics', 'grafana', passwords.get('metrics/grafana')!)).toBe(false);
  });

  test('no change: the plan is empty', async () => {
    const plan = await d.plan();
    expect(plan.stdout).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('refactor: moving a declaration into another construct leaves the plan empty', async () => {
    d.synth(build({ ...shape, grafanaElsewhere: true }));
    const plan = await d.plan();
    expect(plan.stdout).toContain('No changes');
    expect(plan.code).toBe(0);
  });

  test('replication off and on: the attributes change in place, the roles stay', async () => {
    shape.metrics.replicator = { replication: false };
    shape.metrics.grafana = { replication: true };
    d.synth(build(shape));
    const plan = await d.plan();
    expect(plan.code).toBe(2);
    expect(plan.stdout).toMatch(/0 to add, 2 to change, 0 to destroy/);
    await d.apply();
    const rows = await d.roles('metrics');
    expect(rows.find((r) => r.name === 'grafana')?.replication).toBe(true);
    expect(rows.find((r) => r.name === 'replicator')?.replication).toBe(false);
    expect(await d.replicate('metrics', 'grafana', passwords.get('metrics/grafana')!)).toBe(true);
    expect(await d.replicate('metrics', 'replicator', passwords.get('metrics/replicator')!)).toBe(false);
  });

  test('rotation: bumping passwordVersion gives one user a new password, the others keep theirs', async () => {
    shape.events.ingest = { version: 2 };
    d.synth(build(shape));
    await d.apply();
    const fresh = await d.password('events', 'ingest');
    const old = passwords.get('events/ingest')!;
    expect(fresh).not.toBe(old);
    expect((await d.login('events', 'ingest', fresh)).ok).toBe(true);
    expect((await d.login('events', 'ingest', old)).ok).toBe(false);
    for (const key of ['events/reporting', 'metrics/grafana', 'metrics/replicator']) {
      const [svc, u] = key.split('/');
      expect(await d.password(svc, u)).toBe(passwords.get(key));
      expect((await d.login(svc, u, passwords.get(key)!)).ok).toBe(true);
    }
  });

  test('variable password: a new value of the variable becomes the role password', async () => {
    d.variables.etl_password = 'etl-second-password-0123456789';
    await d.apply();
    expect((await d.login('metrics', 'etl', 'etl-second-password-0123456789')).ok).toBe(true);
    expect((await d.login('metrics', 'etl', 'etl-first-password-0123456789')).ok).toBe(false);
  });

  test('add and remove: a new user is created, a removed one is dropped', async () => {
    shape.events.audit = {};
    delete shape.metrics.etl;
    d.synth(build(shape));
    await d.apply();
    expect(names(await d.roles('events'))).toEqual(['audit', 'ingest', 'legacy_app', 'reporting']);
    expect(names(await d.roles('metrics'))).toEqual(['grafana', 'legacy_app', 'replicator']);
    expect((await d.login('events', 'audit', await d.password('events', 'audit'))).ok).toBe(true);
  });

  test('destroy: no role of the stack is left, the unmanaged role is untouched', async () => {
    await d.destroy();
    expect(await d.roles('metrics')).toEqual([{ name: 'legacy_app', login: true, replication: false }]);
    expect(await d.roles('events')).toEqual([{ name: 'legacy_app', login: true, replication: false }]);
    expect((await d.login('metrics', 'legacy_app', 'legacy-pass-0123456789')).ok).toBe(true);
  });
});
