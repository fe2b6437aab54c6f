import { Finding, formatFinding, sortFindings } from '../../src/domain/findings';
import {
  Acknowledgement, InvitationSpec, MemberSpec, ProjectSpec, SecretSource, ServiceSpec, UserSpec,
} from '../../src/domain/model';
import { ProjectRole } from '../../src/domain/permissions';
import { defaultConnection } from '../../src/domain/conventions';
import { checkManifestText, manifestToSpec, parseManifest, validateManifestData } from '../../src/manifest/load';
import { MAX_DEPTH, MAX_MANIFEST_BYTES, MAX_VALUES } from '../../src/manifest/limits';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { MstProject, MstService, MstValidationError, PowerState, Secret, ServiceUser } from '../../src';
import { RULES, RuleLevel, findRule } from '../../src/domain/rules';
import { validateProjects } from '../../src/domain/validate';
import { checkDeclarationsAgree } from '../../src/domain/agreement';
import { visible } from '../../src/domain/visible';

// ---------------------------------------------------------------------------
// Small builders. The base project is clean: one Admin deployer, one more
// Admin, service "metrics" on PostgreSQL 16 with user "grafana".
// ---------------------------------------------------------------------------

const ACME = 'stack/acme';
const GENERATED: SecretSource = { kind: 'generated', length: 32 };
const SENSITIVE_VAR: SecretSource = { kind: 'variable', name: 'grafana_password', sensitive: true };
const { ADMIN, OPERATOR, DEVELOPER, READ_ONLY } = ProjectRole;

function member(email: string, role: ProjectRole = ADMIN, project = ACME): MemberSpec {
  return { path: `${project}/members/${email}`, email, role };
}

function invitation(email: string, role: ProjectRole, invitedBy: string, project = ACME): InvitationSpec {
  return { path: `${project}/invitations/${email}`, email, role, invitedBy };
}

function user(username: string, opts: Partial<Omit<UserSpec, 'path' | 'username'>> = {}, service = 'metrics', project = ACME): UserSpec {
  return {
    path: `${project}/${service}/users/${username}`,
    username,
    allowReplication: false,
    password: GENERATED,
    passwordVersion: 1,
    ...opts,
  };
}

function service(name = 'metrics', opts: Partial<Omit<ServiceSpec, 'path' | 'name'>> = {}, project = ACME): ServiceSpec {
  return {
    path: `${project}/${name}`,
    name,
    postgresVersion: 16,
    adminIsSuperuser: false,
    adminPassword: { kind: 'variable', name: `${name.replace(/-/g, '_')}_admin_password`, sensitive: true },
    writeOnlyPasswords: false,
    users: [user('grafana', {}, name, project)],
    ...opts,
  };
}

/** A service (on `project`) whose only user is `u`. */
function serviceWith(u: UserSpec | UserSpec[], opts: Partial<Omit<ServiceSpec, 'path' | 'name' | 'users'>> = {}): ServiceSpec {
  return service('metrics', { ...opts, users: Array.isArray(u) ? u : [u] });
}

function project(opts: Partial<ProjectSpec> = {}): ProjectSpec {
  return {
    path: ACME,
    name: 'acme',
    deployer: 'ci@acme.example',
    members: [member('ana@acme.example'), member('ci@acme.example')],
    invitations: [],
    services: [service()],
    acknowledgements: [],
    ...opts,
  };
}

/** The base project with the deployer holding `role` (and ana remaining the Admin). */
function deployerAs(role: ProjectRole, opts: Partial<ProjectSpec> = {}): ProjectSpec {
  return project({ members: [member('ana@acme.example'), member('ci@acme.example', role)], ...opts });
}

function ack(path: string, ruleId: string, reason = 'needed by the analytics replica'): Acknowledgement {
  return { path, ruleId, reason };
}

const REPLICATOR = user('replicator', { allowReplication: true });

const API = { path: `${ACME}/mstApi`, organizationId: 'org1a2b3c4d5e6' };

