import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import * as validate from '../../src/domain/validate';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import {
  Acknowledgements, MstProject, MstService, MstValidationError, PowerState, ProjectRole, Secret, ServiceUser, loadManifest,
} from '../../src';
import { AccessDocument, DOCUMENT_KEY, fromDocument, toDocument } from '../../src/domain/document';
import { derivedPassword } from '../../src/domain/conventions';

type Json = any;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function newStack(context?: Record<string, unknown>): { app: App; stack: TerraformStack } {
  const app = Testing.app(context ? { context } : {});
  return { app, stack: new TerraformStack(app, 'stack') };
}

/** An app with cdktf's skipValidation, writing to a fresh folder, whose one project has no Admin (MST-MEMBER-001). */
function withoutAdmin(): { outdir: string; app: App; project: MstProject } {
  const outdir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'mst-skip-'));
  const app = new App({ outdir, skipValidation: true });
  const project = new MstProject(new TerraformStack(app, 'stack'), 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.OPERATOR);
  return { outdir, app, project };
}

/** A project whose deployer is an Admin, ready for services. */
function newProject(stack: Construct, deployer = 'ci@acme.example'): MstProject {
  const project = new MstProject(stack, 'acme', { deployer });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  return project;
}

/** What `cdktf synth` writes: the stack JSON (with "//") as text and parsed, and the manifest. */
function fullSynth(stack: TerraformStack): { text: string; json: Json; manifest: Json } {
  const outdir = Testing.fullSynth(stack);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const text = fs.readFileSync(path.join(outdir, manifest.stacks[stack.node.id].synthesizedStackPath), 'utf8');
  return { text, json: JSON.parse(text), manifest };
}

/** The stack's configuration as Terraform reads it, without "//" comments. */
function synth(stack: TerraformStack): Json {
  const { json } = fullSynth(stack);
  delete json['//'];
  return json;
}

/** The password expression of a generated password of `user` on `service` (derivation: test/render/render.test.ts). */
function generated(service: string, user: string, version = 1, length = 32): string {
  return `\${${derivedPassword(`random_bytes.${service}_passwords`, user, version, length)}}`;
}

function documentOf(json: Json): AccessDocument {
  return json['//'][DOCUMENT_KEY];
}

/** Paths (a.b.c) at which two JSON values differ. */
function diffPaths(a: Json, b: Json, at = ''): string[] {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b ? [] : [at];
  }
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => diffPaths(a[k], b[k], at ? `${at}.${k}` : k));
}

/** Every [path, value] pair of a JSON value. */
function leaves(v: Json, at = ''): Array<[string, unknown]> {
  if (typeof v !== 'object' || v === null) return [[at, v]];
  return Object.entries(v).flatMap(([k, x]) => leaves(x, at ? `${at}.${k}` : k));
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, none was thrown');
}

/**
 * The stack most tests look at: two services, generated and variable
 * passwords, a mixed-case username, an acknowledged replication user.
 */
function acmeStack(context?: Record<string, unknown>): { stack: TerraformStack; app: App; metrics: MstService; events: MstService } {
  const { app, stack } = newStack(context);
  const project = new MstProject(stack, 'acme', {
    name: 'acme-prod', deployer: 'ci@acme.example', billing: { email: 'billing@acme.example' },
  });
  project.addMember('ana@acme.example', ProjectRole.ADMIN);
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  project.addMember('dev@acme.example', ProjectRole.DEVELOPER);
  project.addInvitation('new@acme.example', { role: ProjectRole.READ_ONLY, invitedBy: 'dev@acme.example' });

  const metrics = project.addService('metrics', { postgresVersion: 16, powerState: PowerState.RUNNING });
  metrics.addUser('grafana');
  metrics.addUser('Reporting');
  const replicator = metrics.addUser('replicator', { allowReplication: true });
  Acknowledgements.of(replicator).add('MST-USER-006', 'feeds the analytics replica');

  const appPassword = new TerraformVariable(stack, 'app_password', { type: 'string', sensitive: true });
  const events = project.addService('events', { postgresVersion: 15 });
  events.addUser('ingest', { passwordVersion: 2 });
  events.addUser('app', { password: Secret.fromVariable(appPassword) });
  return { app, stack, metrics, events };
}

// ---------------------------------------------------------------------------
// What is emitted
// ---------------------------------------------------------------------------

describe('providers', () => {
  it('emits one aliased postgresql provider per service, with MST\'s defaults', () => {
    const json = synth(acmeStack().stack);
    // Ordered by alias, not by declaration (metrics is declared first).
    expect(json.provider.postgresql).toEqual([
      {
        alias: 'events', host: '${var.events_host}', port: '${var.events_port}', database: 'defaultdb',
        username: 'tsdbadmin', password: '${var.events_admin_password}', sslmode: 'require', superuser: false,
      },
      {
        alias: 'metrics', host: '${var.metrics_host}', port: '${var.metrics_port}', database: 'defaultdb',
        username: 'tsdbadmin', password: '${var.metrics_admin_password}', sslmode: 'require', superuser: false,
      },
    ]);
    expect(json.variable.metrics_admin_password).toMatchObject({ type: 'string', sensitive: true });
    expect(json.variable.events_admin_password).toMatchObject({ type: 'string', sensitive: true });
    expect(json.variable.metrics_host).toMatchObject({ type: 'string' });
    expect(json.variable.metrics_port).toMatchObject({ type: 'number' });
  });

  it('takes a given connection and admin password variable', () => {
    const { stack } = newStack();
    const adminPw = new TerraformVariable(stack, 'metrics_admin', { type: 'string', sensitive: true });
    newProject(stack).addService('metrics', {
      connection: { host: 'metrics.example', port: 25432, superuser: true, database: 'tsdb', sslmode: 'verify-full' },
      adminPassword: Secret.fromVariable(adminPw),
    });
    const json = synth(stack);
    expect(json.provider.postgresql).toEqual([{
      alias: 'metrics', host: 'metrics.example', port: 25432, database: 'tsdb', username: 'tsdbadmin',
      password: '${var.metrics_admin}', sslmode: 'verify-full', superuser: true,
    }]);
    expect(json.variable.metrics_host).toBeUndefined();
    expect(json.variable.metrics_admin_password).toBeUndefined();
  });
});

