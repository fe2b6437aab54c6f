// Role blocks are added by cdktf-mst itself to the JSON cdktf renders (src/render/render.ts), not rendered
// by cdktf. They must be exactly what cdktf renders for one Role L1 per user with the same logical IDs, so
// they are held here against cdktf's own rendering of such a stack.
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Database } from '@cdktf/provider-postgresql/lib/database';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { MstProject, PowerState, ProjectRole, Secret, ServiceUser, UserBackend } from '../../src';

import { literal } from '../../src/render/render';
import { derivedPassword } from '../../src/domain/conventions';

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

/** cdktf's rendering of the same users as one Role L1 each, "//" metadata removed. */
function asL1(users: readonly ServiceUser[]): Json {
  const stack = new TerraformStack(Testing.app(), 'l1');
  const providers = new Map<string, PostgresqlProvider>();
  for (const u of users) {
    const provider = providers.get(u.service.name) ?? new PostgresqlProvider(stack, `pg-${u.service.name}`, { alias: u.service.name });
    providers.set(u.service.name, provider);
    const password = `\${${u.passwordExpression()}}`;
    const role = new Role(stack, `${u.address}-role`, {
      // Replication off is the provider's default, which the library leaves out.
      provider, name: u.username, login: true, replication: u.allowReplication || undefined,
      ...(u.service.writeOnlyPasswords ? { passwordWo: password, passwordWoVersion: String(u.passwordVersion) } : { password }),
    });
    role.overrideLogicalId(u.address.split('.')[1]);
  }
  const json = JSON.parse(Testing.synth(stack));
  for (const blocks of Object.values<Json>(json.resource)) for (const block of Object.values<Json>(blocks)) delete block['//'];
  return json.resource.postgresql_role;
}

describe('role blocks', () => {
  it('are what cdktf renders for one Role L1 per user with the same logical IDs, in cdk.tf.json', () => {
    let users: ServiceUser[] = [];
    const json = JSON.parse(synthesized((app) => ({ users } = build(app)))['cdk.tf.json']);
    expect(json.resource.postgresql_role).toEqual(asL1(users));
    expect(Object.keys(json.resource.postgresql_role)).toEqual([
      'events-eu_ingest', 'metrics_app', 'metrics_grafana', 'metrics_moved_user', 'metrics_replicator', 'metrics_reporting', 'secure_wo',
    ]);
  });

  it('show in Testing.synth, as every other resource of the stack', () => {
    const { stack } = build(Testing.app());
    expect(Object.keys(JSON.parse(Testing.synth(stack)).resource.postgresql_role)).toContain('metrics_grafana');
  });

  it('are sorted by name and the same bytes on every synth', () => {
    const one = synthesized((app) => build(app))['cdk.tf.json'];
    const two = synthesized((app) => build(app))['cdk.tf.json'];
    expect(two).toBe(one);
  });

  it('are none for a stack without service users', () => {
    const json = JSON.parse(synthesized((app) => {
      const project = new MstProject(new TerraformStack(app, 'stack'), 'acme', { deployer: 'ci@acme.example' });
      project.addMember('ci@acme.example', ProjectRole.ADMIN);
    })['cdk.tf.json']);
    expect(json.resource).toBeUndefined();
  });

  it('are written in HCL too when the app writes HCL, as resource blocks', () => {
    const files = synthesized((app) => build(app), { SYNTH_HCL_OUTPUT: 'true' });
    const hcl = files['cdk.tf'];
    expect(hcl).toContain('resource "postgresql_role" "metrics_grafana" {\n  login = true\n  name = "grafana"\n');
    expect(hcl).toContain('  provider = postgresql.metrics\n');
    expect(hcl.match(/^resource "postgresql_role"/gm)).toHaveLength(7);
    expect(hcl.match(/^output "[^"]+"/gm)?.sort()).toEqual(['output "events_eu_passwords"', 'output "metrics_passwords"']);
  });
});

describe('a user\'s role, for the user\'s own resources', () => {
  it('orders a resource after it through dependsOn, and its name is a reference to the block', () => {
    const app = Testing.app();
    const { stack, users } = build(app);
    const grafana = users[0];
    const metrics = grafana.service;
    new Database(stack, 'dashboards', { provider: metrics.provider, name: 'dashboards', owner: grafana.role.name, dependsOn: [grafana.role] });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.resource.postgresql_database.dashboards).toMatchObject({
      depends_on: ['postgresql_role.metrics_grafana'], owner: '${postgresql_role.metrics_grafana.name}', provider: 'postgresql.metrics',
    });
    expect(grafana.role.address).toBe('postgresql_role.metrics_grafana');
  });

  it('takes overrides, as cdktf\'s escape hatch does', () => {
    const app = Testing.app();
    const { stack, users } = build(app);
    users[0].role.addOverride('lifecycle.prevent_destroy', true);
    users[0].role.addOverride('connection_limit', 5);
    users[1].role.addOverride('replication', undefined);
    const roles = JSON.parse(Testing.synth(stack)).resource.postgresql_role;
    expect(roles.metrics_grafana).toMatchObject({ lifecycle: { prevent_destroy: true }, connection_limit: 5, login: true });
    expect(roles.metrics_reporting.replication).toBeUndefined();
  });
});