/** The findings of synthesizing as HCL a stack that does (or does not) use the MST API backend. */
function hclFindings(mstApi: boolean): Finding[] {
  const saved = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = 'true';
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-hcl-'));
  try {
    const app = new App({ outdir, hclOutput: true });
    const project = new MstProject(new TerraformStack(app, 'stack'), 'acme', {
      deployer: 'ci@acme.example', ...(mstApi ? { mstApi: { organizationId: 'org1a2b3c4d5e6' } } : {}),
    });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    app.synth();
    return [];
  } catch (e) {
    if (e instanceof MstValidationError) return [...e.findings];
    throw e;
  } finally {
    if (saved === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = saved;
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const ids = (findings: readonly Finding[]) => findings.map((f) => f.ruleId).sort();

// ---------------------------------------------------------------------------
// One entry per rule: failing cases beside their nearest passing case.
// ---------------------------------------------------------------------------

/** Projects to validate together, or (for rules outside validateProjects) a function returning findings. */
type Input = ProjectSpec | ProjectSpec[] | (() => readonly Finding[]);

interface RuleCase {
  readonly name: string;
  /** Produces the rule's finding. */
  readonly fail: Input;
  /** One small change away; does not produce it. */
  readonly pass: Input;
  readonly level: RuleLevel;
  /** Where the finding is reported. */
  readonly path: string;
  /** Strings the message must contain (the offending value, quoted as the message quotes it). */
  readonly names: readonly string[];
  /** Other rule IDs the failing case produces, unavoidably (e.g. MST-USER-006 beside any replication rule). */
  readonly also?: readonly string[];
  /** Every rule ID the passing case produces. @default also */
  readonly passAlso?: readonly string[];
}

const c = (x: RuleCase): RuleCase => x;

const CASES: Record<string, readonly RuleCase[]> = {
  'MST-DEPLOY-001': [
    c({
      name: 'deployer is not a member',
      fail: project({ deployer: 'ghost@acme.example' }),
      pass: project({ deployer: 'ci@acme.example' }),
      level: 'error', path: ACME, names: ['"ghost@acme.example"', 'not a project member'],
    }),
    c({
      name: 'deployer is only invited',
      fail: project({
        deployer: 'new@acme.example',
        invitations: [invitation('new@acme.example', ADMIN, 'ana@acme.example')],
      }),
      pass: project({
        deployer: 'ci@acme.example',
        invitations: [invitation('new@acme.example', ADMIN, 'ana@acme.example')],
      }),
      level: 'error', path: ACME, names: ['"new@acme.example"', 'only invited'],
    }),
  ],
  'MST-DEPLOY-002': [
    c({
      name: 'invitations need Invite more users (Operator lacks it, Developer has it)',
      fail: deployerAs(OPERATOR, { invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')] }),
      pass: deployerAs(DEVELOPER, { invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')] }),
      level: 'error', path: ACME,
      names: ['"ci@acme.example"', 'an Operator', 'lacks Invite more users', 'the invitation of "new@acme.example"'],
    }),
    c({
      name: 'billing details need Modify billing information (Developer lacks it)',
      fail: deployerAs(DEVELOPER, { billing: { path: `${ACME}/billing`, email: 'billing@acme.example' } }),
      pass: deployerAs(DEVELOPER),
      level: 'error', path: ACME, names: ['"ci@acme.example"', 'a Developer', 'lacks Modify billing information', 'the billing details'],
    }),
    c({
      name: 'service users need Manage services (Read-only lacks it)',
      fail: deployerAs(READ_ONLY, { services: [service('metrics')] }),
      pass: deployerAs(READ_ONLY, { services: [service('metrics', { users: [] })] }),
      level: 'error', path: ACME, names: ['"ci@acme.example"', 'a Read-only', 'lacks Manage services', 'the users of service "metrics"'],
    }),
    c({
      name: 'a managed power state needs Start and stop services (Developer lacks it, Operator has it)',
      fail: deployerAs(DEVELOPER, { services: [service('metrics', { state: 'running' })] }),
      pass: deployerAs(OPERATOR, { services: [service('metrics', { state: 'running' })] }),
      level: 'error', path: ACME,
      names: ['"ci@acme.example"', 'a Developer', 'lacks Start and stop services', 'the power state of service "metrics"'],
    }),
  ],
  'MST-INVITE-001': [
    c({
      name: 'inviter is not a member',
      fail: project({ invitations: [invitation('new@acme.example', DEVELOPER, 'ghost@acme.example')] }),
      pass: project({ invitations: [invitation('new@acme.example', DEVELOPER, 'ana@acme.example')] }),
      level: 'error', path: `${ACME}/invitations/new@acme.example`, names: ['"ghost@acme.example"', '"new@acme.example"'],
    }),
    c({
      name: 'inviter is itself only invited',
      fail: project({
        invitations: [
          invitation('dev@acme.example', DEVELOPER, 'ana@acme.example'),
          invitation('new@acme.example', DEVELOPER, 'dev@acme.example'),
        ],
      }),
      pass: project({
        members: [member('ana@acme.example'), member('ci@acme.example'), member('dev@acme.example', DEVELOPER)],
        invitations: [invitation('new@acme.example', DEVELOPER, 'dev@acme.example')],
      }),
      level: 'error', path: `${ACME}/invitations/new@acme.example`, names: ['"dev@acme.example"'],
    }),
  ],
  'MST-INVITE-002': [
    c({
      name: 'an Operator cannot invite',
      fail: project({
        members: [member('ana@acme.example'), member('ci@acme.example'), member('ops@acme.example', OPERATOR)],
        invitations: [invitation('new@acme.example', READ_ONLY, 'ops@acme.example')],
      }),
      pass: project({
        members: [member('ana@acme.example'), member('ci@acme.example'), member('ops@acme.example', DEVELOPER)],
        invitations: [invitation('new@acme.example', READ_ONLY, 'ops@acme.example')],
      }),
      level: 'error', path: `${ACME}/invitations/new@acme.example`, names: ['"ops@acme.example"', 'an Operator'],
    }),
    c({
      name: 'a Read-only member cannot invite',
      fail: project({
        members: [member('ana@acme.example'), member('ci@acme.example'), member('ro@acme.example', READ_ONLY)],
        invitations: [invitation('new@acme.example', READ_ONLY, 'ro@acme.example')],
      }),
      pass: project({
        members: [member('ana@acme.example'), member('ci@acme.example'), member('ro@acme.example', DEVELOPER)],
        invitations: [invitation('new@acme.example', READ_ONLY, 'ro@acme.example')],
      }),
      level: 'error', path: `${ACME}/invitations/new@acme.example`, names: ['"ro@acme.example"', 'a Read-only'],
    }),
  ],
  'MST-INVITE-003': [
    c({
      name: 'a Developer inviting an Admin (Developer inviting a Developer passes)',
      fail: withDeveloper(invitation('new@acme.example', ADMIN, 'dev@acme.example')),
      pass: withDeveloper(invitation('new@acme.example', DEVELOPER, 'dev@acme.example')),
      level: 'error', path: `${ACME}/invitations/new@acme.example`,
      names: ['"dev@acme.example"', 'a Developer', '"new@acme.example" as an Admin', 'Modify billing information and Start and stop services'],
    }),
    c({
      name: 'a Developer inviting an Operator (Developer inviting Read-only passes)',
      fail: withDeveloper(invitation('new@acme.example', OPERATOR, 'dev@acme.example')),
      pass: withDeveloper(invitation('new@acme.example', READ_ONLY, 'dev@acme.example')),
      level: 'error', path: `${ACME}/invitations/new@acme.example`,
      names: ['"dev@acme.example"', '"new@acme.example" as an Operator', 'lacks Start and stop services'],
    }),
  ],
  'MST-MEMBER-001': [
    c({
      name: 'no Admin among the members',
      fail: project({ members: [member('ana@acme.example', OPERATOR), member('ci@acme.example', DEVELOPER)] }),
      pass: project({ members: [member('ana@acme.example', ADMIN), member('ci@acme.example', DEVELOPER)] }),
      level: 'error', path: ACME, names: ['project "acme"', 'no Admin', '2 member(s)'],
    }),
  ],
  'MST-MEMBER-002': [
    c({
      name: 'member email with an ESC and a NUL (issue 11: ASCII addresses without control characters)',
      fail: project({ members: [member('an\u001b[2Ja\u0000@acme.example'), member('ana@acme.example'), member('ci@acme.example')] }),
      pass: project({ members: [member('an.a@acme.example'), member('ana@acme.example'), member('ci@acme.example')] }),
      level: 'error', path: `${ACME}/members/an\u001b[2Ja\u0000@acme.example`, names: ['member email "an\u001b[2Ja\u0000@acme.example"'],
    }),
    c({
      name: 'member email with a letter outside ASCII',
      fail: project({ members: [member('zoë@acme.example'), member('ana@acme.example'), member('ci@acme.example')] }),
      pass: project({ members: [member('zoe@acme.example'), member('ana@acme.example'), member('ci@acme.example')] }),
      level: 'error', path: `${ACME}/members/zoë@acme.example`, names: ['member email "zoë@acme.example"'],
    }),
    c({
      name: 'member email without a dotted domain',
      fail: project({ members: [member('ana@acme'), member('ci@acme.example')] }),
      pass: project({ members: [member('ana@acme.example'), member('ci@acme.example')] }),
      level: 'error', path: `${ACME}/members/ana@acme`, names: ['member email "ana@acme"'],
    }),
    c({
      name: 'an empty member email in the typed API, at declaration rather than a constructs error',
      fail: () => declared((m) => m.project.addMember('', ProjectRole.DEVELOPER)),
      pass: () => declared((m) => m.project.addMember('dev@acme.example', ProjectRole.DEVELOPER)),
      level: 'error', path: 'stack/acme/members/', names: ['member email "" is not a valid email address'],
    }),
    c({
      name: 'invitation email with a space',
      fail: project({ invitations: [invitation('new hire@acme.example', DEVELOPER, 'ana@acme.example')] }),
      pass: project({ invitations: [invitation('new.hire@acme.example', DEVELOPER, 'ana@acme.example')] }),
      level: 'error', path: `${ACME}/invitations/new hire@acme.example`, names: ['invitation email "new hire@acme.example"'],
    }),
    c({
      name: 'invitedBy without an @',
      fail: project({ invitations: [invitation('new@acme.example', DEVELOPER, 'ana.acme.example')] }),
      pass: project({ invitations: [invitation('new@acme.example', DEVELOPER, 'ana@acme.example')] }),
      level: 'error', path: `${ACME}/invitations/new@acme.example`, names: ['invitedBy "ana.acme.example"'],
    }),
    c({
      name: 'billing email with two @',
      fail: project({ billing: { path: `${ACME}/billing`, email: 'billing@@acme.example' } }),
      pass: project({ billing: { path: `${ACME}/billing`, email: 'billing@acme.example' } }),
      level: 'error', path: `${ACME}/billing`, names: ['billing email "billing@@acme.example"'],
    }),
    c({
      name: 'deployer that is not an email',
      fail: project({ deployer: 'ci-bot', members: [member('ana@acme.example')] }),
      pass: project({ deployer: 'ana@acme.example', members: [member('ana@acme.example')] }),
      level: 'error', path: ACME, names: ['deployer "ci-bot"'],
    }),
  ],
  'MST-MEMBER-003': [
    c({
      name: 'two members differing only in case',
      fail: project({ members: [member('ana@acme.example'), member('ci@acme.example'), member('Ana@ACME.example', DEVELOPER)] }),
      pass: project({ members: [member('ana@acme.example'), member('ci@acme.example'), member('Ann@ACME.example', DEVELOPER)] }),
      level: 'error', path: `${ACME}/members/Ana@ACME.example`,
      names: ['"Ana@ACME.example"', `a member at ${ACME}/members/ana@acme.example`],
    }),
    c({
      name: 'an invitation for an existing member',
      fail: project({ invitations: [invitation('ANA@acme.example', DEVELOPER, 'ci@acme.example')] }),
      pass: project({ invitations: [invitation('ANN@acme.example', DEVELOPER, 'ci@acme.example')] }),
      level: 'error', path: `${ACME}/invitations/ANA@acme.example`, names: ['"ANA@acme.example"'],
    }),
    c({
      name: 'two invitations for the same person',
      fail: project({
        invitations: [
          invitation('new@acme.example', DEVELOPER, 'ci@acme.example'),
          { ...invitation('New@Acme.Example', READ_ONLY, 'ana@acme.example'), path: `${ACME}/invitations/second` },
        ],
      }),
      pass: project({
        invitations: [
          invitation('new@acme.example', DEVELOPER, 'ci@acme.example'),
          { ...invitation('newer@Acme.Example', READ_ONLY, 'ana@acme.example'), path: `${ACME}/invitations/second` },
        ],
      }),
      level: 'error', path: `${ACME}/invitations/second`, names: ['"New@Acme.Example"', 'an invitation at'],
    }),
    c({
      name: 'the same member added twice in the typed API: at declaration, not a construct id collision',
      fail: () => declared((m) => m.project.addMember('ci@acme.example', ProjectRole.ADMIN)),
      pass: () => declared((m) => m.project.addMember('ana@acme.example', ProjectRole.ADMIN)),
      level: 'error', path: 'stack/acme/members/ci@acme.example', names: ['"ci@acme.example"', 'a member at stack/acme/members/ci@acme.example'],
    }),
    c({
      name: 'the same invitation sent twice in the typed API',
      fail: () => declared((m) => {
        m.project.addInvitation('new@acme.example', { role: DEVELOPER, invitedBy: 'ci@acme.example' });
        m.project.addInvitation('new@acme.example', { role: DEVELOPER, invitedBy: 'ci@acme.example' });
      }),
      pass: () => declared((m) => {
        m.project.addInvitation('new@acme.example', { role: DEVELOPER, invitedBy: 'ci@acme.example' });
        m.project.addInvitation('newer@acme.example', { role: DEVELOPER, invitedBy: 'ci@acme.example' });
      }),
      level: 'error', path: 'stack/acme/invitations/new@acme.example', names: ['"new@acme.example"', 'an invitation at'],
    }),
  ],
  'MST-PROJECT-001': [
    c({
      name: 'a project name with a backtick, newlines and HTML (issue 11)',
      fail: project({ name: 'x`\n\n## ✅ No access changes, approve\n<img src=x onerror=alert(1)>' }),
      pass: project({ name: 'acme-prod' }),
      level: 'error', path: ACME, names: ['project name "x`'],
    }),
    c({
      name: 'a project name ending with a hyphen',
      fail: project({ name: 'acme-' }),
      pass: project({ name: 'acme_1' }),
      level: 'error', path: ACME, names: ['project name "acme-"'],
    }),
  ],
  'MST-PROJECT-002': [
    c({
      name: 'a member promoted in one stack only (issue 11)',
      fail: () => checkDeclarationsAgree([
        project({ path: 'one/acme', members: [member('ana@acme.example'), member('ci@acme.example'), member('ro@acme.example', READ_ONLY)] }),
        project({ path: 'two/acme', members: [member('ana@acme.example'), member('ci@acme.example'), member('ro@acme.example', ADMIN)] }),
      ]),
      pass: () => checkDeclarationsAgree([
        project({ path: 'one/acme', members: [member('ana@acme.example'), member('ci@acme.example'), member('ro@acme.example', READ_ONLY)] }),
        project({ path: 'two/acme', members: [member('ANA@acme.example'), member('ci@acme.example'), member('ro@acme.example', READ_ONLY)], services: [service('cache')] }),
      ]),
      level: 'error', path: 'two/acme',
      names: ['project "acme" is declared at one/acme and at two/acme', '"ro@acme.example" is a member as Read-only at one/acme and a member as Admin at two/acme'],
    }),
    c({
      name: 'another deployer, a missing invitation and one service in both',
      fail: () => checkDeclarationsAgree([
        project({ path: 'one/acme', invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')] }),
        project({ path: 'two/acme', deployer: 'ana@acme.example' }),
      ]),
      pass: () => checkDeclarationsAgree([
        project({ path: 'one/acme', invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')] }),
        project({ path: 'two/acme', invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')], services: [] }),
      ]),
      level: 'error', path: 'two/acme',
      names: ['the deployer is "ci@acme.example" at one/acme and "ana@acme.example" at two/acme', '"new@acme.example" is invited as Read-only', 'service "metrics" is declared at both'],
    }),
  ],
  'MST-SVC-001': [
    c({
      name: 'powered-off service with users (running passes)',
      fail: project({ services: [service('metrics', { state: 'powered-off' })] }),
      pass: project({ services: [service('metrics', { state: 'running' })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['service "metrics"', 'powered off', '1 user(s)'],
    }),
    c({
      name: 'powered-off service with users (powered off without users passes)',
      fail: project({ services: [service('metrics', { state: 'powered-off' })] }),
      pass: project({ services: [service('metrics', { state: 'powered-off', users: [] })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['service "metrics"'],
    }),
  ],
  'MST-SVC-002': ([
    ['Metrics', 'metrics'],
    ['1metrics', 'metrics1'],
    ['metrics-', 'metrics-1'],
    ['metrics_db', 'metrics-db'],
    ['m'.repeat(64), 'm'.repeat(63)],
    ['constructor', 'constructors'],
  ] as const).map(([bad, good]) => c({
    name: `service name "${bad.length > 20 ? `${bad.length} chars` : bad}" (vs "${good.length > 20 ? `${good.length} chars` : good}")`,
    fail: project({ services: [service(bad)] }),
    pass: project({ services: [service(good)] }),
    level: 'error', path: `${ACME}/${bad}`, names: [`service name "${bad}"`],
  })).concat([
    c({
      name: 'an empty service name in the typed API, at declaration rather than a constructs error',
      fail: () => declared((m) => m.project.addService('')),
      pass: () => declared((m) => m.project.addService('events')),
      level: 'error', path: 'stack/acme/', names: ['service name "" is not a valid MST service name'],
    }),
  ]),
  'MST-SVC-003': [
    c({
      name: 'two services with one name in one project',
      fail: project({ services: [service('metrics'), { ...service('metrics'), path: `${ACME}/metrics2` }] }),
      pass: project({ services: [service('metrics'), { ...service('events'), path: `${ACME}/metrics2` }] }),
      level: 'error', path: `${ACME}/metrics2`, names: ['service name "metrics"', `already used at ${ACME}/metrics`],
    }),
    c({
      name: 'two services with one name in two projects of one stack',
      fail: [project(), secondProject('metrics')],
      pass: [project(), secondProject('events')],
      level: 'error', path: 'stack/beta/metrics', names: ['service name "metrics"', `already used at ${ACME}/metrics`],
    }),
    c({
      name: 'the same service added twice to a project in the typed API: at declaration, not a construct id collision',
      fail: () => declared((m) => m.project.addService('metrics')),
      pass: () => declared((m) => m.project.addService('events')),
      level: 'error', path: 'stack/acme/metrics', names: ['service name "metrics" is already used at stack/acme/metrics'],
    }),
  ],
  'MST-SVC-004': [
    c({
      name: 'PostgreSQL 11 (12 passes)',
      fail: project({ services: [service('metrics', { postgresVersion: 11 })] }),
      pass: project({ services: [service('metrics', { postgresVersion: 12 })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['postgresVersion 11'],
    }),
    c({
      name: 'PostgreSQL 16.5 (16 passes)',
      fail: project({ services: [service('metrics', { postgresVersion: 16.5 })] }),
      pass: project({ services: [service('metrics', { postgresVersion: 16 })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['postgresVersion 16.5'],
    }),
  ],
  'MST-TF-001': [
    ...(['host', 'database', 'username', 'sslmode'] as const).map((key) => c({
      name: `a template in the connection's ${key} (the same text without one passes)`,
      fail: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), [key]: { literal: 'a${var.metrics_admin_password}b' } } })] }),
      pass: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), [key]: { literal: 'a$var.metrics_admin_password}b' } } })] }),
      level: 'error', path: `${ACME}/metrics`, names: [`the connection's ${key} "a\${var.metrics_admin_password}b" of service "metrics"`],
    })),
    c({
      name: 'a template directive (%{); a lone % passes',
      fail: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), host: { literal: '%{if true}h%{endif}' } } })] }),
      pass: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), host: { literal: '100%.acme.example' } } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['"%{if true}h%{endif}"', '("%{")'],
    }),
    c({
      name: 'a variable or a typed expression is the engine\'s own, not a string written in the configuration',
      fail: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), database: { literal: '${file("/etc/passwd")}' } } })] }),
      pass: project({ services: [service('metrics', { connection: { ...defaultConnection('metrics'), database: { expression: '${var.db}' } } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['"${file("/etc/passwd")}"'],
    }),
  ],
  'MST-USER-001': ([
    ['a'.repeat(64), 'a'.repeat(63), 'is 64 bytes long'],
    ['1grafana', 'grafana1', 'starts with a digit'],
    ['grafana-ro', 'grafana_ro', 'contains characters other than letters, digits and underscores'],
    ['grafana ro', 'grafanaRo', 'contains characters other than'],
  ] as const).map(([bad, good, why]) => c({
    name: `username "${bad.length > 20 ? `${bad.length} bytes` : bad}" (vs "${good.length > 20 ? `${good.length} bytes` : good}")`,
    fail: project({ services: [serviceWith(user(bad))] }),
    pass: project({ services: [serviceWith(user(good))] }),
    level: 'error', path: `${ACME}/metrics/users/${bad}`, names: [`username "${bad}"`, why],
  })).concat([
    c({
      name: 'an empty username in the typed API, at declaration rather than a constructs error',
      fail: () => declared((m) => m.addUser('')),
      pass: () => declared((m) => m.addUser('a')),
      level: 'error', path: 'stack/acme/metrics/users/', names: ['username "" is empty'],
    }),
  ]),
  'MST-USER-002': [
    c({
      name: 'Grafana beside grafana (grafana2 passes)',
      fail: project({ services: [serviceWith([user('grafana'), user('Grafana')])] }),
      pass: project({ services: [serviceWith([user('grafana'), user('grafana2')])] }),
      level: 'error', path: `${ACME}/metrics/users/Grafana`, names: ['username "Grafana" collides with "grafana"'],
    }),
    c({
      name: 'the same name on two services passes',
      fail: project({ services: [serviceWith([user('grafana'), user('GRAFANA')])] }),
      pass: project({ services: [service('metrics'), service('events')] }),
      level: 'error', path: `${ACME}/metrics/users/GRAFANA`, names: ['"GRAFANA"', 'service "metrics"'],
    }),
    c({
      name: 'the same username added twice in the typed API: at declaration, not a construct id collision',
      fail: () => declared((m) => { m.addUser('grafana'); m.addUser('grafana'); }),
      pass: () => declared((m) => { m.addUser('grafana'); m.addUser('grafana2'); }),
      level: 'error', path: 'stack/acme/metrics/users/grafana', names: ['username "grafana" collides with "grafana" in service "metrics"'],
    }),
  ],
  'MST-USER-003': ([
    ['postgres', 'postgres_app', 'PostgreSQL'],
    ['tsdbadmin', 'tsdbadmin2', 'MST'],
    ['PG_monitor', 'PGmonitor', 'PostgreSQL (the pg_ prefix)'],
    ['pg_read_all_data', 'pgread_all_data', 'PostgreSQL (the pg_ prefix)'],
    ['public', 'public_ro', 'PostgreSQL'],
    ['none', 'none_ro', 'PostgreSQL'],
    ['current_user', 'current_users', 'PostgreSQL'],
    ['SESSION_USER', 'session_users', 'PostgreSQL'],
    ['current_role', 'current_roles', 'PostgreSQL'],
    ['constructor', 'constructor_ro', 'JavaScript'],
    ['hasOwnProperty', 'has_own_property', 'JavaScript'],
    ['__proto__', '__proto', 'JavaScript'],
    ['toString', 'to_string', 'JavaScript'],
    ['VALUEOF', 'value_of', 'JavaScript'],
  ] as const).map(([bad, good, by]) => c({
    name: `username "${bad}" (vs "${good}")`,
    fail: project({ services: [serviceWith(user(bad))] }),
    pass: project({ services: [serviceWith(user(good))] }),
    level: 'error', path: `${ACME}/metrics/users/${bad}`, names: [`username "${bad}" is reserved by ${by}`],
  })).concat([
    c({
      name: 'username "constructor" in a manifest: check and loadManifest agree (constructor_ro passes)',
      fail: () => manifestRules({ users: [{ username: 'constructor' }] }),
      pass: () => manifestRules({ users: [{ username: 'constructor_ro' }] }),
      level: 'error', path: 'acme/metrics/users/constructor', names: ['username "constructor" is reserved by JavaScript'],
    }),
    c({
      name: 'username "__proto__" in the typed API, at declaration rather than a constructs error',
      fail: () => declared((m) => m.addUser('__proto__')),
      pass: () => declared((m) => m.addUser('__proto')),
      level: 'error', path: 'stack/acme/metrics/users/__proto__', names: ['username "__proto__" is reserved by JavaScript'],
    }),
  ]),
  'MST-USER-004': [
    c({
      name: 'replication on PostgreSQL 15 with a non-superuser admin (16 passes)',
      fail: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 15 })] }),
      pass: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 16 })] }),
      level: 'error', path: `${ACME}/metrics/users/replicator`,
      names: ['replication user "replicator"', 'PostgreSQL 16+', 'service "metrics"', 'runs 15'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'replication on PostgreSQL 15 with a non-superuser admin (a superuser admin passes)',
      fail: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 15, adminIsSuperuser: false })] }),
      pass: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 15, adminIsSuperuser: true })] }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['"replicator"', 'runs 15'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'replication on PostgreSQL 12 (turning replication off passes)',
      fail: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 12 })] }),
      pass: project({ services: [serviceWith(user('replicator'), { postgresVersion: 12 })] }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['runs 12'],
      also: ['MST-USER-006'], passAlso: [],
    }),
  ],
  'MST-USER-005': [
    c({
      name: 'replication with no declared version (declaring 16 passes)',
      fail: project({ services: [serviceWith(REPLICATOR, { postgresVersion: undefined })] }),
      pass: project({ services: [serviceWith(REPLICATOR, { postgresVersion: 16 })] }),
      level: 'warning', path: `${ACME}/metrics/users/replicator`,
      names: ['replication user "replicator"', 'service "metrics"', 'not declared'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'replication with no declared version (a superuser admin passes)',
      fail: project({ services: [serviceWith(REPLICATOR, { postgresVersion: undefined })] }),
      pass: project({ services: [serviceWith(REPLICATOR, { postgresVersion: undefined, adminIsSuperuser: true })] }),
      level: 'warning', path: `${ACME}/metrics/users/replicator`, names: ['"replicator"'],
      also: ['MST-USER-006'],
    }),
  ],
  'MST-USER-006': [
    c({
      name: 'a replication user (replication off passes)',
      fail: project({ services: [serviceWith(REPLICATOR)] }),
      pass: project({ services: [serviceWith(user('replicator'))] }),
      level: 'warning', path: `${ACME}/metrics/users/replicator`,
      names: ['replication user "replicator" can read every row of service "metrics"'],
    }),
  ],
  'MST-USER-009': [
    c({
      name: '51 users on an MST API service (50 pass)',
      fail: project({
        mstApi: API,
        services: [serviceWith(Array.from({ length: 51 }, (_, i) => user(`u${i}`)))].map((s) => ({ ...s, backend: 'mst-api' as const })),
      }),
      pass: project({
        mstApi: API,
        services: [serviceWith(Array.from({ length: 50 }, (_, i) => user(`u${i}`)))].map((s) => ({ ...s, backend: 'mst-api' as const })),
      }),
      level: 'warning', path: `${ACME}/metrics`, names: ['"metrics"', '51 users', 'limit of 50'],
    }),
    c({
      name: '51 users as PostgreSQL roles have no such limit',
      fail: project({
        mstApi: API,
        services: [serviceWith(Array.from({ length: 51 }, (_, i) => user(`u${i}`)))].map((s) => ({ ...s, backend: 'mst-api' as const })),
      }),
      pass: project({ mstApi: API, services: [serviceWith(Array.from({ length: 51 }, (_, i) => user(`u${i}`)))] }),
      level: 'warning', path: `${ACME}/metrics`, names: ['past MST\'s default limit'],
    }),
  ],
  'MST-BACKEND-001': [
    c({
      name: 'an MST API service in a project without mstApi',
      fail: project({ services: [{ ...service(), backend: 'mst-api' }] }),
      pass: project({ mstApi: API, services: [{ ...service(), backend: 'mst-api' }] }),
      level: 'error', path: `${ACME}/metrics`, names: ['"metrics"', 'no mstApi connection'],
    }),
  ],
  'MST-BACKEND-002': [
    ...(['acme', '', 'org 123', 'org1a2${x}'] as const).map((bad) => c({
      name: `organization ID ${JSON.stringify(bad)}`,
      fail: project({ mstApi: { ...API, organizationId: bad } }),
      pass: project({ mstApi: API }),
      level: 'error', path: `${ACME}/mstApi`, names: ['is not an Aiven organization ID'],
    })),
  ],
  'MST-BACKEND-003': [
    c({
      name: 'an MST API stack synthesized as HCL',
      fail: () => hclFindings(true),
      pass: () => hclFindings(false),
      level: 'error', path: 'stack', names: ['synthesized as HCL'],
    }),
  ],
  'MST-USER-007': [
    c({
      name: 'generated password of 23 characters (24 passes)',
      fail: project({ services: [serviceWith(user('grafana', { password: { kind: 'generated', length: 23 } }))] }),
      pass: project({ services: [serviceWith(user('grafana', { password: { kind: 'generated', length: 24 } }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['length 23', 'below 24'],
    }),
    ...([
      [24.5, 25, 'length 24.5 is not a whole number'],
      [Infinity, 128, 'length Infinity is not a whole number'],
      [NaN, 32, 'length NaN is not a whole number'],
      [1e9, 128, 'length 1000000000 is above 128'],
      [129, 128, 'length 129 is above 128'],
    ] as const).map(([bad, good, says]) => c({
      name: `generated password of length ${bad} (${good} passes)`,
      fail: project({ services: [serviceWith(user('grafana', { password: { kind: 'generated', length: bad } }))] }),
      pass: project({ services: [serviceWith(user('grafana', { password: { kind: 'generated', length: good } }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: [says],
    })),
    c({
      name: 'a manifest\'s generated length of 1e9 (the schema takes any whole number; the rule judges it)',
      fail: () => manifestRules({ users: [{ username: 'grafana', password: { generated: { length: 1e9 } } }] }),
      pass: () => manifestRules({ users: [{ username: 'grafana', password: { generated: { length: 64 } } }] }),
      level: 'error', path: 'acme/metrics/users/grafana', names: ['length 1000000000 is above 128'],
    }),
    c({
      name: 'the typed API refuses 24.5 at declaration (25 passes)',
      fail: () => declared((m) => m.addUser('grafana', { password: Secret.generated({ length: 24.5 }) })),
      pass: () => declared((m) => m.addUser('grafana', { password: Secret.generated({ length: 25 }) })),
      level: 'error', path: 'stack/acme/metrics/users/grafana', names: ['length 24.5 is not a whole number'],
    }),
  ],
  'MST-USER-008': ([
    [0, 1], [-1, 1], [1.5, 2],
  ] as const).map(([bad, good]) => c({
    name: `passwordVersion ${bad} (${good} passes)`,
    fail: project({ services: [serviceWith(user('grafana', { passwordVersion: bad }))] }),
    pass: project({ services: [serviceWith(user('grafana', { passwordVersion: good }))] }),
    level: 'error', path: `${ACME}/metrics/users/grafana`, names: [`passwordVersion ${bad} of user "grafana"`],
  })).concat([
    c({
      name: 'passwordVersion 0 in a manifest (1 passes)',
      fail: () => manifestRules({ users: [{ username: 'grafana', passwordVersion: 0 }] }),
      pass: () => manifestRules({ users: [{ username: 'grafana', passwordVersion: 1 }] }),
      level: 'error', path: 'acme/metrics/users/grafana', names: ['passwordVersion 0 of user "grafana"'],
    }),
    c({
      name: 'passwordVersion 0 in the typed API, at declaration, with its rule ID (1 passes)',
      fail: () => declared((m) => m.addUser('grafana', { passwordVersion: 0 })),
      pass: () => declared((m) => m.addUser('grafana', { passwordVersion: 1 })),
      level: 'error', path: 'stack/acme/metrics/users/grafana', names: ['passwordVersion 0 of user "grafana"'],
    }),
  ]),
  'MST-SEC-001': [
    c({
      name: 'a user password from a sensitive variable with a default (no default passes)',
      fail: project({ services: [serviceWith(user('grafana', { password: { ...SENSITIVE_VAR, hasDefault: true } }))] }),
      pass: project({ services: [serviceWith(user('grafana', { password: SENSITIVE_VAR }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`,
      names: ['password of user "grafana"', 'variable "grafana_password"', 'whose default is a plaintext password'],
    }),
    c({
      name: 'an admin password from a sensitive variable with a default',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'pg_admin', sensitive: true, hasDefault: true } })] }),
      pass: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'pg_admin', sensitive: true } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['admin password of service "metrics"', 'variable "pg_admin"', 'default'],
    }),
    c({
      name: 'the typed API refuses a variable with a default at declaration, without echoing the default',
      fail: () => declared((m, stack) => m.addUser('grafana', {
        password: Secret.fromVariable(new TerraformVariable(stack, 'grafana_password', { type: 'string', sensitive: true, default: 'hunter2' })),
      })),
      pass: () => declared((m, stack) => m.addUser('grafana', {
        password: Secret.fromVariable(new TerraformVariable(stack, 'grafana_password', { type: 'string', sensitive: true })),
      })),
      level: 'error', path: 'stack/acme/metrics/users/grafana', names: ['variable "grafana_password"', 'whose default is a plaintext password'],
    }),
    c({
      name: 'a user password that is a literal (a sensitive variable passes)',
      fail: project({ services: [serviceWith(user('grafana', { password: { kind: 'literal' } }))] }),
      pass: project({ services: [serviceWith(user('grafana', { password: SENSITIVE_VAR }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['password of user "grafana"', 'plaintext'],
    }),
    c({
      name: 'an admin password that is a literal',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'literal' } })] }),
      pass: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'metrics_admin_password', sensitive: true } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['admin password of service "metrics"', 'plaintext'],
    }),
  ],
  'MST-SEC-002': [
    c({
      name: 'a user password from a variable not marked sensitive',
      fail: project({ services: [serviceWith(user('grafana', { password: { ...SENSITIVE_VAR, sensitive: false } }))] }),
      pass: project({ services: [serviceWith(user('grafana', { password: SENSITIVE_VAR }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['password of user "grafana"', 'variable "grafana_password"', 'not marked sensitive'],
    }),
    c({
      name: 'an admin password from a variable not marked sensitive',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'pg_admin', sensitive: false } })] }),
      pass: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'pg_admin', sensitive: true } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['variable "pg_admin"'],
    }),
  ],
  'MST-SEC-003': [
    c({
      name: 'write-only passwords with a generated password (a variable passes)',
      fail: project({ services: [serviceWith(user('grafana'), { writeOnlyPasswords: true })] }),
      pass: project({ services: [serviceWith(user('grafana', { password: SENSITIVE_VAR }), { writeOnlyPasswords: true })] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['user "grafana"', 'service "metrics"', 'write-only'],
    }),
    c({
      name: 'write-only passwords with a generated password (turning write-only off passes)',
      fail: project({ services: [serviceWith(user('grafana'), { writeOnlyPasswords: true })] }),
      pass: project({ services: [serviceWith(user('grafana'), { writeOnlyPasswords: false })] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['"grafana"'],
    }),
  ],
  'MST-SEC-004': [
    c({
      name: 'a generated admin password (the default sensitive variable passes)',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'generated', length: 32 } })] }),
      pass: project({ services: [service('metrics')] }),
      level: 'error', path: `${ACME}/metrics`, names: ['admin password of service "metrics"', 'generated'],
    }),
  ],
  'MST-SEC-005': [
    c({
      name: 'a user password from the service\'s admin password variable (a variable of its own passes)',
      fail: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'metrics_admin_password', sensitive: true } }))] }),
      pass: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'etl_password', sensitive: true } }))] }),
      level: 'error', path: `${ACME}/metrics/users/etl`,
      names: ['password of user "etl"', 'variable "metrics_admin_password"', 'the admin password of service "metrics"'],
    }),
    c({
      name: 'a user password from the service\'s host variable',
      fail: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'metrics_host', sensitive: true } }))] }),
      pass: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'metrics_hostname_pw', sensitive: true } }))] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: ['variable "metrics_host"', 'the host variable of service "metrics"'],
    }),
    c({
      name: 'a user password from another service\'s given admin password variable',
      fail: project({ services: [
        service('events', { adminPassword: { kind: 'variable', name: 'events_pg', sensitive: true } }),
        serviceWith(user('etl', { password: { kind: 'variable', name: 'events_pg', sensitive: true } })),
      ] }),
      pass: project({ services: [
        service('events', { adminPassword: { kind: 'variable', name: 'events_pg', sensitive: true } }),
        serviceWith(user('etl', { password: { kind: 'variable', name: 'etl_pg', sensitive: true } })),
      ] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: ['variable "events_pg"', 'the admin password of service "events"'],
    }),
    c({
      name: 'an admin password from a port variable',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'metrics_port', sensitive: true } })] }),
      pass: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'metrics_pw', sensitive: true } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['admin password of service "metrics"', 'variable "metrics_port"', 'the port variable'],
    }),
    c({
      name: 'a manifest user with password: { variable: metrics_admin_password }',
      fail: () => manifestRules({ users: [{ username: 'etl', password: { variable: 'metrics_admin_password' } }] }),
      pass: () => manifestRules({ users: [{ username: 'etl', password: { variable: 'etl_password' } }] }),
      level: 'error', path: 'acme/metrics/users/etl', names: ['variable "metrics_admin_password"', 'admin password of service "metrics"'],
    }),
    c({
      name: 'the typed API: a user given the admin\'s own variable, refused at synth',
      fail: () => declared((m, stack) => {
        const admin = new TerraformVariable(stack, 'pg_admin', { type: 'string', sensitive: true });
        const events = (m.project).addService('events', { adminPassword: Secret.fromVariable(admin) });
        events.addUser('etl', { password: Secret.fromVariable(admin) });
      }),
      pass: () => declared((m, stack) => {
        const admin = new TerraformVariable(stack, 'pg_admin', { type: 'string', sensitive: true });
        const events = (m.project).addService('events', { adminPassword: Secret.fromVariable(admin) });
        events.addUser('etl', { password: Secret.fromVariable(new TerraformVariable(stack, 'etl_pw', { type: 'string', sensitive: true })) });
      }),
      level: 'error', path: 'stack/acme/events/users/etl', names: ['variable "pg_admin"', 'the admin password of service "events"'],
    }),
  ],
  'MST-VAR-001': [
    ...['for_each', 'count', 'source', 'version', 'depends_on', 'providers', 'lifecycle', 'locals', 'provider', '_'].map((bad) => c({
      name: `a password variable named ${bad} (${bad}_pw passes)`,
      fail: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: bad, sensitive: true } }))] }),
      pass: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: `${bad}_pw`, sensitive: true } }))] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: [`variable "${bad}"`, 'a name Terraform reserves'],
    })),
    c({
      name: 'an admin password variable named count',
      fail: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'count', sensitive: true } })] }),
      pass: project({ services: [service('metrics', { adminPassword: { kind: 'variable', name: 'counter', sensitive: true } })] }),
      level: 'error', path: `${ACME}/metrics`, names: ['admin password of service "metrics"', 'variable "count"'],
    }),
    c({
      name: 'a variable name that is not an identifier (typed API: a TerraformVariable id with a space)',
      fail: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'etl password', sensitive: true } }))] }),
      pass: project({ services: [serviceWith(user('etl', { password: { kind: 'variable', name: 'etl_password', sensitive: true } }))] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: ['variable "etl password"', 'not a valid Terraform variable name'],
    }),
    c({
      name: 'a manifest user with password: { variable: for_each }',
      fail: () => manifestRules({ users: [{ username: 'etl', password: { variable: 'for_each' } }] }),
      pass: () => manifestRules({ users: [{ username: 'etl', password: { variable: 'for_each_pw' } }] }),
      level: 'error', path: 'acme/metrics/users/etl', names: ['variable "for_each"'],
    }),
    c({
      name: 'the typed API: a variable renamed to source after Secret.fromVariable (the late name counts)',
      fail: () => declared((m, stack) => {
        const v = new TerraformVariable(stack, 'etl_password', { type: 'string', sensitive: true });
        m.addUser('etl', { password: Secret.fromVariable(v) });
        v.overrideLogicalId('source');
      }),
      pass: () => declared((m, stack) => {
        const v = new TerraformVariable(stack, 'source', { type: 'string', sensitive: true });
        m.addUser('etl', { password: Secret.fromVariable(v) });
        v.overrideLogicalId('etl_source');
      }),
      level: 'error', path: 'stack/acme/metrics/users/etl', names: ['variable "source"'],
    }),
  ],
  'MST-API-001': [
    c({
      name: 'a role that is not a ProjectRole (ProjectRole.DEVELOPER passes)',
      fail: () => declared((m) => m.project.addMember('dev@acme.example', 'owner' as never)),
      pass: () => declared((m) => m.project.addMember('dev@acme.example', ProjectRole.DEVELOPER)),
      level: 'error', path: 'stack/acme/members/dev@acme.example', names: ['role "owner"'],
    }),
    c({
      name: 'an unknown power state (running passes)',
      fail: () => declared(() => PowerState.of('paused')),
      pass: () => declared(() => PowerState.of('running')),
      level: 'error', path: 'PowerState.of', names: ['power state "paused"'],
    }),
    c({
      name: 'allowReplication: "yes" from plain JavaScript (true passes)',
      fail: () => declared((m) => m.addUser('etl', { allowReplication: 'yes' as never })),
      pass: () => declared((m) => m.addUser('etl', { allowReplication: false })),
      level: 'error', path: 'stack/acme/metrics/users/etl', names: ['allowReplication "yes"'],
    }),
  ],
  'MST-API-003': [
    c({
      name: 'a service declared in another stack than its project (the project\'s stack passes)',
      fail: () => declared((m) => new MstService(new TerraformStack(m.node.root, 'other'), 'events', { project: m.project })),
      pass: () => declared((m) => new MstService(m.project.node.scope!, 'events', { project: m.project })),
      level: 'error', path: 'other/events', names: ['service "events" is declared in stack "other"', 'project "acme" is in stack "stack"'],
    }),
    c({
      name: 'a user declared in another stack than its service',
      fail: () => declared((m) => new ServiceUser(new TerraformStack(m.node.root, 'other'), 'grafana', { service: m })),
      pass: () => declared((m) => new ServiceUser(m.project.node.scope!, 'grafana', { service: m })),
      level: 'error', path: 'other/grafana', names: ['user "grafana" is declared in stack "other"', 'service "metrics" is in stack "stack"'],
    }),
    c({
      name: 'a service declared outside any stack (on the App)',
      fail: () => declared((m) => new MstService(m.node.root, 'events', { project: m.project })),
      pass: () => declared((m) => new MstService(m.project.node.scope!, 'events', { project: m.project })),
      level: 'error', path: 'events', names: ['service "events" is declared outside any stack', 'project "acme" is in stack "stack"'],
    }),
  ],
  'MST-API-002': [
    c({
      name: 'the same project declared twice in one scope (another id passes)',
      fail: () => declared((_m, stack) => new MstProject(stack, 'acme', { deployer: 'ci@acme.example' })),
      pass: () => declared((_m, stack) => new MstProject(stack, 'acme2', { name: 'acme', deployer: 'ci@acme.example' })
        .addMember('ci@acme.example', ProjectRole.ADMIN)),
      level: 'error', path: 'stack/acme', names: ['project "acme" is already declared at stack/acme'],
    }),
    c({
      name: 'a project with an empty construct id (and a valid name)',
      fail: () => declared((_m, stack) => new MstProject(stack, '', { name: 'beta', deployer: 'ci@acme.example' })),
      pass: () => declared((_m, stack) => new MstProject(stack, 'beta', { deployer: 'ci@acme.example' })
        .addMember('ci@acme.example', ProjectRole.ADMIN)),
      level: 'error', path: 'stack/', names: ['construct id "" is empty'],
    }),
    c({
      name: 'a manifest\'s project named constructor: check says so, as loadManifest would (constructors passes)',
      fail: () => checkManifestText('project: constructor\ndeployer: ci@acme.example\nmembers: [{ email: ci@acme.example, role: admin }]\n', 'acme.yaml').findings,
      pass: () => checkManifestText('project: constructors\ndeployer: ci@acme.example\nmembers: [{ email: ci@acme.example, role: admin }]\n', 'acme.yaml').findings,
      level: 'error', path: 'constructor', names: ['project name "constructor" is the name of a property every JavaScript object has'],
    }),
    c({
      name: 'a project named constructor',
      fail: () => declared((_m, stack) => new MstProject(stack, 'constructor', { deployer: 'ci@acme.example' })),
      pass: () => declared((_m, stack) => new MstProject(stack, 'constructors', { deployer: 'ci@acme.example' })
        .addMember('ci@acme.example', ProjectRole.ADMIN)),
      level: 'error', path: 'stack/constructor', names: ['"constructor" is the name of a property every JavaScript object has'],
    }),
  ],
  'MST-MANIFEST-002': [
    c({
      name: `lists nested ${MAX_DEPTH + 1} deep (${MAX_DEPTH} pass the limit, then fail the schema)`,
      fail: () => parsed(`project: acme\nx: ${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}\n`),
      pass: () => parsed(`project: acme\nx: ${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}\n`).filter((f) => f.ruleId === 'MST-MANIFEST-002'),
      level: 'error', path: 'acme.yaml:2', names: [`more than ${MAX_DEPTH} deep`],
    }),
    c({
      name: 'a manifest over the size limit (at the limit passes)',
      fail: () => parsed(`project: acme\n#${'x'.repeat(MAX_MANIFEST_BYTES)}\n`),
      pass: () => parsed(`project: acme\n#${'x'.repeat(MAX_MANIFEST_BYTES - 20)}\n`).filter((f) => f.ruleId === 'MST-MANIFEST-002'),
      level: 'error', path: 'acme.yaml', names: [`${(MAX_MANIFEST_BYTES + 16).toLocaleString('en-US')} bytes`, 'more than the 512 KiB limit'],
    }),
    c({
      name: `more than ${MAX_VALUES} values (${MAX_VALUES - 10} pass the limit, then fail the schema)`,
      fail: () => limitFindings({ project: 'acme', members: Array(MAX_VALUES).fill(1) }),
      pass: () => limitFindings({ project: 'acme', members: Array(MAX_VALUES - 10).fill(1) }),
      level: 'error', path: 'acme.yaml', names: [`more than ${MAX_VALUES.toLocaleString('en-US')} values`],
    }),
    c({
      name: 'YAML aliases expanding a long text past the text limit (fewer aliases pass)',
      fail: () => parsed(`a: &a "${'x'.repeat(20_000)}"\nb: [${Array(60).fill('*a').join(',')}]\n`),
      pass: () => parsed(`a: &a "${'x'.repeat(20_000)}"\nb: [${Array(20).fill('*a').join(',')}]\n`).filter((f) => f.ruleId === 'MST-MANIFEST-002'),
      level: 'error', path: 'acme.yaml', names: ['more than 512 KiB of text once YAML aliases are expanded'],
    }),
    c({
      name: 'more than 1,000 YAML aliases, counted by the lexer before anything is built (1,000 pass)',
      fail: () => parsed(`${Array.from({ length: 11 }, (_, i) => `a${i}: &a${i} x\nb${i}: [${Array(100).fill(`*a${i}`).join(',')}]`).join('\n')}\n`),
      pass: () => parsed(`${Array.from({ length: 10 }, (_, i) => `a${i}: &a${i} x\nb${i}: [${Array(100).fill(`*a${i}`).join(',')}]`).join('\n')}\n`).filter((f) => f.ruleId === 'MST-MANIFEST-002'),
      level: 'error', path: 'acme.yaml:22', names: ['more than 1,000 YAML aliases'],
    }),
    c({
      name: 'one alias expanded more than 100 times',
      fail: () => parsed(`a: &a x\nb: [${Array(101).fill('*a').join(',')}]\n`),
      pass: () => parsed(`a: &a x\nb: [${Array(100).fill('*a').join(',')}]\n`).filter((f) => f.ruleId === 'MST-MANIFEST-002'),
      level: 'error', path: 'acme.yaml:2', names: ['expands a YAML alias more than 100 times'],
    }),
  ],
  'MST-MANIFEST-001': [
    ...([
      ['members: 5', { members: 5 }, { members: [] }, 'acme.yaml: members', 'expected array, received number 5'],
      ['allowReplication: yes', { services: [{ name: 'metrics', users: [{ username: 'grafana', allowReplication: 'yes' }] }] },
        { services: [{ name: 'metrics', users: [{ username: 'grafana', allowReplication: true }] }] },
        'acme.yaml: services[0].users[0].allowReplication', 'expected boolean, received "yes"'],
      ['an unknown role', { members: [{ email: 'ci@acme.example', role: 'owner' }] }, { members: [{ email: 'ci@acme.example', role: 'admin' }] },
        'acme.yaml: members[0].role', '"owner" is not one of "admin", "operator", "developer", "read-only"'],
      ['a port out of range', { services: [{ name: 'metrics', connection: { port: 70000 } }] }, { services: [{ name: 'metrics', connection: { port: 65535 } }] },
        'acme.yaml: services[0].connection.port', 'number 70000 is above the maximum 65535'],
      ['a port of 0', { services: [{ name: 'metrics', connection: { port: 0 } }] }, { services: [{ name: 'metrics', connection: { port: 1 } }] },
        'acme.yaml: services[0].connection.port', 'number 0 is below the minimum 1'],
      ['an empty project name', { project: '' }, { project: 'acme' }, 'acme.yaml: project', '"" is empty'],
      ['a fractional passwordVersion', { services: [{ name: 'metrics', users: [{ username: 'grafana', passwordVersion: 1.5 }] }] },
        { services: [{ name: 'metrics', users: [{ username: 'grafana', passwordVersion: 2 }] }] },
        'acme.yaml: services[0].users[0].passwordVersion', 'expected a whole number, received number 1.5'],
      ['a variable name with a space', { services: [{ name: 'metrics', users: [{ username: 'grafana', password: { variable: 'my var' } }] }] },
        { services: [{ name: 'metrics', users: [{ username: 'grafana', password: { variable: 'my_var' } }] }] },
        'acme.yaml: services[0].users[0].password.variable', 'a string (not shown: it sits in a password) is not a Terraform variable name'],
    ] as const).map(([what, bad, good, at, says]) => c({
      name: `${what} names the value received`,
      fail: () => manifestFindings(bad),
      pass: () => manifestFindings(good),
      level: 'error', path: at, names: [says],
    })),
    c({
      name: 'a manifest with a misspelt key (the right spelling passes)',
      fail: () => manifestFindings({ servcies: [] }),
      pass: () => manifestFindings({ services: [] }),
      level: 'error', path: 'acme.yaml: (top level)', names: ['unknown key "servcies"'],
    }),
  ],
  'MST-ACK-001': [
    c({
      name: 'an acknowledgement that matches nothing (it matches once the user replicates)',
      fail: project({
        services: [serviceWith(user('grafana'))],
        acknowledgements: [ack(`${ACME}/metrics/users/grafana`, 'MST-USER-006')],
      }),
      pass: project({
        services: [serviceWith(user('grafana', { allowReplication: true }))],
        acknowledgements: [ack(`${ACME}/metrics/users/grafana`, 'MST-USER-006')],
      }),
      level: 'warning', path: `${ACME}/metrics/users/grafana`, names: ['MST-USER-006', 'matches no finding'],
      also: [], passAlso: ['MST-USER-006'],
    }),
  ],
  'MST-ACK-002': [
    c({
      name: 'a reason holding an escape sequence and a line break (issue 11)',
      fail: project({ services: [serviceWith(REPLICATOR)], acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006', 'ok\u001b[1A\n- approved')] }),
      pass: project({ services: [serviceWith(REPLICATOR)], acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006', 'ok, approved')] }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['the reason given for MST-USER-006 holds control or invisible characters'],
      also: ['MST-USER-006'], passAlso: ['MST-USER-006'],
    }),
    c({
      name: 'acknowledging an error rule',
      fail: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-004')],
      }),
      pass: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006')],
      }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['MST-USER-004 is an error and cannot be acknowledged'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'acknowledging an unknown rule',
      fail: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-066')],
      }),
      pass: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006')],
      }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['unknown rule "MST-USER-066"'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'acknowledging with an empty reason',
      fail: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006', '   ')],
      }),
      pass: project({
        services: [serviceWith(REPLICATOR)],
        acknowledgements: [ack(`${ACME}/metrics/users/replicator`, 'MST-USER-006', 'feeds the replica')],
      }),
      level: 'error', path: `${ACME}/metrics/users/replicator`, names: ['acknowledgement of MST-USER-006 gives no reason'],
      also: ['MST-USER-006'],
    }),
  ],
  'MST-GRANT-001': [
    c({
      name: 'a write with a privilege tables do not take (table privileges pass)',
      fail: project({ services: [serviceWith(user('ingest', { grants: [{ kind: 'write', schema: 'metrics', tables: ['samples'], privileges: ['INSERT', 'USAGE'] }] }))] }),
      pass: project({ services: [serviceWith(user('ingest', { grants: [{ kind: 'write', schema: 'metrics', tables: ['samples'], privileges: ['INSERT', 'SELECT'] }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/ingest`, names: ['privilege "USAGE"', 'user "ingest"', 'does not apply to tables'],
    }),
    c({
      name: 'a write with no privileges at all (leaving privileges out passes)',
      fail: project({ services: [serviceWith(user('ingest', { grants: [{ kind: 'write', schema: 'metrics', privileges: [] }] }))] }),
      pass: project({ services: [serviceWith(user('ingest', { grants: [{ kind: 'write', schema: 'metrics' }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/ingest`, names: ['empty: it grants nothing'],
    }),
    c({
      name: 'a privilege in the typed API, at the call',
      fail: () => declared((m) => m.addUser('ingest').grantWrite({ schema: 'metrics', privileges: ['CONNECT' as 'SELECT'] })),
      pass: () => declared((m) => m.addUser('ingest').grantWrite({ schema: 'metrics', privileges: ['INSERT'] })),
      level: 'error', path: 'stack/acme/metrics/users/ingest', names: ['privilege "CONNECT"'],
    }),
  ],
  'MST-GRANT-002': [
    c({
      name: 'membership in a user of another service (a user of the same service passes)',
      fail: project({ services: [serviceWith([user('grafana'), user('reporting', { grants: [{ kind: 'role', role: 'grafana', service: 'events' }] })])] }),
      pass: project({ services: [serviceWith([user('grafana'), user('reporting', { grants: [{ kind: 'role', role: 'grafana', service: 'metrics' }] })])] }),
      level: 'error', path: `${ACME}/metrics/users/reporting`, names: ['"grafana"', 'service "events"'],
    }),
    c({
      name: 'membership in a username the service does not have',
      fail: project({ services: [serviceWith([user('grafana'), user('reporting', { grants: [{ kind: 'role', role: 'grafan', service: 'metrics' }] })])] }),
      pass: project({ services: [serviceWith([user('grafana'), user('reporting', { grants: [{ kind: 'role', role: 'Grafana', service: 'metrics' }] })])] }),
      level: 'error', path: `${ACME}/metrics/users/reporting`, names: ['"grafan"', 'no user of the service'],
    }),
    c({
      name: 'the typed API: grantRole with a user of another service',
      fail: () => declared((m) => m.addUser('reporting').grantRole(m.project.addService('events', { postgresVersion: 16 }).addUser('grafana'))),
      pass: () => declared((m) => m.addUser('reporting').grantRole(m.addUser('grafana'))),
      level: 'error', path: 'stack/acme/metrics/users/reporting', names: ['"grafana"', 'service "events"'],
    }),
  ],
  'MST-GRANT-003': [
    c({
      name: 'read and write on the same schema (write alone passes)',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }, { kind: 'write', schema: 'public' }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'write', schema: 'public' }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['user "grafana"', 'read on schema "public"', 'write on schema "public"', 'conflict'],
    }),
    c({
      name: 'a whole schema beside a named table of it (another schema passes)',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }, { kind: 'write', schema: 'public', tables: ['notes'] }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }, { kind: 'write', schema: 'app', tables: ['notes'] }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['"public.notes"', 'schema "public"'],
    }),
    c({
      name: 'the same grant twice (two different tables pass)',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: ['a'] }, { kind: 'read', schema: 'public', tables: ['a'] }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: ['a'] }, { kind: 'read', schema: 'public', tables: ['b'] }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['twice'],
    }),
    c({
      name: 'users made members of one another in a circle (a chain passes)',
      fail: project({ services: [serviceWith([
        user('a', { grants: [{ kind: 'role', role: 'b', service: 'metrics' }] }),
        user('b', { grants: [{ kind: 'role', role: 'C', service: 'metrics' }] }),
        user('c', { grants: [{ kind: 'role', role: 'a', service: 'metrics' }] }),
      ])] }),
      pass: project({ services: [serviceWith([
        user('a', { grants: [{ kind: 'role', role: 'b', service: 'metrics' }] }),
        user('b', { grants: [{ kind: 'role', role: 'C', service: 'metrics' }] }),
        user('c'),
      ])] }),
      level: 'error', path: `${ACME}/metrics/users/a`, names: ['users "a", "b", "c" on service "metrics"', '(a → b → c → a)'],
    }),
    c({
      name: 'CONNECT on one database twice (two databases pass)',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'connect', database: 'analytics' }, { kind: 'connect', database: 'analytics' }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'connect', database: 'analytics' }, { kind: 'connect', database: 'reports' }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['connect to database "analytics" twice'],
    }),
  ],
  'MST-GRANT-004': [
    c({
      name: 'grants by a deployer who may not manage services (an Operator may)',
      fail: deployerAs(READ_ONLY, { services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }] }))] }),
      pass: deployerAs(OPERATOR, { services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['deployer "ci@acme.example"', 'Manage services', 'user "grafana"'],
      also: ['MST-DEPLOY-002'], passAlso: [],
    }),
  ],
  'MST-GRANT-005': [
    c({
      name: 'a replication user that writes (reading passes)',
      fail: project({ services: [serviceWith(user('replicator', { allowReplication: true, grants: [{ kind: 'write', schema: 'metrics' }] }))] }),
      pass: project({ services: [serviceWith(user('replicator', { allowReplication: true, grants: [{ kind: 'read', schema: 'metrics' }] }))] }),
      level: 'warning', path: `${ACME}/metrics/users/replicator`, names: ['replication user "replicator"', 'write on schema "metrics"'],
      also: ['MST-USER-006'],
    }),
    c({
      name: 'a replication user made a member of pg_write_all_data on 15 (pg_read_all_data passes)',
      fail: project({ services: [serviceWith(user('replicator', { allowReplication: true, grants: [{ kind: 'role', role: 'pg_write_all_data' }] }), { postgresVersion: 15, adminIsSuperuser: true })] }),
      pass: project({ services: [serviceWith(user('replicator', { allowReplication: true, grants: [{ kind: 'role', role: 'pg_read_all_data' }] }), { postgresVersion: 15, adminIsSuperuser: true })] }),
      level: 'warning', path: `${ACME}/metrics/users/replicator`, names: ['pg_write_all_data'],
      also: ['MST-USER-006'],
    }),
  ],
  'MST-GRANT-006': [
    c({
      name: 'a predefined role on 17 (15 passes: its admin may grant it)',
      fail: project({ services: [serviceWith(user('monitor', { grants: [{ kind: 'role', role: 'pg_monitor' }] }), { postgresVersion: 17 })] }),
      pass: project({ services: [serviceWith(user('monitor', { grants: [{ kind: 'role', role: 'pg_monitor' }] }), { postgresVersion: 15 })] }),
      level: 'error', path: `${ACME}/metrics/users/monitor`, names: ['"pg_monitor"', 'PostgreSQL 16', 'WITH ADMIN OPTION'],
    }),
    c({
      name: 'a predefined role with no declared version (declaring 15 passes)',
      fail: project({ services: [serviceWith(user('monitor', { grants: [{ kind: 'role', role: 'pg_monitor' }] }), { postgresVersion: undefined })] }),
      pass: project({ services: [serviceWith(user('monitor', { grants: [{ kind: 'role', role: 'pg_monitor' }] }), { postgresVersion: 15 })] }),
      level: 'error', path: `${ACME}/metrics/users/monitor`, names: ['"pg_monitor"', 'not declared'],
    }),
    c({
      name: 'a role that reaches the server, even where the admin could grant it (pg_read_all_data passes)',
      fail: project({ services: [serviceWith(user('etl', { grants: [{ kind: 'role', role: 'pg_execute_server_program' }] }), { postgresVersion: 15 })] }),
      pass: project({ services: [serviceWith(user('etl', { grants: [{ kind: 'role', role: 'pg_read_all_data' }] }), { postgresVersion: 15 })] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: ['"pg_execute_server_program"', 'OS account'],
    }),
    c({
      name: 'pg_database_owner, which takes no members',
      fail: project({ services: [serviceWith(user('etl', { grants: [{ kind: 'role', role: 'pg_database_owner' }] }), { postgresVersion: 15 })] }),
      pass: project({ services: [serviceWith(user('etl', { grants: [{ kind: 'role', role: 'pg_signal_backend' }] }), { postgresVersion: 15 })] }),
      level: 'error', path: `${ACME}/metrics/users/etl`, names: ['"pg_database_owner"', 'takes no members'],
    }),
    c({
      name: 'a role older versions lack (pg_checkpoint on 14; 15 passes)',
      fail: project({ services: [serviceWith(user('ops', { grants: [{ kind: 'role', role: 'pg_checkpoint' }] }), { postgresVersion: 14 })] }),
      pass: project({ services: [serviceWith(user('ops', { grants: [{ kind: 'role', role: 'pg_checkpoint' }] }), { postgresVersion: 15 })] }),
      level: 'error', path: `${ACME}/metrics/users/ops`, names: ['PostgreSQL 14 has no such role'],
    }),
  ],
  'MST-GRANT-007': [
    c({
      name: 'an empty schema name',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: '' }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public' }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['schema ""', 'is empty'],
    }),
    c({
      name: 'a table name past 63 bytes',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: ['t'.repeat(64)] }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: ['t'.repeat(63)] }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['is 64 bytes long'],
    }),
    c({
      name: 'an empty list of tables',
      fail: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: [] }] }))] }),
      pass: project({ services: [serviceWith(user('grafana', { grants: [{ kind: 'read', schema: 'public', tables: ['a'] }] }))] }),
      level: 'error', path: `${ACME}/metrics/users/grafana`, names: ['tables of a grant of user "grafana" is empty'],
    }),
  ],
};