describe('roles', () => {
  it('emits one postgresql_role per user, named <service>_<lowercased username>: login, replication from the toggle', () => {
    const json = synth(acmeStack().stack);
    expect(Object.keys(json.resource.postgresql_role)).toEqual([
      'events_app', 'events_ingest', 'metrics_grafana', 'metrics_replicator', 'metrics_reporting',
    ]);
    // Replication off is the provider's default, left out.
    expect(json.resource.postgresql_role.metrics_grafana).toEqual({
      provider: 'postgresql.metrics', name: 'grafana', login: true,
      password: generated('metrics', 'grafana'),
    });
    expect(json.resource.postgresql_role.metrics_reporting).toMatchObject({ name: 'Reporting' });
    expect(json.resource.postgresql_role.metrics_reporting).not.toHaveProperty('replication');
    expect(json.resource.postgresql_role.metrics_replicator).toMatchObject({ name: 'replicator', replication: true });
  });

  it('gives the user its role\'s address', () => {
    const { metrics } = acmeStack();
    const [grafana, reporting] = metrics.users;
    expect([grafana.address, grafana.role.address]).toEqual(['postgresql_role.metrics_grafana', 'postgresql_role.metrics_grafana']);
    expect(reporting.address).toBe('postgresql_role.metrics_reporting');
  });

  it('derives generated passwords from one random_bytes seed per service, replaced when the service\'s passwordsVersion is bumped', () => {
    const json = synth(acmeStack().stack);
    // One seed per service with a generated password; "app" brings its own, "ingest" (version 2) does not.
    expect(json.resource.random_bytes).toEqual({
      events_passwords: expect.objectContaining({ provider: 'random.cdktf_mst', length: 64, keepers: { version: '1' } }),
      metrics_passwords: expect.objectContaining({ provider: 'random.cdktf_mst', length: 64, keepers: { version: '1' } }),
    });
    expect(json.resource.random_password).toBeUndefined();
    expect(json.resource.postgresql_role.events_ingest.password).toBe(generated('events', 'ingest', 2));
    expect(json.provider.random).toEqual([{ alias: 'cdktf_mst' }]);
    const { stack } = newStack();
    newProject(stack).addService('metrics', { passwordsVersion: 3 }).addUser('grafana');
    expect(synth(stack).resource.random_bytes.metrics_passwords.keepers).toEqual({ version: '3' });
  });

  it('honours a longer generated password', () => {
    const { stack } = newStack();
    newProject(stack).addService('metrics').addUser('grafana', { password: Secret.generated({ length: 48 }) });
    expect(synth(stack).resource.postgresql_role.metrics_grafana.password).toBe(generated('metrics', 'grafana', 1, 48));
  });

  it('emits one sensitive output per service with the generated passwords by lowercased username', () => {
    const json = synth(acmeStack().stack);
    expect(json.output).toEqual({
      metrics_passwords: {
        // One object expression: the engine reads it as the map the JSON object would be.
        value: '${{"grafana" = postgresql_role.metrics_grafana.password, "replicator" = postgresql_role.metrics_replicator.password, '
          + '"reporting" = postgresql_role.metrics_reporting.password}}',
        sensitive: true,
        description: 'Generated passwords of the users of MST service metrics, by lowercased username.',
      },
      // "app" brings its own password.
      events_passwords: {
        value: '${{"ingest" = postgresql_role.events_ingest.password}}',
        sensitive: true,
        description: 'Generated passwords of the users of MST service events, by lowercased username.',
      },
    });
  });

  it('adds a user\'s own output <service>_<username>_password on request', () => {
    const { stack, metrics, events } = acmeStack();
    expect(metrics.users[1].passwordOutput!.friendlyUniqueId).toBe('metrics_reporting_password');
    expect(events.users[1].passwordOutput).toBeUndefined();
    const json = synth(stack);
    expect(Object.keys(json.output).sort()).toEqual(['events_passwords', 'metrics_passwords', 'metrics_reporting_password']);
    expect(json.output.metrics_reporting_password).toEqual({
      value: '${postgresql_role.metrics_reporting.password}', sensitive: true,
      description: 'Password of user Reporting on MST service metrics.',
    });
  });

  it('keeps the hyphens of service names in block and output names, and turns them into underscores in variable names', () => {
    const { stack } = newStack();
    newProject(stack).addService('metrics-eu').addUser('grafana');
    const json = synth(stack);
    expect(Object.keys(json.resource.postgresql_role)).toEqual(['metrics-eu_grafana']);
    expect(json.output.metrics_eu_passwords.value).toBe('${{"grafana" = postgresql_role.metrics-eu_grafana.password}}');
    expect(Object.keys(json.variable).sort()).toEqual(['metrics_eu_admin_password', 'metrics_eu_host', 'metrics_eu_port']);
  });

  it('gives distinct names to users that would collide if hyphens became underscores (metrics-x/y vs metrics/x_y)', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    project.addService('metrics-x').addUser('y');
    project.addService('metrics').addUser('x_y');
    const json = synth(stack);
    expect(Object.keys(json.resource.postgresql_role)).toEqual(['metrics-x_y', 'metrics_x_y']);
    expect(Object.keys(json.resource.random_bytes)).toEqual(['metrics-x_passwords', 'metrics_passwords']);
    expect(Object.keys(json.output).sort()).toEqual(['metrics_passwords', 'metrics_x_passwords']);
    expect(json.resource.postgresql_role['metrics-x_y']).toMatchObject({ provider: 'postgresql.metrics-x', name: 'y' });
    expect(json.resource.postgresql_role.metrics_x_y).toMatchObject({ provider: 'postgresql.metrics', name: 'x_y' });
  });

  it('refuses two users whose names differ only in case, however the tree was built (MST-USER-002)', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics');
    metrics.addUser('grafana');
    metrics.addUser('Grafana');
    // Even with validation skipped, nothing is written with one of them lost.
    expect(() => Testing.fullSynth(stack)).toThrow(/MST-USER-002: username "Grafana" collides with "grafana"/);
  });
});

describe('passwords from variables', () => {
  it('sets a Secret.fromVariable password straight from the variable', () => {
    const json = synth(acmeStack().stack);
    expect(json.resource.postgresql_role.events_app).toEqual({
      provider: 'postgresql.events', name: 'app', login: true, password: '${var.app_password}',
    });
    expect(Object.keys(json.resource.random_bytes)).not.toContain('events_app');
    expect(json.variable.app_password).toEqual({ type: 'string', sensitive: true });
  });

  it('emits no seed, random provider or output when no user has a generated password', () => {
    const { stack } = newStack();
    const a = new TerraformVariable(stack, 'a_pw', { type: 'string', sensitive: true });
    const metrics = newProject(stack).addService('metrics');
    metrics.addUser('a', { password: Secret.fromVariable(a) });
    const json = synth(stack);
    expect(json.resource.postgresql_role.metrics_a.password).toBe('${var.a_pw}');
    expect(json.resource.random_bytes).toBeUndefined();
    expect(json.provider.random).toBeUndefined();
    expect(json.output).toBeUndefined();
  });
});

describe('rotation', () => {
  function rotated(grafanaVersion: number): Json {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    metrics.addUser('grafana', { passwordVersion: grafanaVersion });
    metrics.addUser('reporting');
    return synth(stack);
  }

  it('bumping passwordVersion changes only that user\'s password', () => {
    const before = rotated(1);
    const after = rotated(2);
    expect(diffPaths(before, after)).toEqual(['resource.postgresql_role.metrics_grafana.password']);
    expect(after.resource.postgresql_role.metrics_grafana.password).toBe(generated('metrics', 'grafana', 2));
    expect(after.resource.postgresql_role.metrics_reporting.password).toBe(generated('metrics', 'reporting', 1));
  });

  it('refuses a passwordVersion that is not a whole number from 1', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics');
    expect(() => metrics.addUser('grafana', { passwordVersion: 0 })).toThrow(/MST-USER-008: passwordVersion 0 of user "grafana" is not a whole number from 1/);
    expect(() => metrics.addUser('reporting', { passwordVersion: 1.5 })).toThrow(/MST-USER-008: passwordVersion 1.5/);
    // Refused before anything was declared: the same usernames are free for a valid declaration.
    expect(metrics.addUser('grafana', { passwordVersion: 1 }).passwordVersion).toBe(1);
  });
});

