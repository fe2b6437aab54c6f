/**
 * A pull request's HEAD is written by its author; the gate must judge
 * everything HEAD can change. Each case is a BASE/HEAD pair that the gate let
 * through (exit 0) where it was due to fail (exit 1), run as a pipeline runs
 * it: the CLI on files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { MstProject } from '../../src/constructs/project';
import { MstService } from '../../src/constructs/service';
import { Secret } from '../../src/constructs/secret';
import { ProjectRole } from '../../src/domain/permissions';
import { loadManifest } from '../../src/manifest/constructs';
import { manifestToSpec } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';
import { diffAccess, PasswordShared } from '../../src/report/diff';
import { run } from './golden';
import { scratchFolder } from '../support/scratch';

const { dir: tmp, write } = scratchFolder('cdktf-mst-hostile-');

const yaml = (lines: readonly string[]) => `${lines.join('\n')}\n`;

/** The project as BASE has it: the Admin ana, the Developer dev who deploys, one service with a user. */
const TEAM = [
  'project: acme-prod',
  'members:', '  - { email: ana@acme.example, role: admin }', '  - { email: dev@acme.example, role: developer }',
];
const SERVICE = (connection: string, users = '[{ username: app, password: { variable: app_password } }, { username: etl, password: { variable: etl_password } }]', extra = '') => [
  'services:',
  `  - { name: metrics, postgresVersion: 16, connection: ${connection}, users: ${users}${extra} }`,
  '  - { name: events, postgresVersion: 16 }',
];
const CONNECTION = '{ host: metrics.acme.example, port: 5432, sslmode: verify-full }';

function pair(name: string, base: readonly string[], head: readonly string[]): [string, string] {
  return [write(`${name}/base.yaml`, yaml(base)), write(`${name}/head.yaml`, yaml(head))];
}

function gate(base: string, head: string, failOn: 'error' | 'escalation'): { code: number; json: { changes: { kind: string; escalation: boolean }[]; errors: { ruleId: string; message: string }[] } } {
  const r = run('diff', base, head, '--fail-on', failOn, '--format', 'json');
  return { code: r.code, json: JSON.parse(r.out) };
}

describe('who is judged: BASE\'s deployer, with BASE\'s permissions', () => {
  const [base, head] = pair('deployer',
    [...TEAM.slice(0, 1), 'deployer: dev@acme.example', ...TEAM.slice(1), ...SERVICE(CONNECTION)],
    // HEAD names the Admin as deployer, so HEAD passes every rule, and takes over billing.
    [...TEAM.slice(0, 1), 'deployer: ana@acme.example', 'billing: { email: billing@acme.example }', ...TEAM.slice(1), ...SERVICE(CONNECTION)]);

  it('a HEAD naming an Admin of BASE as deployer does not lend the Developer of BASE its permissions', () => {
    expect(run('check', head).code).toBe(0);
    const { code, json } = gate(base, head, 'error');
    expect(code).toBe(1);
    expect(json.errors.map((e) => e.message)).toEqual([
      'deployer "dev@acme.example" is a Developer in base, which lacks Modify billing information, needed for the billing details',
    ]);
    expect(json.changes).toContainEqual(expect.objectContaining({ kind: 'deployer-changed', escalation: true }));
  });

  it('handing the deploys to another member needs Invite more users from BASE\'s deployer', () => {
    const [b, h] = pair('deployer-op',
      [...TEAM.slice(0, 1), 'deployer: ops@acme.example', ...TEAM.slice(1), '  - { email: ops@acme.example, role: operator }'],
      [...TEAM.slice(0, 1), 'deployer: ana@acme.example', ...TEAM.slice(1), '  - { email: ops@acme.example, role: operator }']);
    const { code, json } = gate(b, h, 'error');
    expect(code).toBe(1);
    expect(json.errors.map((e) => e.ruleId)).toEqual(['MST-DIFF-001']);
    expect(json.errors[0].message).toContain('needed to hand the deploys to "ana@acme.example"');
  });

  it('a project BASE does not declare holds nothing for anyone: renaming one does not carry its users past the gate', () => {
    const [b, h] = pair('renamed',
      [...TEAM.slice(0, 1), 'deployer: ana@acme.example', ...TEAM.slice(1), ...SERVICE(CONNECTION)],
      ['project: acme-prod2', 'deployer: ana@acme.example', ...TEAM.slice(1),
        ...SERVICE(CONNECTION, '[{ username: app, password: { variable: app_password } }, { username: thief }]')]);
    const { code, json } = gate(b, h, 'error');
    expect(code).toBe(1);
    expect(json.errors.map((e) => e.ruleId)).toEqual(['MST-DIFF-001', 'MST-DIFF-004']);
  });
});