function withDeveloper(inv: InvitationSpec): ProjectSpec {
  return project({
    members: [member('ana@acme.example'), member('ci@acme.example'), member('dev@acme.example', DEVELOPER)],
    invitations: [inv],
  });
}

function secondProject(serviceName: string): ProjectSpec {
  const beta = 'stack/beta';
  return {
    path: beta,
    name: 'beta',
    deployer: 'ci@acme.example',
    members: [member('ci@acme.example', ADMIN, beta)],
    invitations: [],
    services: [service(serviceName, {}, beta)],
    acknowledgements: [],
  };
}

/** Schema findings of a minimal manifest with `extra` keys; an empty list when it parses. */
function manifestFindings(extra: Record<string, unknown>): readonly Finding[] {
  const result = validateManifestData({
    project: 'acme',
    deployer: 'ci@acme.example',
    members: [{ email: 'ci@acme.example', role: 'admin' }],
    ...extra,
  }, 'acme.yaml');
  return result.ok ? [] : result.findings;
}

/** Every finding (schema, then rules) of a minimal manifest whose one service "metrics" has `service`'s keys. */
function manifestRules(serviceKeys: Record<string, unknown>): readonly Finding[] {
  const result = validateManifestData({
    project: 'acme',
    deployer: 'ci@acme.example',
    members: [{ email: 'ci@acme.example', role: 'admin' }],
    services: [{ name: 'metrics', postgresVersion: 16, ...serviceKeys }],
  }, 'acme.yaml');
  if (!result.ok) return result.findings;
  return validateProjects([manifestToSpec(result.manifest)]);
}

