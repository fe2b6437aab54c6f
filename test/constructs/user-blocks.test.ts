// The users' blocks are written by cdktf-mst itself into mst-users.tf.json (src/constructs/user-blocks.ts),
// not rendered by cdktf. They must be exactly what cdktf renders for one Role and one Password L1 per user
// with the same logical IDs, so they are held here against cdktf's own rendering of such a stack.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
import { MstProject, ProjectRole, Secret, ServiceUser, UPGRADE_MOVES_CONTEXT, USERS_FILE } from '../../src';

type Json = any;

function build(app: App): { stack: TerraformStack; users: ServiceUser[] } {
  const stack = new TerraformStack(app, 'stack');
  const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  const metrics = project.addService('metrics', { postgresVersion: 16 });
  const appPassword = new TerraformVariable(stack, 'app_password', { type: 'string', sensitive: true });
  const woPassword = new TerraformVariable(stack, 'wo_password', { type: 'string', sensitive: true });
  const users = [
    metrics.addUser('grafana'),
    metrics.addUser('Reporting', { passwordVersion: 2, password: Secret.generated({ length: 40 }) }),
    metrics.addUser('replicator', { allowReplication: true }),
    metrics.addUser('app', { password: Secret.fromVariable(appPassword) }),
    // Declared elsewhere in the tree: its blocks do not depend on where.
    new ServiceUser(new Construct(stack, 'teams'), 'moved', { service: metrics, username: 'moved_user' }),
    project.addService('events-eu').addUser('ingest'),
    project.addService('secure', { writeOnlyPasswords: true }).addUser('wo', { password: Secret.fromVariable(woPassword), passwordVersion: 3 }),
  ];
  project.acknowledge('MST-USER-006', 'test');
  project.acknowledge('MST-USER-005', 'test');
  return { stack, users };
}

/** The files `cdktf synth` writes for the stack. */
function synthesized(configure: (app: App) => void = () => undefined, env: Record<string, string> = {}): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(Testing.app().outdir, '..', 'user-blocks-'));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const app = new App({ outdir, stackTraces: false });
    configure(app);
    app.synth();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
  const dir = path.join(outdir, 'stacks', 'stack');
  const files = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  fs.rmSync(outdir, { recursive: true, force: true });
  return files;
}

/** cdktf's rendering of the same users as one Role and one Password L1 each, "//" metadata removed. */
function asL1(users: readonly ServiceUser[]): Json {
  const stack = new TerraformStack(Testing.app(), 'l1');
  const providers = new Map<string, PostgresqlProvider>();
  for (const u of users) {
    const provider = providers.get(u.service.name) ?? new PostgresqlProvider(stack, `pg-${u.service.name}`, { alias: u.service.name });
    providers.set(u.service.name, provider);
    const source = u.password.source;
    let password: string;
    if (source.kind === 'generated') {
      const p = new Password(stack, `${u.resourceName}-password`, { length: source.length, special: false, keepers: { version: String(u.passwordVersion) } });
      p.overrideLogicalId(u.resourceName);
      password = p.result;
    } else {
      password = u.password.expression!;
    }
    const role = new Role(stack, `${u.resourceName}-role`, {
      provider, name: u.username, login: true, replication: u.allowReplication,
      ...(u.service.writeOnlyPasswords ? { passwordWo: password, passwordWoVersion: String(u.passwordVersion) } : { password }),
    });
    role.overrideLogicalId(u.resourceName);
  }
  const json = JSON.parse(Testing.synth(stack));
  for (const blocks of Object.values<Json>(json.resource)) for (const block of Object.values<Json>(blocks)) delete block['//'];
  return json.resource;
}

/** The users' blocks of `resource`, without the guards of 0.1's addresses (the only blocks with a `for_each`). */
function withoutGuards(resource: Json): Json {
  return Object.fromEntries(Object.entries<Json>(resource).map(([type, blocks]) => [type,
    Object.fromEntries(Object.entries<Json>(blocks).filter(([, block]) => block.for_each === undefined))]));
}

