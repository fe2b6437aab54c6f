/**
 * Upgrading a deployed stack from the keyed shape of cdktf-mst 0.1 (one
 * `for_each` role block and one `random_password` block per service) to one
 * block per user: without the upgrade context the plan fails on the guards of
 * 0.1's addresses and nothing changes; with it the plan holds only moves, and
 * the apply keeps every role (same OID) and every password. The old stack is the typed example as 0.1
 * synthesized it (fixtures/typed-example-0.1.cdk.tf.json, the golden file of
 * that version); the new one declares the same users with this version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformStack, Testing } from 'cdktf';
import { Acknowledgements, DOCUMENT_KEY, MstProject, toDocument, PowerState, ProjectRole, UPGRADE_MOVES_CONTEXT } from '../../src';
import { sql } from '../../tools/sandbox/cluster';
import { Deployment } from './support';

jest.setTimeout(300_000);

/** The typed example's services and users (examples/typed/main.ts). */
function typedExample(stack: TerraformStack): void {
  const project = new MstProject(stack, 'acme', { name: 'acme-prod', deployer: 'ci-bot@acme.example', billing: { email: 'billing@acme.example' } });
  for (const [email, role] of [['ana@acme.example', ProjectRole.ADMIN], ['ci-bot@acme.example', ProjectRole.ADMIN],
    ['dev@acme.example', ProjectRole.DEVELOPER], ['ops@acme.example', ProjectRole.OPERATOR]] as const) project.addMember(email, role);
  const metrics = project.addService('metrics', { postgresVersion: 16, state: PowerState.RUNNING });
  metrics.addUser('grafana');
  Acknowledgements.of(metrics.addUser('replicator', { allowReplication: true })).add('MST-USER-006', 'feeds the analytics read replica');
  const events = project.addService('events', { postgresVersion: 16 });
  events.addUser('ingest', { passwordVersion: 2 });
  events.addUser('reporting');
}

const USERS = [['metrics', 'grafana'], ['metrics', 'replicator'], ['events', 'ingest'], ['events', 'reporting']] as const;

interface Change { address: string; previous_address?: string; change: { actions: string[] } }