describe('the library\'s own provider configurations', () => {
  it('leave the user\'s own providers alone: a default random provider of theirs plans beside the library\'s aliased one', () => {
    const app = Testing.app();
    const { stack } = build(app);
    new RandomProvider(stack, 'mine');
    new PostgresqlProvider(stack, 'zzz', { alias: 'aaa' });
    new RandomProvider(stack, 'zzz-random', { alias: 'aaa' });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.provider.random).toEqual([{ alias: 'cdktf_mst' }, {}, { alias: 'aaa' }]);
    // The library orders its own by alias, in their places; the user's stay where they are.
    expect(json.provider.postgresql.map((p: Json) => p.alias)).toEqual(['events-eu', 'metrics', 'secure', 'aaa']);
    expect(json.resource.random_bytes.metrics_passwords.provider).toBe('random.cdktf_mst');
  });

  it('keep a user\'s `${` and `%{` as text: Terraform reads strings as templates', () => {
    expect(literal('${var.x}.example')).toBe('$${var.x}.example');
    expect(literal('a%{if true}b')).toBe('a%%{if true}b');
    expect(literal('plain.host-1')).toBe('plain.host-1');
  });
});

describe('generated passwords', () => {
  it('derive from the service\'s seed, the user and its version: the first characters of a hexadecimal SHA-512 digest', () => {
    expect(derivedPassword('random_bytes.m_passwords', 'grafana', 2, 32)).toBe('substr(sha512("${random_bytes.m_passwords.hex}:grafana:2"), 0, 32)');
    expect(derivedPassword('s', 'u', 1, 128)).toBe('substr(sha512("${s.hex}:u:1"), 0, 128)');
  });
});