describe('what is compared: everything that decides who can reach what', () => {
  const admin = [...TEAM.slice(0, 1), 'deployer: ana@acme.example', ...TEAM.slice(1)];
  const readOnly = [...TEAM.slice(0, 1), 'deployer: ro@acme.example', ...TEAM.slice(1), '  - { email: ro@acme.example, role: read-only }'];
  const cases: Array<[string, string, readonly string[], string]> = [
    ['the admin connection moved to another host', 'admin-connection-changed', SERVICE('{ host: metrics.elsewhere.example, port: 5432, sslmode: verify-full }'), 'MST-DIFF-005'],
    ['the admin connection moved to another database', 'admin-connection-changed', SERVICE(`{ host: metrics.acme.example, port: 5432, sslmode: verify-full, database: other }`), 'MST-DIFF-005'],
    ['the admin role changed', 'admin-connection-changed', SERVICE(`{ host: metrics.acme.example, port: 5432, sslmode: verify-full, username: someone }`), 'MST-DIFF-005'],
    ['TLS turned off', 'tls-changed', SERVICE('{ host: metrics.acme.example, port: 5432, sslmode: disable }'), 'MST-DIFF-006'],
    ['TLS no longer verified', 'tls-changed', SERVICE('{ host: metrics.acme.example, port: 5432, sslmode: require }'), 'MST-DIFF-006'],
    ['the admin password switched to another service\'s variable', 'admin-password-changed',
      SERVICE(CONNECTION, undefined, ', adminPassword: { variable: events_admin_password }'), 'MST-DIFF-007'],
    ['user passwords no longer write-only', 'write-only-changed',
      SERVICE(CONNECTION, undefined, ', writeOnlyPasswords: false'), 'MST-DIFF-009'],
    ['a user switched to another user\'s password variable', 'password-shared',
      SERVICE(CONNECTION, '[{ username: app, password: { variable: app_password } }, { username: etl, password: { variable: app_password } }]'), 'MST-DIFF-008'],
  ];

  // BASE keeps the users' passwords out of the state (they all come from variables).
  const BASE_SERVICES = SERVICE(CONNECTION, undefined, ', writeOnlyPasswords: true');

  it.each(cases)('%s: an escalation, and an error for a deployer that may not manage services', (name, kind, services, rule) => {
    const keep = (lines: readonly string[]) => lines.map((l) => (l.includes('name: metrics') && !l.includes('writeOnlyPasswords') ? l.replace(/ }$/, ', writeOnlyPasswords: true }') : l));
    const [base, head] = pair(name.replace(/\W+/g, '-'), [...admin, ...BASE_SERVICES], [...admin, ...keep(services)]);
    expect(run('diff', base, head).out).not.toContain('No access changes');
    const { code, json } = gate(base, head, 'escalation');
    expect(code).toBe(1);
    expect(json.changes).toContainEqual(expect.objectContaining({ kind, escalation: true, rule }));
    // The same change by a Read-only deployer of BASE: beyond its role.
    const [rb, rh] = pair(`${name.replace(/\W+/g, '-')}-ro`, [...readOnly, ...BASE_SERVICES], [...readOnly, ...keep(services)]);
    const ro = gate(rb, rh, 'error');
    expect(ro.code).toBe(1);
    expect(ro.json.errors).toContainEqual(expect.objectContaining({ ruleId: 'MST-DIFF-004', message: expect.stringContaining('lacks Manage services') }));
  });

  it('a password variable BASE already shares is no new escalation, whether read from the manifest or from its synthesized stack', () => {
    const shared = [...admin, ...SERVICE(CONNECTION, '[{ username: app, password: { variable: app_password } }, { username: etl, password: { variable: app_password } }]')];
    const manifestFile = write('shared/acme.yaml', yaml(shared));
    const app = new App({ outdir: path.join(tmp, 'shared.out') });
    loadManifest(new TerraformStack(app, 'acme-access'), manifestFile);
    app.synth();
    expect(run('diff', manifestFile, path.join(tmp, 'shared.out')).out).toContain('No access changes');
    // A third holder is new to both.
    const third = write('shared/third.yaml', yaml([...shared.slice(0, -1), '  - { name: events, postgresVersion: 16, users: [{ username: bi, password: { variable: app_password } }] }']));
    const d = gate(manifestFile, third, 'escalation');
    expect(d.code).toBe(1);
    expect(d.json.changes.filter((c) => c.kind === 'password-shared').map((c) => (c as unknown as { with: string[] }).with)).toEqual([
      ['user "app" of service "metrics"', 'user "etl" of service "metrics"'], ['user "bi" of service "events"'], ['user "bi" of service "events"'],
    ]);
  });

  it('a connection given as a Terraform expression in typed code is recorded as the engine reads it, and compared', () => {
    function typed(name: string, hostVariable: string): string {
      const outdir = path.join(tmp, name);
      const app = new App({ outdir });
      const stack = new TerraformStack(app, 'acme-access');
      const project = new MstProject(stack, 'acme', { name: 'acme-prod', deployer: 'ana@acme.example' });
      project.addMember('ana@acme.example', ProjectRole.ADMIN);
      const host = new TerraformVariable(stack, 'host', { type: 'string' });
      host.overrideLogicalId(hostVariable);
      project.addService('metrics', { postgresVersion: 16, connection: { host: host.stringValue } });
      app.synth();
      const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'acme-access', 'cdk.tf.json'), 'utf8'));
      expect(json.provider.postgresql[0].host).toBe(`\${var.${hostVariable}}`);
      return outdir;
    }
    const base = typed('expr-base', 'metrics_db_host');
    expect(run('diff', base, typed('expr-same', 'metrics_db_host')).out).toContain('No access changes');
    const { code, json } = gate(base, typed('expr-head', 'somewhere_else'), 'escalation');
    expect(code).toBe(1);
    expect(json.changes).toEqual([expect.objectContaining({
      kind: 'admin-connection-changed', setting: 'host', from: { expression: '${var.metrics_db_host}' }, to: { expression: '${var.somewhere_else}' },
    })]);
  });

  it('10,000 users made to share one variable: a change each, three holders named and the rest counted, without a quadratic blow-up', () => {
    const users = (variable: (i: number) => string) => Array.from({ length: 10_000 }, (_, i) => ({ username: `u${i}`, password: { variable: variable(i) } }));
    const side = (variable: (i: number) => string): Manifest => ({
      project: 'acme-prod', deployer: 'ana@acme.example', members: [{ email: 'ana@acme.example', role: 'admin' }],
      services: [{ name: 'metrics', postgresVersion: 16, users: users(variable) }],
    });
    const read = (m: Manifest) => ({ projects: [manifestToSpec(m)], findings: [] });
    const started = Date.now();
    const d = diffAccess(read(side((i) => `p${i}`)), read(side(() => 'one_password')));
    const shared = d.changes.filter((c): c is PasswordShared => c.kind === 'password-shared');
    expect(shared).toHaveLength(10_000);
    expect(shared[0]).toMatchObject({ username: 'u0', with: ['user "u1" of service "metrics"', 'user "u2" of service "metrics"', 'user "u3" of service "metrics"'], more: 9_996 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a stronger TLS mode is listed, not an escalation', () => {
    const [base, head] = pair('tls-up', [...admin, ...SERVICE('{ host: metrics.acme.example, port: 5432, sslmode: require }')], [...admin, ...SERVICE(CONNECTION)]);
    const { code, json } = gate(base, head, 'escalation');
    expect(code).toBe(0);
    expect(json.changes).toEqual([expect.objectContaining({ kind: 'tls-changed', escalation: false, weakened: false })]);
  });

  /** One project in two stack folders, synthesized apart; `billing` in the one read second (metrics-access) only when asked. */
  function twoStacks(name: string, billing: boolean): string {
    const out = path.join(tmp, name);
    for (const [stackId, service, withBilling] of [['events-access', 'events', false], ['metrics-access', 'metrics', billing]] as const) {
      const app = new App({ outdir: path.join(tmp, `${name}-${stackId}`) });
      const project = new MstProject(new TerraformStack(app, stackId), 'acme', {
        name: 'acme-prod', deployer: 'ana@acme.example', ...(withBilling ? { billing: { email: 'billing@acme.example' } } : {}),
      });
      project.addMember('ana@acme.example', ProjectRole.ADMIN);
      project.addMember('dev@acme.example', ProjectRole.DEVELOPER);
      project.addService(service, { postgresVersion: 16 }).addUser('app');
      app.synth();
      fs.mkdirSync(path.join(out, 'stacks'), { recursive: true });
      fs.cpSync(path.join(tmp, `${name}-${stackId}`, 'stacks', stackId), path.join(out, 'stacks', stackId), { recursive: true });
    }
    return out;
  }

  it('billing declared in one of two stacks of a project is a change, and a disagreement', () => {
    const { code, json } = gate(twoStacks('billing-base', false), twoStacks('billing-head', true), 'error');
    expect(code).toBe(1);
    expect(json.changes).toEqual([expect.objectContaining({ kind: 'billing-changed', from: null, to: { email: 'billing@acme.example' } })]);
    expect(json.errors).toEqual([expect.objectContaining({
      ruleId: 'MST-PROJECT-002', message: expect.stringContaining('billing details are managed at metrics-access/acme but not declared at events-access/acme'),
    })]);
  });
});