describe('write-only passwords', () => {
  function writeOnlyStack(): TerraformStack {
    const { stack } = newStack();
    const pw = new TerraformVariable(stack, 'grafana_password', { type: 'string', sensitive: true });
    newProject(stack)
      .addService('metrics', { postgresVersion: 16, writeOnlyPasswords: true })
      .addUser('grafana', { password: Secret.fromVariable(pw), passwordVersion: 3 });
    return stack;
  }

  it('emits password_wo and password_wo_version, and no password, seed or output', () => {
    const json = synth(writeOnlyStack());
    expect(json.resource.postgresql_role.metrics_grafana).toEqual({
      provider: 'postgresql.metrics', name: 'grafana', login: true,
      password_wo: '${var.grafana_password}', password_wo_version: '3',
    });
    expect(json.resource.random_bytes).toBeUndefined();
    expect(json.output).toBeUndefined();
  });

  it('refuses a generated password on a write-only service at synth (MST-SEC-003)', () => {
    const { stack } = newStack();
    newProject(stack).addService('metrics', { postgresVersion: 16, writeOnlyPasswords: true }).addUser('grafana');
    expect(() => Testing.synth(stack, true)).toThrow(
      '[stack/acme/metrics/users/grafana] MST-SEC-003: user "grafana" has a generated password on service "metrics", whose passwords are write-only; give the user a password from a sensitive variable, or turn writeOnlyPasswords off.',
    );
  });
});

describe('stable output', () => {
  it('is deterministic: the same input synthesizes byte-identical JSON', () => {
    expect(Testing.synth(acmeStack().stack, true)).toBe(Testing.synth(acmeStack().stack, true));
    const a = fullSynth(acmeStack().stack);
    const b = fullSynth(acmeStack().stack);
    expect(a.text).toBe(b.text);
    expect(a.text).toContain(`"${DOCUMENT_KEY}"`);
    expect(a.text).toContain('"metrics_grafana"');
  });

  it('does not depend on the order users are declared in', () => {
    const build = (names: string[]) => {
      const { stack } = newStack();
      const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
      for (const n of names) metrics.addUser(n);
      const { json } = fullSynth(stack);
      return { resource: json.resource, output: json.output };
    };
    expect(build(['grafana', 'reporting', 'app'])).toEqual(build(['app', 'reporting', 'grafana']));
  });

  it('moving a user\'s declaration into another construct leaves roles, passwords and outputs identical', () => {
    const build = (moved: boolean) => {
      const { stack } = newStack();
      const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
      metrics.addUser('reporting');
      if (moved) {
        const team = new Construct(new Construct(stack, 'teams'), 'observability');
        new ServiceUser(team, 'x', { service: metrics, username: 'grafana' });
      } else {
        metrics.addUser('grafana');
      }
      return { ...fullSynth(stack), config: synth(stack) };
    };
    const here = build(false);
    const moved = build(true);
    expect(moved.config.resource).toEqual(here.config.resource);
    expect(moved.config.output).toEqual(here.config.output);
    expect(moved.config.provider).toEqual(here.config.provider);
    expect(moved.config.resource.postgresql_role.metrics_grafana).toEqual(here.config.resource.postgresql_role.metrics_grafana);
    expect(moved.config.output.metrics_passwords.value).toContain('"grafana" = postgresql_role.metrics_grafana.password');
    // Only the recorded construct path of the user differs.
    const users = ({ json }: { json: Json }) => fromDocument(documentOf(json))[0].services[0].users.map((u) => [u.username, u.path]);
    expect(users(here)).toEqual([['grafana', 'stack/acme/metrics/users/grafana'], ['reporting', 'stack/acme/metrics/users/reporting']]);
    expect(users(moved)).toEqual([['grafana', 'stack/teams/observability/x'], ['reporting', 'stack/acme/metrics/users/reporting']]);
  });
});