describe('upgrade from the keyed shape of 0.1', () => {
  let d: Deployment;
  const before = new Map<string, { oid: string; password: string }>();

  beforeAll(async () => {
    d = await Deployment.start('upgrade', { metrics: {}, events: {} });
  });
  afterAll(async () => d?.stop());

  const oid = async (service: string, username: string) => {
    const r = await sql(d.cluster(service), `SELECT oid FROM pg_roles WHERE rolname = '${username}'`);
    if (r.code !== 0 || !r.stdout) throw new Error(`no role ${username} on ${service}: ${r.stderr}`);
    return r.stdout;
  };

  test('the 0.1 stack deploys: keyed addresses, one output per password', async () => {
    const old = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'typed-example-0.1.cdk.tf.json'), 'utf8'));
    old.terraform.backend.local.path = 'terraform.tfstate';
    for (const p of old.provider.postgresql) p.sslmode = 'disable';
    // The harness reads the services' variables from the access document, and 0.1's is of a version
    // this one no longer reads: the same services' document as this version writes it.
    const stack = new TerraformStack(Testing.app(), 'e2e');
    typedExample(stack);
    old['//'][DOCUMENT_KEY] = toDocument([(stack.node.findChild('acme') as MstProject).toSpec()], []);
    fs.writeFileSync(path.join(d.dir, 'cdk.tf.json'), JSON.stringify(old, null, 2));
    await d.apply();
    const state = JSON.parse(d.state());
    expect(state.resources.map((r: { type: string; name: string }) => `${r.type}.${r.name}`).sort()).toEqual([
      'postgresql_role.events', 'postgresql_role.metrics', 'random_password.events', 'random_password.metrics',
    ]);
    for (const [service, username] of USERS) {
      before.set(username, { oid: await oid(service, username), password: await d.password(service, username) });
    }
  });

  test('upgraded without the context, the deploy fails on the guards, naming 0.1\'s addresses, and no role changes', async () => {
    d.synth(typedExample);
    const r = await d.tofu(['apply', '-auto-approve', '-input=false', '-no-color']);
    expect(r.code).toBe(1);
    const output = r.stdout + r.stderr;
    expect(output).toContain('Error: Instance cannot be destroyed');
    for (const [service, username] of USERS) {
      expect(output).toContain(`postgresql_role.${service}["${username}"] has lifecycle.prevent_destroy`);
      expect(output).toContain(`random_password.${service}["${username}"] has lifecycle.prevent_destroy`);
      const was = before.get(username)!;
      expect([username, await oid(service, username)]).toEqual([username, was.oid]);
      expect((await d.login(service, username, was.password)).ok).toBe(true);
    }
    // The state still holds 0.1's addresses, for the upgrade with the context.
    const state = JSON.parse(d.state());
    expect(state.resources.map((x: { type: string; name: string }) => `${x.type}.${x.name}`).sort()).toEqual([
      'postgresql_role.events', 'postgresql_role.metrics', 'random_password.events', 'random_password.metrics',
    ]);
  });

  test('with the context, the plan holds only moves, each from the keyed address to the user\'s block', async () => {
    d.synth(typedExample, { [UPGRADE_MOVES_CONTEXT]: true });
    expect(fs.readdirSync(d.dir).filter((f) => f.endsWith('.tf.json')).sort()).toEqual(['cdk.tf.json', 'mst-users.tf.json']);
    await d.ok(['plan', '-input=false', '-no-color', '-out=upgrade.plan']);
    const plan = JSON.parse((await d.ok(['show', '-json', 'upgrade.plan'])).stdout);
    const changes: Change[] = plan.resource_changes;
    expect(changes.map((c) => [c.previous_address, c.address, c.change.actions]).sort()).toEqual([
      ['postgresql_role.events["ingest"]', 'postgresql_role.events_ingest', ['no-op']],
      ['postgresql_role.events["reporting"]', 'postgresql_role.events_reporting', ['no-op']],
      ['postgresql_role.metrics["grafana"]', 'postgresql_role.metrics_grafana', ['no-op']],
      ['postgresql_role.metrics["replicator"]', 'postgresql_role.metrics_replicator', ['no-op']],
      ['random_password.events["ingest"]', 'random_password.events_ingest', ['no-op']],
      ['random_password.events["reporting"]', 'random_password.events_reporting', ['no-op']],
      ['random_password.metrics["grafana"]', 'random_password.metrics_grafana', ['no-op']],
      ['random_password.metrics["replicator"]', 'random_password.metrics_replicator', ['no-op']],
    ]);
  });

  test('the apply keeps every role (same OID) and every password, now in the service\'s map output', async () => {
    await d.ok(['apply', '-input=false', '-no-color', 'upgrade.plan']);
    for (const [service, username] of USERS) {
      const was = before.get(username)!;
      expect([username, await oid(service, username)]).toEqual([username, was.oid]);
      expect([username, await d.password(service, username)]).toEqual([username, was.password]);
      expect((await d.login(service, username, was.password)).ok).toBe(true);
    }
    expect(names(await d.roles('metrics'))).toEqual(['grafana', 'replicator']);
    expect(names(await d.roles('events'))).toEqual(['ingest', 'reporting']);
    const state = JSON.parse(d.state());
    expect(state.resources.map((r: { type: string; name: string }) => `${r.type}.${r.name}`).sort()).toEqual([
      'postgresql_role.events_ingest', 'postgresql_role.events_reporting', 'postgresql_role.metrics_grafana', 'postgresql_role.metrics_replicator',
      'random_password.events_ingest', 'random_password.events_reporting', 'random_password.metrics_grafana', 'random_password.metrics_replicator',
    ]);
  });

  test('then the plan is empty, and stays empty once the context is removed again', async () => {
    expect((await d.plan()).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(d.dir, 'mst-users.tf.json'), 'utf8')).moved).toHaveLength(8);
    d.synth(typedExample);
    expect(JSON.parse(fs.readFileSync(path.join(d.dir, 'mst-users.tf.json'), 'utf8')).moved).toBeUndefined();
    expect((await d.plan()).code).toBe(0);
  });
});

const names = (rows: { name: string }[]) => rows.map((r) => r.name);