describe('password outputs', () => {
  it('are one sensitive map per service in cdk.tf.json, mapped for `cdktf output` under the service\'s path', () => {
    const json = JSON.parse(synthesized((app) => build(app))['cdk.tf.json']);
    expect(Object.keys(json.output)).toEqual(['events_eu_passwords', 'metrics_passwords']);
    // One object expression, sorted by key, whatever order the users were declared in.
    expect(json.output.metrics_passwords.value).toBe('${{'
      + '"grafana" = postgresql_role.metrics_grafana.password, "moved_user" = postgresql_role.metrics_moved_user.password, '
      + '"replicator" = postgresql_role.metrics_replicator.password, "reporting" = postgresql_role.metrics_reporting.password}}');
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

describe('the MST API backend', () => {
  function apiStack(): { stack: TerraformStack; users: ServiceUser[] } {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const project = new MstProject(stack, 'acme', {
      deployer: 'ci@acme.example', mstApi: { organizationId: 'org1a2b3c4d5e6' }, backend: UserBackend.MST_API,
    });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    project.addMember('Ana@acme.example', ProjectRole.READ_ONLY);
    project.addInvitation('new@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'ci@acme.example' });
    const metrics = project.addService('metrics', { powerState: PowerState.RUNNING });
    const users = [metrics.addUser('grafana'), metrics.addUser('replicator', { allowReplication: true })];
    project.addService('events', { backend: UserBackend.POSTGRES_ROLES, postgresVersion: 16 }).addUser('ingest');
    project.acknowledge('MST-USER-006', 'test');
    return { stack, users };
  }

  it('makes users aiven_pg_user blocks after the live service, and the role handle follows', () => {
    const { stack, users } = apiStack();
    const json = JSON.parse(Testing.synth(stack, true));
    expect(json.resource.aiven_pg_user.metrics_grafana).toEqual({
      depends_on: ['data.aiven_pg.metrics'], password: `\${${users[0].passwordExpression()}}`, pg_allow_replication: false,
      project: 'acme', provider: 'aiven.mst_acme', service_name: 'metrics', username: 'grafana',
    });
    expect(json.resource.aiven_pg_user.metrics_replicator.pg_allow_replication).toBe(true);
    expect(users[0].role.address).toBe('aiven_pg_user.metrics_grafana');
    expect(users[0].role.name).toBe('${aiven_pg_user.metrics_grafana.username}');
    // The other service keeps PostgreSQL roles; only it reads an admin connection.
    expect(Object.keys(json.resource.postgresql_role)).toEqual(['events_ingest']);
    expect(json.provider.postgresql.map((p: Json) => p.alias)).toEqual(['events']);
    expect(Object.keys(json.variable).sort()).toEqual(['events_admin_password', 'events_host', 'events_port']);
    expect(json.terraform.required_providers.aiven).toEqual({ source: 'aiven/aiven', version: '4.61.0' });
    expect(json.provider.aiven).toEqual([{ alias: 'mst_acme' }]);
  });

  it('applies every member\'s role as the project\'s organization permission, each checked to have joined', () => {
    const json = JSON.parse(Testing.synth(apiStack().stack, true));
    const permission = json.resource.aiven_organization_permission.mst_acme;
    expect(permission).toMatchObject({ organization_id: 'org1a2b3c4d5e6', resource_type: 'project', resource_id: 'acme' });
    expect(permission.permissions.map((p: Json) => p.permissions)).toEqual([['read_only'], ['admin']]);
    expect(permission.permissions[0].principal_id).toContain('== "ana@acme.example"');
    expect(permission.lifecycle.precondition.map((p: Json) => p.error_message)).toEqual([
      expect.stringMatching(/^Member Ana@acme\.example of MST project acme has not joined organization org1a2b3c4d5e6/),
      expect.stringMatching(/^Member ci@acme\.example of MST project acme has not joined/),
    ]);
    expect(json.check.mst_acme_invitation_1.assert[0].error_message).toMatch(/^Invitee new@acme\.example has joined organization/);
    expect(json.data.aiven_pg.metrics.lifecycle.postcondition[0].condition).toBe('${self.state == "RUNNING"}');
    // The fix names this service, so the command can be pasted as it is.
    expect(json.data.aiven_pg.metrics.lifecycle.postcondition[0].error_message).toBe('MST service metrics is ${self.state}, not RUNNING, '
      + 'and MST manages service users only on a running service: power it on (the console, or '
      + '`avn service update --project acme --power-on metrics`) and deploy again.');
    expect(json.check.metrics_power_state.assert[0].condition).toBe('${data.aiven_pg.metrics.state == "RUNNING"}');
  });

  it('keeps `${` in an email text in every expression and message', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example', mstApi: { organizationId: 'org1a2b3c4d5e6' } });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    project.addMember('a${var.x}@acme.example', ProjectRole.READ_ONLY);
    const text = Testing.synth(stack, true);
    expect(text).not.toMatch(/(?<![$])\$\{var\.x\}/);
  });

  it('refuses an MST API service in a project without mstApi (MST-BACKEND-001), and HCL output (MST-BACKEND-003)', () => {
    const stack = new TerraformStack(Testing.app(), 'stack');
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    project.addService('metrics', { backend: UserBackend.MST_API }).addUser('grafana');
    expect(() => Testing.synth(stack, true)).toThrow(/MST-BACKEND-001: service "metrics" is on the MST API backend, but project "acme" has no mstApi connection/);
    expect(() => synthesized((app) => apiStackIn(app), { SYNTH_HCL_OUTPUT: 'true' })).toThrow(/MST-BACKEND-003/);
  });

  function apiStackIn(app: App): void {
    const project = new MstProject(new TerraformStack(app, 'stack'), 'acme', { deployer: 'ci@acme.example', mstApi: { organizationId: 'org1a2b3c4d5e6' } });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
  }
});