describe('the access document', () => {
  it('records members, invitations, services and users under "//"."cdktf-mst"', () => {
    const doc = documentOf(fullSynth(acmeStack().stack).json);
    expect(doc.schemaVersion).toBe(3);
    expect(doc.projects).toHaveLength(1);
    const [p] = fromDocument(doc);
    expect(p).toMatchObject({ path: 'stack/acme', name: 'acme-prod', deployer: 'ci@acme.example' });
    expect(p.billing).toEqual({ path: 'stack/acme/billing', email: 'billing@acme.example' });
    expect(p.members.map((m) => ({ ...m, role: m.role.id }))).toEqual([
      { path: 'stack/acme/members/ana@acme.example', email: 'ana@acme.example', role: 'admin' },
      { path: 'stack/acme/members/ci@acme.example', email: 'ci@acme.example', role: 'admin' },
      { path: 'stack/acme/members/dev@acme.example', email: 'dev@acme.example', role: 'developer' },
    ]);
    expect(p.invitations.map((i) => ({ ...i, role: i.role.id }))).toEqual([{
      path: 'stack/acme/invitations/new@acme.example', email: 'new@acme.example', role: 'read-only', invitedBy: 'dev@acme.example',
    }]);
    // In canonical order: services by name, users by username (case-insensitively), not declaration order.
    expect(p.services.map((s) => [s.name, s.state, s.postgresVersion, s.adminIsSuperuser, s.writeOnlyPasswords])).toEqual([
      ['events', undefined, 15, false, false],
      ['metrics', 'running', 16, false, false],
    ]);
    expect(p.services[1].adminPassword).toEqual({ kind: 'variable', name: 'metrics_admin_password', sensitive: true });
    expect(p.services.flatMap((s) => s.users.map((u) => [s.name, u.username, u.allowReplication, u.passwordVersion, u.password]))).toEqual([
      ['events', 'app', false, 1, { kind: 'variable', name: 'app_password', sensitive: true }],
      ['events', 'ingest', false, 2, { kind: 'generated', length: 32 }],
      ['metrics', 'grafana', false, 1, { kind: 'generated', length: 32 }],
      ['metrics', 'replicator', true, 1, { kind: 'generated', length: 32 }],
      ['metrics', 'Reporting', false, 1, { kind: 'generated', length: 32 }],
    ]);
    expect(p.acknowledgements).toEqual([
      { path: 'stack/acme/metrics/users/replicator', ruleId: 'MST-USER-006', reason: 'feeds the analytics replica' },
    ]);
    // Findings are not written: report and diff run the rules again on the model, trusting no stated result.
    expect(Object.keys(doc).sort()).toEqual(['projects', 'schemaVersion']);
  });

  it('leaves out what a reader derives: default paths, replication off, version 1, the default generated password', () => {
    const { stack } = acmeStack();
    new ServiceUser(new Construct(stack, 'team'), 'x', { service: stack.node.findChild('acme').node.findChild('events') as MstService, username: 'moved' });
    const [p] = documentOf(fullSynth(stack).json).projects;
    expect(p.members[0]).toEqual({ email: 'ana@acme.example', role: 'admin' });
    expect(p.invitations[0]).toEqual({ email: 'new@acme.example', role: 'read-only', invitedBy: 'dev@acme.example' });
    expect(p.services.flatMap((s) => s.users)).toEqual([
      { username: 'app', password: { kind: 'variable', name: 'app_password', sensitive: true } },
      { username: 'ingest', passwordVersion: 2 },
      { username: 'moved', path: 'stack/team/x' },
      'grafana',
      { username: 'replicator', allowReplication: true },
      'Reporting',
    ]);
  });

  it('refuses a document of an unknown version or with a malformed field with MST-INPUT-002, naming the field', () => {
    const findingsOf = (doc: unknown) => (errorOf(() => fromDocument(doc as AccessDocument)) as MstValidationError).findings
      .map((f) => `${f.ruleId} ${f.path}: ${f.message}`);
    expect(findingsOf('projects')).toEqual(['MST-INPUT-002 "//"."cdktf-mst": the access document is malformed (not an object)']);
    expect(findingsOf({ schemaVersion: 4, projects: [], findings: [] })).toEqual([
      'MST-INPUT-002 "//"."cdktf-mst": access document schemaVersion 4 is not supported (expected 3)',
    ]);
    expect(findingsOf({ schemaVersion: 3, projects: [{ path: 'stack/acme', name: 7 }], findings: [] })).toEqual([
      expect.stringMatching(/^MST-INPUT-002 "\/\/"\."cdktf-mst": the access document is malformed at projects\[0\]\.name \(.+\)$/),
    ]);
  });

  it('refuses a document of an earlier version, which does not record the services\' connections', () => {
    for (const doc of [1, 2].map((schemaVersion) => ({ ...documentOf(fullSynth(acmeStack().stack).json), schemaVersion }))) {
      expect((errorOf(() => fromDocument(doc)) as MstValidationError).findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([
        `MST-INPUT-002: access document schemaVersion ${doc.schemaVersion} is not supported (expected 3)`,
      ]);
    }
  });

  it('records each service\'s connection as the provider block has it', () => {
    const { stack } = acmeStack();
    const { json } = fullSynth(stack);
    const [p] = fromDocument(documentOf(json));
    const providers = (json.provider as { postgresql: Record<string, unknown>[] }).postgresql;
    for (const s of p.services) {
      const block = providers.find((b) => b.alias === s.name)!;
      const rendered = (x: { literal: unknown } | { variable: string } | { expression: string }) =>
        ('literal' in x ? x.literal : 'variable' in x ? `\${var.${x.variable}}` : x.expression);
      const c = s.connection!;
      expect([c.host, c.port, c.database, c.username, c.sslmode].map(rendered))
        .toEqual([block.host, block.port, block.database, block.username, block.sslmode]);
    }
  });

  it('holds where each password comes from, never a value or a reference to one', () => {
    const doc = documentOf(fullSynth(acmeStack().stack).json);
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/random_|\.password|\$\{|var\./);
    const passwordFields = leaves(doc).map(([at]) => at).filter((at) => /(^|\.)(password|adminPassword)(\.|$)/.test(at));
    expect(passwordFields.length).toBeGreaterThan(0);
    for (const at of passwordFields) expect([at, /\.(kind|name|sensitive|length)$/.test(at)]).toEqual([at, true]);
  });

  it('reads back into the same model', () => {
    const { stack } = acmeStack();
    const json = fullSynth(stack).json;
    const [spec] = fromDocument(documentOf(json));
    expect(spec.members.map((m) => m.role)).toEqual([ProjectRole.ADMIN, ProjectRole.ADMIN, ProjectRole.DEVELOPER]);
    expect(spec.invitations[0].role).toBe(ProjectRole.READ_ONLY);
    const project = stack.node.findChild('acme') as MstProject;
    const { acknowledgements: _a, ...fromDoc } = spec;
    // The same model, in the document's canonical order.
    const { acknowledgements: _b, ...fromConstructs } = fromDocument(toDocument([project.toSpec()]))[0];
    expect(fromDoc).toEqual(fromConstructs);
    expect(toDocument([spec])).toEqual(toDocument([project.toSpec()]));
  });
});

describe('no plaintext secret', () => {

  it('every password attribute is a reference, never a value', () => {
    {
      const { stack } = acmeStack();
      const { text } = fullSynth(stack);
      const json = synth(stack);
      const passwordLeaves = leaves({ provider: json.provider, resource: json.resource })
        .filter(([at]) => /(^|\.)password(_wo)?$/.test(at));
      expect(passwordLeaves.map(([at]) => at).sort()).toEqual([
        'provider.postgresql.0.password',
        'provider.postgresql.1.password',
        'resource.postgresql_role.events_app.password',
        'resource.postgresql_role.events_ingest.password',
        'resource.postgresql_role.metrics_grafana.password',
        'resource.postgresql_role.metrics_replicator.password',
        'resource.postgresql_role.metrics_reporting.password',
      ]);
      for (const [at, value] of passwordLeaves) expect([at, value]).toEqual([at, expect.stringMatching(/^\$\{.*\}$/)]);
      // Generated passwords exist only at apply time.
      expect(text).not.toMatch(/"(result|base64|hex)"\s*:/);
    }
  });

  it('refuses a literal user password at declaration, without echoing it', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics');
    const e = errorOf(() => metrics.addUser('grafana', { password: 'hunter2' as any }));
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message).toMatch(new RegExp(
      '^\\[stack/acme/metrics/users/grafana\\] MST-SEC-001: password of user "grafana" is a plaintext string; use a generated password or a sensitive variable',
    ));
    expect(e.message).not.toContain('hunter2');
  });

  it('refuses a literal admin password at declaration, without echoing it', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    const e = errorOf(() => project.addService('metrics', { adminPassword: 'hunter2' as any }));
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message).toContain('[stack/acme/metrics] MST-SEC-001: admin password of service "metrics" is a plaintext string;');
    expect(e.message).not.toContain('hunter2');
  });

  it('refuses a generated admin password at declaration (MST-SEC-004)', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    expect(() => project.addService('metrics', { adminPassword: Secret.generated() })).toThrow(
      '[stack/acme/metrics] MST-SEC-004: admin password of service "metrics" is set to be generated; pass the password MST gave the service through a sensitive variable.',
    );
  });

  it('refuses a password variable that is not sensitive at declaration (MST-SEC-002)', () => {
    const { stack } = newStack();
    const pw = new TerraformVariable(stack, 'grafana_pw', { type: 'string' });
    const metrics = newProject(stack).addService('metrics');
    expect(() => metrics.addUser('grafana', { password: Secret.fromVariable(pw) })).toThrow(
      '[stack/acme/metrics/users/grafana] MST-SEC-002: password of user "grafana" comes from variable "grafana_pw", which is not marked sensitive; declare the variable with sensitive: true.',
    );
  });
});

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