describe('strings that reach Terraform hold no template', () => {
  const admin = [...TEAM.slice(0, 1), 'deployer: ana@acme.example', ...TEAM.slice(1)];
  it.each([
    ['host', '"${var.events_admin_password}.x.example"'],
    ['database', '\'${file("/etc/passwd")}\''],
    ['username', '"%{ if true }tsdbadmin%{ endif }"'],
  ])('a manifest\'s %s is refused by check and fails the gate (MST-TF-001)', (key, value) => {
    const connection = { host: 'metrics.acme.example', port: '5432', sslmode: 'verify-full', [key]: value };
    const [base, head] = pair(`template-${key}`, [...admin, ...SERVICE(CONNECTION)],
      [...admin, ...SERVICE(`{ ${Object.entries(connection).map(([k, v]) => `${k}: ${v}`).join(', ')} }`)]);
    const check = run('check', head);
    expect(check.code).toBe(1);
    expect(check.err).toMatch(new RegExp(`MST-TF-001: the connection's ${key} ".*" of service "metrics" holds a Terraform template sequence`));
    const { code, json } = gate(base, head, 'error');
    expect(code).toBe(1);
    expect(json.errors.map((e) => e.ruleId)).toContain('MST-TF-001');
  });

  it('the other strings that reach Terraform are held to rules of their own that leave no room for one', () => {
    // Service names and usernames: letters, digits and a few separators only.
    const names = run('check', write('template-names.yaml', yaml([...admin,
      'services:', '  - name: "m${var.x}"', '  - name: metrics', '    users: [{ username: "a${var.x}" }]',
    ])));
    expect(names.code).toBe(1);
    expect(names.err).toMatch(/MST-SVC-002: service name "m\$\{var\.x\}" is not a valid MST service name/);
    expect(names.err).toMatch(/MST-USER-001: username "a\$\{var\.x\}" contains characters other than letters, digits and underscores/);
    // Password variables: identifiers, in a manifest (its schema) and in typed code (MST-VAR-001).
    const variables = run('check', write('template-variables.yaml', yaml([...admin,
      'services:', '  - name: metrics', '    adminPassword: { variable: "%{x}" }', '    users: [{ username: b, password: { variable: "v${x}" } }]',
    ])));
    expect(variables.code).toBe(1);
    expect(variables.err.match(/MST-MANIFEST-001: a string \(not shown: it sits in a password\) is not a Terraform variable name/g)).toHaveLength(2);
    const p = project();
    const v = new TerraformVariable(TerraformStack.of(p), 'pw', { type: 'string', sensitive: true });
    v.overrideLogicalId('v${x}');
    p.addService('metrics', { postgresVersion: 16 }).addUser('b', { password: Secret.fromVariable(v) });
    expect(() => Testing.synth(TerraformStack.of(p))).toThrow(/MST-VAR-001: password of user "b" comes from variable "v\$\{x\}", which is not a valid Terraform variable name/);
  });

  function project(): MstProject {
    const p = new MstProject(new TerraformStack(Testing.app(), 'acme-access'), 'acme', { deployer: 'ana@acme.example' });
    p.addMember('ana@acme.example', ProjectRole.ADMIN);
    return p;
  }

  it('a typed string is refused at the declaration; a TerraformVariable\'s value (a token) is not a string the user wrote', () => {
    expect(() => project().addService('metrics', { connection: { host: '${var.metrics_admin_password}.x.example' } }))
      .toThrow(/\[acme-access\/acme\/metrics\] MST-TF-001: the connection's host "\$\{var\.metrics_admin_password\}\.x\.example" of service "metrics"/);
    expect(() => project().addService('metrics', { connection: { sslmode: '%{if true}disable%{endif}' } })).toThrow(/MST-TF-001/);
    const p = project();
    const host = new TerraformVariable(TerraformStack.of(p), 'metrics-host', { type: 'string' });
    expect(() => p.addService('metrics', { connection: { host: host.stringValue } })).not.toThrow();
    expect(() => Testing.synth(TerraformStack.of(p))).not.toThrow();
  });

  it('the sslmode of the app context is judged at synth', () => {
    const app = Testing.app({ context: { 'cdktf-mst:sslmode': '${var.x}' } });
    const p = new MstProject(new TerraformStack(app, 'acme-access'), 'acme', { deployer: 'ana@acme.example' });
    p.addMember('ana@acme.example', ProjectRole.ADMIN);
    p.addService('metrics');
    expect(() => Testing.synth(TerraformStack.of(p))).toThrow(/MST-TF-001: the connection's sslmode "\$\{var\.x\}"/);
  });
});

describe('escape hatches do not beat the secret rules: the variable is judged as it renders', () => {
  function stack(): { stack: TerraformStack; project: MstProject; service: MstService; password: TerraformVariable } {
    const s = new TerraformStack(Testing.app(), 'acme-access');
    const project = new MstProject(s, 'acme', { deployer: 'ana@acme.example' });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    const service = project.addService('metrics', { postgresVersion: 16 });
    const password = new TerraformVariable(s, 'app-password', { type: 'string', sensitive: true });
    service.addUser('app', { password: Secret.fromVariable(password) });
    return { stack: s, project, service, password };
  }

  it.each([
    ['a default restored on a user\'s variable', (x: ReturnType<typeof stack>) => x.password.addOverride('default', 'hunter2hunter2'), /MST-SEC-001: password of user "app" comes from variable "app-password", whose default is a plaintext password/],
    ['sensitive turned off on a user\'s variable', (x: ReturnType<typeof stack>) => x.password.addOverride('sensitive', false), /MST-SEC-002: password of user "app" comes from variable "app-password", which is not marked sensitive/],
    ['sensitive deleted from a user\'s variable', (x: ReturnType<typeof stack>) => x.password.addOverride('sensitive', undefined), /MST-SEC-002/],
    ['a default on the service\'s own admin password variable', (x: ReturnType<typeof stack>) => (x.service.node.findChild('admin-password') as TerraformVariable).addOverride('default', 'hunter2hunter2'),
      /MST-SEC-001: admin password of service "metrics" comes from variable "metrics_admin_password", whose default is a plaintext password/],
  ])('%s fails the synth', (_name, hatch, error) => {
    const x = stack();
    expect(() => Testing.synth(x.stack)).not.toThrow();
    const y = stack();
    // Judged before the hatch, as a program that reads the findings early would have them judged.
    expect(y.project.findings().filter((f) => f.level === 'error')).toEqual([]);
    hatch(y);
    expect(() => Testing.synth(y.stack)).toThrow(error);
  });
});