/** The limit findings of already-parsed data. */
function limitFindings(data: unknown): Finding[] {
  const result = validateManifestData(data, 'acme.yaml');
  return result.ok ? [] : result.findings.filter((f) => f.ruleId === 'MST-MANIFEST-002');
}

/** The findings of a manifest's text that stopped at a limit or the schema. */
function parsed(text: string): Finding[] {
  const result = parseManifest(text, 'acme.yaml');
  return result.ok ? [] : result.findings;
}

/**
 * Declares with the typed API on a clean stack (project "acme", Admin deployer,
 * service "metrics" on PostgreSQL 16) and returns what the library said: the
 * findings of the MstValidationError thrown at declaration, or else the
 * stack's findings at synth.
 */
function declared(declare: (metrics: ReturnType<MstProject['addService']>, stack: TerraformStack) => unknown): readonly Finding[] {
  const stack = new TerraformStack(Testing.app(), 'stack');
  const acme = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  acme.addMember('ci@acme.example', ProjectRole.ADMIN);
  const metrics = acme.addService('metrics', { postgresVersion: 16 });
  try {
    declare(metrics, stack);
  } catch (e) {
    if (e instanceof MstValidationError) return e.findings;
    throw e;
  }
  return acme.findings();
}

function run(input: Input): readonly Finding[] {
  if (typeof input === 'function') return input();
  return validateProjects(Array.isArray(input) ? input : [input]);
}