describe('validation at synth', () => {
  /** Four different errors on four constructs. */
  function brokenStack(): { app: App; stack: TerraformStack } {
    const { app, stack } = newStack();
    const project = new MstProject(stack, 'acme', { deployer: 'ghost@acme.example' });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', { postgresVersion: 16 });
    metrics.addUser('grafana');
    metrics.addUser('Grafana');
    project.addService('events', { postgresVersion: 16, powerState: PowerState.POWERED_OFF }).addUser('ingest');
    project.addService('legacy', { postgresVersion: 15 }).addUser('replicator', { allowReplication: true });
    return { app, stack };
  }

  const EXPECTED = [
    '[stack/acme] MST-DEPLOY-001: deployer "ghost@acme.example" is not a project member; add the deployer to the members or set deployer to a member\'s email.',
    '[stack/acme/metrics/users/Grafana] MST-USER-002: username "Grafana" collides with "grafana" in service "metrics" (role names are compared case-insensitively); rename one of them.',
    '[stack/acme/events] MST-SVC-001: service "events" is powered off but declares 1 user(s); set its state to running, or remove its users.',
    '[stack/acme/legacy/users/replicator] MST-USER-004: replication user "replicator" needs PostgreSQL 16+ on service "legacy", which runs 15 with a non-superuser admin; upgrade the service, turn allowReplication off, or connect as a superuser.',
  ];

  it('fails Testing.synth(stack, true) with every error, each prefixed with its construct path', () => {
    const e = errorOf(() => Testing.synth(brokenStack().stack, true));
    for (const line of EXPECTED) expect(e.message).toContain(line);
    expect(e.message.match(/MST-[A-Z]+-\d{3}:/g)).toHaveLength(EXPECTED.length);
  });

  it('fails app.synth() the same way', () => {
    const e = errorOf(() => brokenStack().app.synth());
    for (const line of EXPECTED) expect(e.message).toContain(line);
  });

  it('fails Testing.fullSynth (what cdktf synth runs) too', () => {
    const e = errorOf(() => Testing.fullSynth(brokenStack().stack));
    for (const line of EXPECTED) expect(e.message).toContain(line);
  });

  it('cannot be skipped: Testing.synth(stack) without validations still refuses to render a stack with errors', () => {
    const e = errorOf(() => Testing.synth(brokenStack().stack));
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message).toContain('[stack/acme/metrics/users/Grafana] MST-USER-002:');
    expect(e.message).toContain('[stack/acme/legacy/users/replicator] MST-USER-004:');
  });

  it('cannot be skipped with the App\'s skipValidation either, and writes no stack JSON', () => {
    const { outdir, app, project } = withoutAdmin();
    project.addService('metrics').addUser('grafana');
    expect(() => app.synth()).toThrow('[stack/acme] MST-MEMBER-001:');
    expect(fs.existsSync(path.join(outdir, 'stacks', 'stack', 'cdk.tf.json'))).toBe(false);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('reports the project\'s findings as data', () => {
    const { stack } = brokenStack();
    const project = stack.node.findChild('acme') as MstProject;
    expect(project.findings().map((f) => [f.path, f.ruleId])).toEqual([
      ['stack/acme', 'MST-DEPLOY-001'],
      ['stack/acme/events', 'MST-SVC-001'],
      ['stack/acme/legacy/users/replicator', 'MST-USER-004'],
      ['stack/acme/legacy/users/replicator', 'MST-USER-006'],
      ['stack/acme/metrics/users/Grafana', 'MST-USER-002'],
    ]);
  });

  it('reports duplicate service names across two projects of a stack', () => {
    const { stack } = newStack();
    for (const id of ['acme', 'beta']) {
      const p = new MstProject(stack, id, { deployer: 'ci@acme.example' });
      p.addMember('ci@acme.example', ProjectRole.ADMIN);
      p.addService('metrics', { postgresVersion: 16 });
    }
    expect(() => Testing.synth(stack, true)).toThrow(
      '[stack/beta/metrics] MST-SVC-003: service name "metrics" is already used at stack/acme/metrics; rename one of the services.',
    );
  });

  it.each([
    ['an invitation', (p: MstProject) => p.addInvitation('new@acme.example', { role: ProjectRole.READ_ONLY, invitedBy: 'ana@acme.example' }), 'Invite more users'],
    ['service users', (p: MstProject) => p.addService('metrics').addUser('grafana'), 'Manage services'],
    ['a managed power state', (p: MstProject) => p.addService('metrics', { powerState: PowerState.RUNNING }), 'Start and stop services'],
  ])('refuses %s from a Read-only deployer', (_what, change, permission) => {
    const { stack } = newStack();
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    project.addMember('ci@acme.example', ProjectRole.READ_ONLY);
    expect(() => Testing.synth(stack, true)).not.toThrow();
    change(project);
    expect(() => Testing.synth(stack, true)).toThrow(
      new RegExp(`\\[stack/acme\\] MST-DEPLOY-002: deployer "ci@acme\\.example" is a Read-only, which lacks ${permission} needed for`),
    );
  });

  it('refuses billing details from a Developer deployer', () => {
    const { stack } = newStack();
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example', billing: { email: 'billing@acme.example' } });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    project.addMember('ci@acme.example', ProjectRole.DEVELOPER);
    expect(() => Testing.synth(stack, true)).toThrow(/\[stack\/acme\] MST-DEPLOY-002: .*lacks Modify billing information needed for the billing details/);
  });

  it('refuses a Developer inviting an Admin, and lets it invite a Developer', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    project.addMember('dev@acme.example', ProjectRole.DEVELOPER);
    project.addInvitation('peer@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'dev@acme.example' });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    project.addInvitation('boss@acme.example', { role: ProjectRole.ADMIN, invitedBy: 'dev@acme.example' });
    expect(() => Testing.synth(stack, true)).toThrow(
      '[stack/acme/invitations/boss@acme.example] MST-INVITE-003: inviter "dev@acme.example" is a Developer and cannot invite "boss@acme.example" as an Admin: it lacks Modify billing information and Start and stop services',
    );
  });
});

describe('warnings', () => {
  function replicationStack(): { stack: TerraformStack; metrics: MstService } {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    metrics.addUser('replicator', { allowReplication: true });
    const acked = metrics.addUser('replicator2', { allowReplication: true });
    Acknowledgements.of(acked).add('MST-USER-006', 'feeds the replica');
    return { stack, metrics };
  }

  const annotationsOf = (c: Construct) => c.node.metadata
    .filter((m) => m.type.startsWith('@cdktf/'))
    .map((m) => [m.type, m.data]);

  it('print as cdktf warning annotations, acknowledged ones as info with the reason, without failing the synth', () => {
    const { stack, metrics } = replicationStack();
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const [replicator, replicator2] = metrics.users;
    expect(annotationsOf(replicator)).toEqual([[
      '@cdktf/warn',
      'MST-USER-006: replication user "replicator" can read every row of service "metrics"; acknowledge MST-USER-006 with the reason it is needed, or turn allowReplication off.',
    ]]);
    expect(annotationsOf(replicator2)).toEqual([[
      '@cdktf/info',
      'MST-USER-006 (acknowledged: feeds the replica): replication user "replicator2" can read every row of service "metrics".',
    ]]);
  });

  it('reach the manifest cdktf synth prints from, once each even when the tree changed between synths', () => {
    const { stack, metrics } = replicationStack();
    Testing.synth(stack, true);
    metrics.addUser('grafana'); // a new tree: the findings are computed again
    const { manifest } = fullSynth(stack);
    expect(manifest.stacks.stack.annotations.map((a: Json) => [a.constructPath, a.level, a.message.split(':')[0]])).toEqual([
      ['stack/acme/metrics/users/replicator', '@cdktf/warn', 'MST-USER-006'],
      ['stack/acme/metrics/users/replicator2', '@cdktf/info', 'MST-USER-006 (acknowledged'],
    ]);
  });

  it('are annotated at synth, so asking for findings before an acknowledgement leaves no stale warning', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    const user = project.addService('metrics', { postgresVersion: 16 }).addUser('replicator', { allowReplication: true });
    expect(project.findings().map((f) => [f.ruleId, f.acknowledged])).toEqual([['MST-USER-006', undefined]]);
    Acknowledgements.of(user).add('MST-USER-006', 'feeds the replica');
    expect(project.findings().map((f) => [f.ruleId, f.acknowledged])).toEqual([['MST-USER-006', 'feeds the replica']]);
    Testing.synth(stack, true);
    expect(annotationsOf(user).map(([type]) => type)).toEqual(['@cdktf/info']);
  });

  it('warn on a replication user of a service without a declared version (MST-USER-005)', () => {
    const { stack } = newStack();
    const user = newProject(stack).addService('metrics').addUser('replicator', { allowReplication: true });
    Testing.synth(stack, true);
    expect(annotationsOf(user).map(([type, text]) => [type, String(text).split(':')[0]])).toEqual([
      ['@cdktf/warn', 'MST-USER-005'],
      ['@cdktf/warn', 'MST-USER-006'],
    ]);
  });

  it('acknowledge from an ancestor, e.g. the service', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    const user = metrics.addUser('replicator', { allowReplication: true });
    Acknowledgements.of(metrics).add('MST-USER-006', 'all of them feed replicas');
    Testing.synth(stack, true);
    expect(annotationsOf(user)).toEqual([[
      '@cdktf/info',
      'MST-USER-006 (acknowledged: all of them feed replicas): replication user "replicator" can read every row of service "metrics".',
    ]]);
    expect(annotationsOf(metrics)).toEqual([]);
  });

  it('print one line for an acknowledgement covering many findings, at the construct it was made on', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    const users = ['replicator', 'replicator2', 'replicator3'].map((u) => metrics.addUser(u, { allowReplication: true }));
    Acknowledgements.of(metrics).add('MST-USER-006', 'all of them feed replicas');
    const { manifest } = fullSynth(stack);
    expect(manifest.stacks.stack.annotations.map((a: Json) => [a.constructPath, a.level, a.message])).toEqual([[
      'stack/acme/metrics', '@cdktf/info',
      'MST-USER-006 (acknowledged: all of them feed replicas): 3 findings at or below this path, the first: '
        + 'replication user "replicator" can read every row of service "metrics"; cdktf-mst report lists each.',
    ]]);
    for (const user of users) expect(annotationsOf(user)).toEqual([]);
  });

  it('warn about a stale acknowledgement (MST-ACK-001) on the construct that made it', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    const user = project.addService('metrics', { postgresVersion: 16 }).addUser('grafana');
    Acknowledgements.of(user).add('MST-USER-006', 'left over');
    expect(() => Testing.synth(stack, true)).not.toThrow();
    expect(annotationsOf(user)).toEqual([[
      '@cdktf/warn',
      'MST-ACK-001: acknowledgement of MST-USER-006 matches no finding at or below this path; remove the stale acknowledgement.',
    ]]);
  });
});