describe('the users file', () => {
  it('holds what cdktf renders for one Role and one Password L1 per user with the same logical IDs', () => {
    let users: ServiceUser[] = [];
    const files = synthesized((app) => ({ users } = build(app)));
    const written = JSON.parse(files[USERS_FILE]);
    expect(withoutGuards(written.resource)).toEqual(asL1(users));
    expect(Object.keys(written.resource.postgresql_role)).toEqual([
      'events-eu', 'events-eu_ingest', 'metrics', 'metrics_app', 'metrics_grafana', 'metrics_moved_user', 'metrics_replicator', 'metrics_reporting',
      'secure', 'secure_wo',
    ]);
    // The guards of 0.1's addresses: a random_password one only where a user of the service has a generated password.
    expect(Object.keys(written.resource.random_password).filter((k) => written.resource.random_password[k].for_each)).toEqual(['events-eu', 'metrics']);
    // Nothing of it is in cdk.tf.json, which Terraform reads together with it.
    const stack = JSON.parse(files['cdk.tf.json']);
    expect(stack.resource).toBeUndefined();
    expect(stack.moved).toBeUndefined();
  });

  it('is written byte for byte the same for the same stack, and names what it is', () => {
    const a = synthesized((app) => build(app))[USERS_FILE];
    expect(synthesized((app) => build(app))[USERS_FILE]).toBe(a);
    expect(JSON.parse(a)['//']).toMatch(/^Service users of stack stack, written by cdktf-mst/);
  });

  it('is laid out as JSON.stringify(…, null, 2) lays it out, also when written in several pieces', () => {
    const files = synthesized((app) => {
      app.node.setContext(UPGRADE_MOVES_CONTEXT, true);
      const stack = new TerraformStack(app, 'stack');
      const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
      project.addMember('ci@acme.example', ProjectRole.ADMIN);
      const pw = new TerraformVariable(stack, 'pw', { type: 'string', sensitive: true });
      for (const name of ['metrics', 'events-eu', 'x']) {
        const service = project.addService(name, { postgresVersion: 16 });
        for (let i = 0; i < 700; i++) service.addUser(`user_${i}`, i % 7 === 0 ? { password: Secret.fromVariable(pw) } : {});
      }
    });
    const text = files[USERS_FILE];
    expect(text.length).toBeGreaterThan(3 * (1 << 18));
    const json = JSON.parse(text);
    expect(text).toBe(`${JSON.stringify(json, null, 2)}\n`);
    expect(Object.keys(json.resource.postgresql_role)).toHaveLength(2100 + 3);
    expect(Object.keys(json.resource.random_password)).toHaveLength(1800 + 3);
    expect(json.moved).toHaveLength(3900);
    expect(json.moved.map((m: Json) => m.to)).toEqual([...json.moved.map((m: Json) => m.to)].sort());
  });

  it('is not written for a stack without service users', () => {
    const files = synthesized((app) => {
      const stack = new TerraformStack(app, 'stack');
      new MstProject(stack, 'acme', { deployer: 'ci@acme.example' }).addMember('ci@acme.example', ProjectRole.ADMIN);
    });
    expect(Object.keys(files)).toEqual(['cdk.tf.json']);
  });

  it('is written next to HCL output too, with the password outputs in cdk.tf', () => {
    let users: ServiceUser[] = [];
    const files = synthesized((app) => ({ users } = build(app)), { SYNTH_HCL_OUTPUT: 'true' });
    expect(withoutGuards(JSON.parse(files[USERS_FILE]).resource)).toEqual(asL1(users));
    expect(files['cdk.tf'].match(/^output "[^"]+"/gm)?.sort()).toEqual(['output "events_eu_passwords"', 'output "metrics_passwords"']);
  });
});

describe('password outputs', () => {
  it('are one sensitive map per service in cdk.tf.json, mapped for `cdktf output` under the service\'s path', () => {
    const json = JSON.parse(synthesized((app) => build(app))['cdk.tf.json']);
    expect(Object.keys(json.output)).toEqual(['events_eu_passwords', 'metrics_passwords']);
    // One object expression, sorted by key, whatever order the users were declared in.
    expect(json.output.metrics_passwords.value).toBe('${{'
      + '"grafana" = random_password.metrics_grafana.result, "moved_user" = random_password.metrics_moved_user.result, '
      + '"replicator" = random_password.metrics_replicator.result, "reporting" = random_password.metrics_reporting.result}}');
    expect(json['//'].outputs.stack.acme.metrics.passwords).toBe('metrics_passwords');
  });

  it('add a user\'s own, on request, under the user\'s path', () => {
    const json = JSON.parse(synthesized((app) => {
      const { users } = build(app);
      for (const u of users) void u.passwordOutput;
    })['cdk.tf.json']);
    expect(Object.keys(json.output).sort()).toEqual([
      'events-eu_ingest_password', 'events_eu_passwords', 'metrics_grafana_password', 'metrics_moved_user_password',
      'metrics_passwords', 'metrics_replicator_password', 'metrics_reporting_password',
    ]);
    expect(json['//'].outputs.stack.teams.moved.password).toBe('metrics_moved_user_password');
    expect(json['//'].outputs.stack.acme.metrics.users.Reporting.password).toBe('metrics_reporting_password');
  });
});