// ---------------------------------------------------------------------------

// The MST-DIFF rules judge a change between two versions; test/report/diff*.test.ts covers them.
// The diff rules judge a pair of inputs and the input rules a path given to report or diff:
// test/report/diff-rules.test.ts and test/report/cli.test.ts hold their cases.
const MODEL_RULES = RULES.filter((r) => !r.id.startsWith('MST-DIFF-') && !r.id.startsWith('MST-INPUT-'));

describe('the rule catalogue', () => {
  it('has a case for every rule, and no case for a rule that does not exist', () => {
    expect(Object.keys(CASES).sort()).toEqual(MODEL_RULES.map((r) => r.id).sort());
    for (const id of Object.keys(CASES)) expect(CASES[id].length).toBeGreaterThan(0);
  });

  it('has unique IDs, and its warnings are GRANT-005, USER-005, USER-006, USER-009 and ACK-001', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    expect(RULES.filter((r) => r.level === 'warning').map((r) => r.id).sort())
      .toEqual(['MST-ACK-001', 'MST-GRANT-005', 'MST-USER-005', 'MST-USER-006', 'MST-USER-009']);
    for (const r of RULES) {
      expect(r.id).toMatch(/^MST-[A-Z]+-\d{3}$/);
      expect(r.summary.length).toBeGreaterThan(10);
      expect(r.explanation.length).toBeGreaterThan(10);
      expect(findRule(r.id)).toBe(r);
    }
    expect(findRule('MST-NOPE-001')).toBeUndefined();
  });

  it('starts from a base project that is clean', () => {
    expect(validateProjects([project()])).toEqual([]);
  });
});