describe('errors at declaration', () => {
  it.each([
    ['a malformed deployer', (s: TerraformStack) => new MstProject(s, 'acme', { deployer: 'ci-bot' }),
      '[stack/acme] MST-MEMBER-002: deployer "ci-bot" is not a valid email address'],
    ['a malformed billing email', (s: TerraformStack) => new MstProject(s, 'acme', { deployer: 'ci@acme.example', billing: { email: 'billing' } }),
      '[stack/acme/billing] MST-MEMBER-002: billing email "billing" is not a valid email address'],
    ['a malformed member email', (s: TerraformStack) => newProject(s).addMember('ana@acme', ProjectRole.ADMIN),
      '[stack/acme/members/ana@acme] MST-MEMBER-002: member email "ana@acme" is not a valid email address'],
    ['a malformed invitation email', (s: TerraformStack) => newProject(s).addInvitation('new@', { role: ProjectRole.DEVELOPER, invitedBy: 'ci@acme.example' }),
      '[stack/acme/invitations/new@] MST-MEMBER-002: invitation email "new@" is not a valid email address'],
    ['a malformed inviter', (s: TerraformStack) => newProject(s).addInvitation('new@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'ci' }),
      '[stack/acme/invitations/new@acme.example] MST-MEMBER-002: invitedBy "ci" is not a valid email address'],
    ['an invalid service name', (s: TerraformStack) => newProject(s).addService('Metrics'),
      '[stack/acme/Metrics] MST-SVC-002: service name "Metrics" is not a valid MST service name'],
    ['PostgreSQL 11', (s: TerraformStack) => newProject(s).addService('metrics', { postgresVersion: 11 }),
      '[stack/acme/metrics] MST-SVC-004: postgresVersion 11 is not a PostgreSQL major version'],
    ['a username starting with a digit', (s: TerraformStack) => newProject(s).addService('metrics').addUser('1grafana'),
      '[stack/acme/metrics/users/1grafana] MST-USER-001: username "1grafana" starts with a digit'],
    ['a 64-byte username', (s: TerraformStack) => newProject(s).addService('metrics').addUser('u'.repeat(64)),
      `[stack/acme/metrics/users/${'u'.repeat(64)}] MST-USER-001: username "${'u'.repeat(64)}" is 64 bytes long`],
    ['a reserved username', (s: TerraformStack) => newProject(s).addService('metrics').addUser('tsdbadmin'),
      '[stack/acme/metrics/users/tsdbadmin] MST-USER-003: username "tsdbadmin" is reserved by MST'],
    ['a short generated password', (s: TerraformStack) => newProject(s).addService('metrics').addUser('grafana', { password: Secret.generated({ length: 23 }) }),
      '[stack/acme/metrics/users/grafana] MST-USER-007: generated password length 23 is below 24'],
    ['acknowledging an error rule', (s: TerraformStack) => newProject(s).acknowledge('MST-USER-002', 'we like it'),
      '[stack/acme] MST-ACK-002: MST-USER-002 is an error and cannot be acknowledged'],
    ['acknowledging an unknown rule', (s: TerraformStack) => Acknowledgements.of(newProject(s)).add('MST-USER-600', 'typo'),
      '[stack/acme] MST-ACK-002: acknowledgement names unknown rule "MST-USER-600"'],
    ['acknowledging without a reason', (s: TerraformStack) => newProject(s).acknowledge('MST-USER-006', ' '),
      '[stack/acme] MST-ACK-002: acknowledgement of MST-USER-006 gives no reason'],
  ])('throws for %s, with the rule ID', (_what, declare, expected) => {
    const e = errorOf(() => declare(newStack().stack));
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message.startsWith(expected)).toBe(true);
    expect((e as MstValidationError).findings).toHaveLength(1);
  });

  it('accepts the nearest valid declarations', () => {
    const { stack } = newStack();
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example', billing: { email: 'billing@acme.example' } });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    project.addInvitation('new@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'ci@acme.example' });
    const metrics = project.addService('metrics', { postgresVersion: 12 });
    metrics.addUser('grafana1');
    metrics.addUser('u'.repeat(63));
    metrics.addUser('tsdbadmin_ro', { password: Secret.generated({ length: 24 }) });
    const replicator = metrics.addUser('replicator', { allowReplication: true });
    Acknowledgements.of(replicator).add('MST-USER-006', 'feeds the replica');
    project.acknowledge('MST-USER-005', 'none yet, kept for the next service');
    // PostgreSQL 12 with a replication user: an error at synth, not at declaration.
    expect(() => Testing.synth(stack, true)).toThrow(/MST-USER-004/);
  });

  it('rejects a role that is not a ProjectRole', () => {
    const { stack } = newStack();
    expect(() => newProject(stack).addMember('ana@acme.example', 'owner' as any)).toThrow(
      '[stack/acme/members/ana@acme.example] MST-API-001: role "owner" is not a project role; use ProjectRole.ADMIN, OPERATOR, DEVELOPER or READ_ONLY.',
    );
  });
});

describe('the random provider', () => {
  it('is the library\'s own, aliased, one per stack, beside any the user declares', () => {
    const { stack } = newStack();
    new RandomProvider(stack, 'mine');
    const project = newProject(stack);
    project.addService('metrics').addUser('grafana');
    project.addService('events').addUser('ingest');
    new RandomProvider(stack, 'other', { alias: 'other' });
    const json = synth(stack);
    expect(json.provider.random).toEqual([{}, { alias: 'cdktf_mst' }, { alias: 'other' }]);
    expect(json.terraform.required_providers.random).toMatchObject({ source: 'hashicorp/random' });
  });
});

describe('acknowledgements in project specs', () => {
  it('each project carries the acknowledgements that bear on it: its own, and the stack-wide ones', () => {
    const { stack } = newStack();
    const acme = newProject(stack);
    const replicator = acme.addService('metrics').addUser('replicator', { allowReplication: true });
    Acknowledgements.of(replicator).add('MST-USER-006', 'feeds the read replica');
    Acknowledgements.of(stack).add('MST-USER-005', 'versions are declared per environment');
    const other = new MstProject(stack, 'other', { deployer: 'ci@acme.example' });
    other.addMember('ci@acme.example', ProjectRole.ADMIN);

    const rules = (p: MstProject) => p.toSpec().acknowledgements.map((a) => `${a.path} ${a.ruleId}`).sort();
    expect(rules(acme)).toEqual(['stack MST-USER-005', 'stack/acme/metrics/users/replicator MST-USER-006']);
    expect(rules(other)).toEqual(['stack MST-USER-005']);
    // Shared by both projects, the stack-wide acknowledgement still counts once: it is used, not stale.
    expect(acme.findings().filter((f) => f.ruleId.startsWith('MST-ACK'))).toEqual([]);
  });
});

describe('bad input from the typed API ends in a rule ID, not a raw error (issues 10 and 12)', () => {
  it('skipValidation with errors: the MstValidationError reaches the caller as it is, one line per finding, no "Resolution error" or stack', () => {
    const { outdir, app } = withoutAdmin();
    const e = errorOf(() => app.synth());
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message).toBe('[stack/acme] MST-MEMBER-001: project "acme" has no Admin among its 1 member(s); make at least one member an Admin.');
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('skipValidation with errors, synthesizing HCL: the same one-line refusal', () => {
    const before = process.env.SYNTH_HCL_OUTPUT;
    process.env.SYNTH_HCL_OUTPUT = 'true';
    const outdir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'mst-skip-hcl-'));
    try {
      const app = new App({ outdir, skipValidation: true, hclOutput: true });
      const stack = new TerraformStack(app, 'stack');
      const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
      project.addMember('ci@acme.example', ProjectRole.OPERATOR);
      const e = errorOf(() => app.synth());
      expect(e).toBeInstanceOf(MstValidationError);
      expect(e.message).toBe('[stack/acme] MST-MEMBER-001: project "acme" has no Admin among its 1 member(s); make at least one member an Admin.');
    } finally {
      if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = before;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('Acknowledgements.of(app) is accepted and covers every stack of the app', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'stack');
    newProject(stack).addService('metrics', { postgresVersion: 16 }).addUser('replicator', { allowReplication: true });
    Acknowledgements.of(app).add('MST-USER-006', 'every replica feeds the warehouse');
    const { manifest } = fullSynth(stack);
    expect(manifest.stacks.stack.annotations.map((a: Json) => [a.level, a.message.split(':')[0]])).toEqual([
      ['@cdktf/info', 'MST-USER-006 (acknowledged'],
    ]);
  });

  it('Secret.fromVariable honours an overrideLogicalId made after it, for users and the admin', () => {
    const { stack } = newStack();
    const userPw = new TerraformVariable(stack, 'pw', { type: 'string', sensitive: true });
    const adminPw = new TerraformVariable(stack, 'admin', { type: 'string', sensitive: true });
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16, adminPassword: Secret.fromVariable(adminPw) });
    metrics.addUser('etl', { password: Secret.fromVariable(userPw) });
    userPw.overrideLogicalId('etl_password');
    adminPw.overrideLogicalId('metrics_pg_admin');
    const { json } = fullSynth(stack);
    expect(Object.keys(json.variable).sort()).toEqual(['etl_password', 'metrics_host', 'metrics_pg_admin', 'metrics_port']);
    expect(json.resource.postgresql_role.metrics_etl.password).toBe('${var.etl_password}');
    expect(json.provider.postgresql[0].password).toBe('${var.metrics_pg_admin}');
    const service = documentOf(json).projects[0].services[0];
    expect(service.adminPassword).toEqual({ kind: 'variable', name: 'metrics_pg_admin', sensitive: true });
    expect(service.users[0]).toEqual({ username: 'etl', password: { kind: 'variable', name: 'etl_password', sensitive: true } });
  });

  it('refuses, at declaration, a password variable with a default, without echoing the default', () => {
    const { stack } = newStack();
    const pw = new TerraformVariable(stack, 'grafana_password', { type: 'string', sensitive: true, default: 'hunter2-default' });
    const e = errorOf(() => newProject(stack).addService('metrics').addUser('grafana', { password: Secret.fromVariable(pw) }));
    expect(e.message).toBe('[stack/acme/metrics/users/grafana] MST-SEC-001: password of user "grafana" comes from variable "grafana_password", whose default is a plaintext password; remove the default and set TF_VAR_grafana_password from the pipeline\'s secret store.');
    const admin = new TerraformVariable(stack, 'admin_pw', { type: 'string', sensitive: true, default: 'hunter2-default' });
    expect(() => newProject(newStack().stack).addService('events', { adminPassword: Secret.fromVariable(admin) })).toThrow(/MST-SEC-001: admin password of service "events" comes from variable "admin_pw", whose default/);
  });

  it('refuses at synth a reserved variable name, which the engine would refuse', () => {
    const { stack } = newStack();
    const reserved = new TerraformVariable(stack, 'for_each', { type: 'string', sensitive: true });
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    metrics.addUser('etl', { password: Secret.fromVariable(reserved) });
    const e = errorOf(() => Testing.synth(stack));
    expect(e).toBeInstanceOf(MstValidationError);
    expect(e.message).toBe('[stack/acme/metrics/users/etl] MST-VAR-001: password of user "etl" comes from variable "for_each", a name Terraform reserves for module calls; rename the variable.');
  });

  it('prints at most 100 findings in an error, then counts the rest', () => {
    const { stack } = newStack();
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', { postgresVersion: 15 });
    for (let i = 0; i < 150; i++) metrics.addUser(`r${i}`, { allowReplication: true });
    const e = errorOf(() => Testing.synth(stack)) as MstValidationError;
    expect(e.findings).toHaveLength(150);
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[100]).toBe('… and 50 more finding(s) (50 error(s), 0 warning(s)) not shown; fix the ones above first');
  });
});