describe.each(MODEL_RULES.map((r) => [r.id] as const))('%s', (ruleId) => {
  const cases = CASES[ruleId] ?? [];
  it.each(cases.map((x) => [x.name, x] as const))('fails: %s', (_name, x) => {
    const findings = run(x.fail);
    expect(ids(findings)).toEqual([ruleId, ...(x.also ?? [])].sort());
    const f = findings.find((y) => y.ruleId === ruleId)!;
    expect(f.level).toBe(x.level);
    expect(f.path).toBe(x.path);
    for (const s of x.names) expect(f.message).toContain(s);
    expect(f.fix.length).toBeGreaterThan(0);
    expect(f.acknowledged).toBeUndefined();
    // One line, ending in exactly one full stop; control characters of the input shown escaped.
    expect(formatFinding(f)).toMatch(new RegExp(`^\\[${escape(visible(x.path))}\\] ${ruleId}: [^\\n]+; [^\\n]*[^.]\\.$`));
  });
  it.each(cases.map((x) => [x.name, x] as const))('passes: %s', (_name, x) => {
    const findings = run(x.pass);
    expect(ids(findings)).toEqual([...(x.passAlso ?? x.also ?? [])].sort());
    expect(findings.filter((f) => f.ruleId === ruleId)).toEqual([]);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the permission each kind of change needs from the deployer', () => {
  it('needs none for a members list alone, even from a Read-only deployer', () => {
    expect(validateProjects([deployerAs(READ_ONLY, { services: [] })])).toEqual([]);
  });

  it('needs none for a service without users or a power state', () => {
    expect(validateProjects([deployerAs(READ_ONLY, { services: [service('metrics', { users: [] })] })])).toEqual([]);
  });

  it('reports one finding per permission lacking, naming each', () => {
    const findings = validateProjects([deployerAs(READ_ONLY, {
      invitations: [invitation('new@acme.example', READ_ONLY, 'ana@acme.example')],
      billing: { path: `${ACME}/billing` },
      services: [service('metrics', { state: 'running' })],
    })]);
    expect(findings.map((f) => [f.ruleId, f.path])).toEqual([
      ['MST-DEPLOY-002', ACME], ['MST-DEPLOY-002', ACME], ['MST-DEPLOY-002', ACME], ['MST-DEPLOY-002', ACME],
    ]);
    const messages = findings.map((f) => f.message).join('\n');
    for (const label of ['Invite more users', 'Modify billing information', 'Manage services', 'Start and stop services']) {
      expect(messages).toContain(`lacks ${label} needed for`);
    }
    expect(messages).not.toContain('View service information');
  });

  it('lets an Admin deployer carry every kind of change', () => {
    expect(validateProjects([project({
      invitations: [invitation('new@acme.example', OPERATOR, 'ana@acme.example')],
      billing: { path: `${ACME}/billing`, email: 'billing@acme.example' },
      services: [service('metrics', { state: 'running' })],
    })])).toEqual([]);
  });

  it('names at most three causes and counts the rest', () => {
    const invitations = ['a', 'b', 'c', 'd', 'e'].map((x) => invitation(`${x}@acme.example`, READ_ONLY, 'ana@acme.example'));
    const [f] = validateProjects([deployerAs(OPERATOR, { invitations })]);
    expect(f.message).toBe(
      'deployer "ci@acme.example" is an Operator, which lacks Invite more users needed for the invitation of "a@acme.example", the invitation of "b@acme.example", the invitation of "c@acme.example" and 2 more',
    );
  });
});

describe('inviters', () => {
  it.each([
    [ADMIN, ADMIN], [ADMIN, OPERATOR], [ADMIN, DEVELOPER], [ADMIN, READ_ONLY],
    [DEVELOPER, DEVELOPER], [DEVELOPER, READ_ONLY],
  ])('a %s may invite a %s', (inviter, role) => {
    const p = project({
      members: [member('ana@acme.example'), member('ci@acme.example'), member('inv@acme.example', inviter)],
      invitations: [invitation('new@acme.example', role, 'inv@acme.example')],
    });
    expect(validateProjects([p])).toEqual([]);
  });

  it.each([
    [DEVELOPER, ADMIN, 'MST-INVITE-003'], [DEVELOPER, OPERATOR, 'MST-INVITE-003'],
    [OPERATOR, READ_ONLY, 'MST-INVITE-002'], [OPERATOR, OPERATOR, 'MST-INVITE-002'],
    [READ_ONLY, READ_ONLY, 'MST-INVITE-002'],
  ])('a %s may not invite a %s (%s)', (inviter, role, ruleId) => {
    const p = project({
      members: [member('ana@acme.example'), member('ci@acme.example'), member('inv@acme.example', inviter)],
      invitations: [invitation('new@acme.example', role, 'inv@acme.example')],
    });
    expect(validateProjects([p]).map((f) => f.ruleId)).toEqual([ruleId]);
  });

  it('matches the inviter\'s email case-insensitively', () => {
    const p = project({ invitations: [invitation('new@acme.example', ADMIN, 'ANA@Acme.Example')] });
    expect(validateProjects([p])).toEqual([]);
  });
});

describe('usernames', () => {
  it('accepts only ASCII letters, digits and underscores', () => {
    const [f] = validateProjects([project({ services: [serviceWith(user('grafanaé'))] })]);
    expect(f.ruleId).toBe('MST-USER-001');
    expect(f.message).toBe('username "grafanaé" contains characters other than letters, digits and underscores');
  });

  it('reports the exact MST-USER-002 message from the issue', () => {
    const findings = validateProjects([project({ services: [serviceWith([user('grafana'), user('Grafana')])] })]);
    expect(findings.map(formatFinding)).toEqual([
      `[${ACME}/metrics/users/Grafana] MST-USER-002: username "Grafana" collides with "grafana" in service "metrics" (role names are compared case-insensitively); rename one of them.`,
    ]);
  });

  it('reports a collision once per extra user', () => {
    const findings = validateProjects([project({ services: [serviceWith([user('grafana'), user('Grafana'), user('GRAFANA')])] })]);
    expect(findings.map((f) => [f.ruleId, f.path])).toEqual([
      ['MST-USER-002', `${ACME}/metrics/users/GRAFANA`],
      ['MST-USER-002', `${ACME}/metrics/users/Grafana`],
    ]);
  });
});

describe('acknowledgements', () => {
  const replicationProject = (acks: Acknowledgement[], users: UserSpec[] = [REPLICATOR]) =>
    project({ services: [serviceWith(users)], acknowledgements: acks });
  const replicatorPath = `${ACME}/metrics/users/replicator`;

  it.each([
    ['the user', replicatorPath],
    ['the users scope', `${ACME}/metrics/users`],
    ['the service', `${ACME}/metrics`],
    ['the project', ACME],
    ['the stack', 'stack'],
  ])('acknowledge MST-USER-006 when made on %s', (_what, path) => {
    const findings = validateProjects([replicationProject([ack(path, 'MST-USER-006', 'feeds the replica')])]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: 'MST-USER-006', level: 'warning', path: replicatorPath, acknowledged: 'feeds the replica',
    });
  });

  it('do not reach a sibling, nor a path that only shares a string prefix', () => {
    const findings = validateProjects([replicationProject(
      [ack(`${ACME}/metrics/users/rep`, 'MST-USER-006'), ack(`${ACME}/metrics/users/grafana`, 'MST-USER-006')],
      [user('grafana'), REPLICATOR],
    )]);
    expect(findings.map((f) => [f.ruleId, f.path, f.acknowledged])).toEqual([
      ['MST-ACK-001', `${ACME}/metrics/users/grafana`, undefined],
      ['MST-ACK-001', `${ACME}/metrics/users/rep`, undefined],
      ['MST-USER-006', replicatorPath, undefined],
    ]);
  });

  it('only silence the rule they name', () => {
    const findings = validateProjects([project({
      services: [serviceWith(REPLICATOR, { postgresVersion: undefined })],
      acknowledgements: [ack(replicatorPath, 'MST-USER-005', 'version checked by hand')],
    })]);
    expect(findings.map((f) => [f.ruleId, f.acknowledged])).toEqual([
      ['MST-USER-005', 'version checked by hand'],
      ['MST-USER-006', undefined],
    ]);
  });

  it('never silence an error, even one on an acknowledged path', () => {
    const findings = validateProjects([project({
      services: [serviceWith(REPLICATOR, { postgresVersion: 15 })],
      acknowledgements: [ack(`${ACME}/metrics`, 'MST-USER-006', 'feeds the replica')],
    })]);
    expect(findings.map((f) => [f.ruleId, f.level, f.acknowledged])).toEqual([
      ['MST-USER-004', 'error', undefined],
      ['MST-USER-006', 'warning', 'feeds the replica'],
    ]);
  });

  it('one acknowledgement covers every replication user below it', () => {
    const findings = validateProjects([replicationProject(
      [ack(`${ACME}/metrics`, 'MST-USER-006', 'both feed replicas')],
      [REPLICATOR, user('replicator2', { allowReplication: true })],
    )]);
    expect(findings.map((f) => [f.path, f.acknowledged])).toEqual([
      [replicatorPath, 'both feed replicas'],
      [`${ACME}/metrics/users/replicator2`, 'both feed replicas'],
    ]);
  });
});

describe('reporting', () => {
  it('reports every finding of every project together, sorted by path then rule', () => {
    const zed: ProjectSpec = {
      ...secondProject('zeta'),
      path: 'stack/zed',
      name: 'zed',
      members: [member('ci@acme.example', ADMIN, 'stack/zed')],
      services: [service('zeta', { users: [user('pg_x', {}, 'zeta', 'stack/zed')] }, 'stack/zed')],
    };
    const acme = project({
      deployer: 'ghost@acme.example',
      members: [member('ana@acme.example', DEVELOPER), member('not-an-email', DEVELOPER)],
      services: [serviceWith(user('1grafana'), { postgresVersion: 11 })],
    });
    const findings = validateProjects([zed, acme]);
    expect(findings.map((f) => [f.path, f.ruleId])).toEqual([
      [ACME, 'MST-DEPLOY-001'],
      [ACME, 'MST-MEMBER-001'],
      [`${ACME}/members/not-an-email`, 'MST-MEMBER-002'],
      [`${ACME}/metrics`, 'MST-SVC-004'],
      [`${ACME}/metrics/users/1grafana`, 'MST-USER-001'],
      ['stack/zed/zeta/users/pg_x', 'MST-USER-003'],
    ]);
  });

  it('reports three different errors of one project together', () => {
    const findings = validateProjects([project({
      deployer: 'ghost@acme.example',
      services: [service('metrics', { state: 'powered-off', users: [user('Grafana'), user('grafana')] })],
    })]);
    expect(findings.map((f) => f.ruleId)).toEqual(['MST-DEPLOY-001', 'MST-SVC-001', 'MST-USER-002']);
    expect(findings.map((f) => f.path)).toEqual([ACME, `${ACME}/metrics`, `${ACME}/metrics/users/grafana`]);
  });

  it('formats a finding as `[path] RULE: message; fix.`', () => {
    const f: Finding = {
      ruleId: 'MST-SVC-002', level: 'error', path: 'a/b', message: 'service name "X" is bad', fix: 'rename it',
    };
    expect(formatFinding(f)).toBe('[a/b] MST-SVC-002: service name "X" is bad; rename it.');
  });

  it('sorts by path, then rule ID, then message', () => {
    const mk = (path: string, ruleId: Finding['ruleId'], message: string): Finding => ({ ruleId, level: 'error', path, message, fix: 'f' });
    const sorted = sortFindings([
      mk('b', 'MST-ACK-001', 'x'), mk('a', 'MST-API-001', 'x'), mk('a', 'MST-ACK-001', 'y'), mk('a', 'MST-ACK-001', 'x'),
    ]);
    expect(sorted.map((f) => `${f.path} ${f.ruleId} ${f.message}`)).toEqual([
      'a MST-ACK-001 x', 'a MST-ACK-001 y', 'a MST-API-001 x', 'b MST-ACK-001 x',
    ]);
  });

  it('carries the offending value for machines', () => {
    const [f] = validateProjects([project({ deployer: 'ghost@acme.example' })]);
    expect(f.value).toBe('ghost@acme.example');
  });
});

describe('repeated acknowledgements', () => {
  it('an acknowledgement given twice on the same path is used, not called stale', () => {
    const replicator = user('replicator', { allowReplication: true });
    const ack = { path: replicator.path, ruleId: 'MST-USER-006', reason: 'feeds the read replica' };
    const findings = run(project({ services: [serviceWith(replicator)], acknowledgements: [ack, { ...ack }] }));
    expect(findings.map((f) => f.ruleId)).toEqual(['MST-USER-006']);
    expect(findings[0].acknowledged).toBe('feeds the read replica');
  });
});