describe('manifests in a stack', () => {
  const dir = () => fs.mkdtempSync(path.join(require('os').tmpdir(), 'mst-manifests-'));
  const manifest = (name: string, service: string) => [
    `project: ${name}`, 'deployer: ci@acme.example', 'members: [{ email: ci@acme.example, role: admin }]',
    `services: [{ name: ${service}, postgresVersion: 16, users: [{ username: etl, password: { variable: etl_password } }] }]`,
  ].join('\n');

  it('two loadManifest calls naming the same password variable share it instead of colliding', () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'a.yaml'), manifest('alpha', 'metrics'));
    fs.writeFileSync(path.join(d, 'b.yaml'), manifest('beta', 'events'));
    const { stack } = newStack();
    loadManifest(stack, path.join(d, 'a.yaml'));
    loadManifest(stack, path.join(d, 'b.yaml'));
    const json = synth(stack);
    expect(json.variable.etl_password).toEqual({ type: 'string', sensitive: true });
    expect(json.resource.postgresql_role.metrics_etl.password).toBe('${var.etl_password}');
    expect(json.resource.postgresql_role.events_etl.password).toBe('${var.etl_password}');
  });

  it('services and users are found in the stack\'s tree wherever declared, and findings follow the tree as it grows', () => {
    const { stack } = newStack();
    const project = newProject(stack);
    const metrics = project.addService('metrics', { postgresVersion: 16 });
    const elsewhere = new MstService(new Construct(stack, 'platform'), 'events', { project, postgresVersion: 16 });
    metrics.addUser('grafana');
    expect(project.findings()).toEqual([]);
    const team = new ServiceUser(new Construct(stack, 'team'), 'loader', { service: metrics });
    new ServiceUser(new Construct(stack, 'other-team'), 'LOADER', { service: metrics });
    expect(project.services).toEqual([metrics, elsewhere]);
    expect(metrics.users.map((u) => u.node.path)).toEqual(['stack/acme/metrics/users/grafana', 'stack/team/loader', 'stack/other-team/LOADER']);
    expect(elsewhere.users).toEqual([]);
    expect(project.findings().map((f) => [f.ruleId, f.path])).toEqual([['MST-USER-002', 'stack/other-team/LOADER']]);
    expect(project.toSpec().services.map((s) => [s.path, s.users.map((u) => u.username)])).toEqual([
      ['stack/acme/metrics', ['grafana', 'loader', 'LOADER']], ['stack/platform/events', []],
    ]);
    expect(team.service).toBe(metrics);
  });

  it('a service or a user declared in another stack than its project is MST-API-003, naming both stacks', () => {
    const { app, stack } = newStack();
    const project = newProject(stack);
    const other = new TerraformStack(app, 'other');
    // Before: the service synthesized on its own in "other", where "Grafana" and "grafana" were one
    // role and one was lost, and "stack" failed with a stack trace from inside a Lazy.
    expect(() => new MstService(other, 'events', { project })).toThrow(
      '[other/events] MST-API-003: service "events" is declared in stack "other", but its project "acme" is in stack "stack"; '
      + 'declare it in stack "stack" (each stack is planned and applied on its own), or declare a project in stack "other".',
    );
    const metrics = project.addService('metrics', { postgresVersion: 16 });
    let error: unknown;
    try {
      new ServiceUser(other, 'Grafana', { service: metrics });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MstValidationError);
    expect((error as MstValidationError).findings.map((f) => [f.ruleId, f.path, f.message])).toEqual([[
      'MST-API-003', 'other/Grafana', 'user "Grafana" is declared in stack "other", but its service "metrics" is in stack "stack"',
    ]]);
    // The project's stack synthesizes what was declared in it; "other" holds nothing of the library.
    metrics.addUser('grafana');
    expect(Object.keys(fullSynth(stack).json.resource.postgresql_role)).toEqual(['metrics_grafana']);
    expect(other.node.findAll().some((c) => c instanceof MstService || c instanceof ServiceUser)).toBe(false);
  });

  it('a user declared in a stack made inside its service is MST-API-003 too', () => {
    const { stack } = newStack();
    const metrics = newProject(stack).addService('metrics', { postgresVersion: 16 });
    const inner = new TerraformStack(metrics, 'inner');
    expect(() => new ServiceUser(inner, 'grafana', { service: metrics })).toThrow(
      /MST-API-003: user "grafana" is declared in stack "stack\/acme\/metrics\/inner", but its service "metrics" is in stack "stack"/);
  });

  describe('a manifest is validated once', () => {
    // Two replication users on a service of unknown version (MST-USER-005, MST-USER-006 each); the
    // stack acknowledges MST-USER-006 before the manifest is loaded, the manifest one MST-USER-005.
    const text = [
      'project: alpha', 'deployer: ci@acme.example', 'members: [{ email: ci@acme.example, role: admin }]',
      'services: [{ name: metrics, users: [{ username: replicator, allowReplication: true,',
      '  acknowledge: [{ rule: MST-USER-005, reason: the version is pinned by the platform team }] },',
      '  { username: standby, allowReplication: true }] }]',
    ].join('\n');
    const load = () => {
      const file = path.join(dir(), 'a.yaml');
      fs.writeFileSync(file, text);
      const { stack } = newStack();
      Acknowledgements.of(stack).add('MST-USER-006', 'replicas are the point of this stack');
      const rules = jest.spyOn(validate, 'validateProjects');
      return { stack, rules, project: loadManifest(stack, file) };
    };
    const summary = (findings: readonly { ruleId: string; path: string; acknowledged?: string }[]) =>
      findings.map((f) => `${f.path} ${f.ruleId}${f.acknowledged ? ' (acknowledged)' : ''}`);
    afterEach(() => jest.restoreAllMocks());

    it('at load, where its findings are judged as the synth would judge the constructs built from it', () => {
      const { stack, rules, project } = load();
      expect(rules).toHaveBeenCalledTimes(1);
      const atLoad = project.findings();
      const { manifest } = fullSynth(stack);
      expect(rules).toHaveBeenCalledTimes(1);
      expect(summary(atLoad)).toEqual([
        'stack/alpha/metrics/users/replicator MST-USER-005 (acknowledged)', 'stack/alpha/metrics/users/replicator MST-USER-006 (acknowledged)',
        'stack/alpha/metrics/users/standby MST-USER-005', 'stack/alpha/metrics/users/standby MST-USER-006 (acknowledged)',
      ]);
      // What the rules say of the constructs' own spec, asked afresh: the same findings.
      rules.mockRestore();
      expect(validate.validateProjects([project.toSpec()])).toEqual(atLoad);
      expect(manifest.stacks.stack.annotations.map((a: Json) => `${a.constructPath} ${a.level} ${a.message.split(' ')[0]}`)).toEqual([
        // The stack-wide acknowledgement of MST-USER-006 covers both users: one line, on the stack.
        'stack @cdktf/info MST-USER-006',
        'stack/alpha/metrics/users/replicator @cdktf/info MST-USER-005',
        'stack/alpha/metrics/users/standby @cdktf/warn MST-USER-005:',
      ]);
    });

    it('and the stack as a whole again at synth once something is declared after it', () => {
      const { stack, rules, project } = load();
      const [metrics] = project.services;
      metrics.addUser('Standby');
      expect(() => fullSynth(stack)).toThrow('[stack/alpha/metrics/users/Standby] MST-USER-002:');
      expect(rules).toHaveBeenCalledTimes(2);
    });

    it('and with the stack, when another declaration came before it', () => {
      const { stack } = newStack();
      newProject(stack).addService('events', { postgresVersion: 16 });
      const file = path.join(dir(), 'a.yaml');
      fs.writeFileSync(file, text.replace('name: metrics', 'name: events'));
      const rules = jest.spyOn(validate, 'validateProjects');
      loadManifest(stack, file);
      // Service names are one address space per stack: only the stack's validation sees both.
      expect(() => fullSynth(stack)).toThrow('MST-SVC-003');
      expect(rules).toHaveBeenCalledTimes(2);
    });
  });

  it('the same manifest loaded twice into one scope is MST-API-002, not a construct collision', () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'a.yaml'), manifest('alpha', 'metrics'));
    const { stack } = newStack();
    loadManifest(stack, path.join(d, 'a.yaml'));
    expect(() => loadManifest(stack, path.join(d, 'a.yaml'))).toThrow(
      '[stack/alpha] MST-API-002: project "alpha" is already declared at stack/alpha; declare each project once per scope (one loadManifest per manifest), or give one of them another construct id.',
    );
  });

  it('usernames constructor, hasOwnProperty and __proto__: check and loadManifest both refuse with MST-USER-003', () => {
    const d = dir();
    const file = path.join(d, 'proto.yaml');
    fs.writeFileSync(file, [
      'project: acme', 'deployer: ci@acme.example', 'members: [{ email: ci@acme.example, role: admin }]',
      'services: [{ name: metrics, users: [{ username: constructor }, { username: hasOwnProperty }, { username: __proto__ }] }]',
    ].join('\n'));
    const e = errorOf(() => loadManifest(newStack().stack, file)) as MstValidationError;
    expect(e.findings.map((f) => [f.ruleId, f.value])).toEqual([
      ['MST-USER-003', '__proto__'], ['MST-USER-003', 'constructor'], ['MST-USER-003', 'hasOwnProperty'],
    ]);
  });
});
