/**
 * The MST API backend end to end: stacks built with the library (typed API and a manifest),
 * synthesized by it and deployed with the real engine and the real aiven provider (4.61.0) into the
 * local MST (tools/mst), whose services are real PostgreSQL clusters. Service users must log in with
 * the passwords the stack generated, rotate, change REPLICATION and disappear as declared; members'
 * roles must reach the organization's permissions; the plan must refuse what MST would refuse (a
 * member who never joined, users on a powered-off service) and warn about an invitee who joined.
 * The example manifest goes through the real `cdktf deploy`, then CDK Terrain's `cdktn diff`,
 * `cdktn deploy` and `cdktn destroy` in place.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TerraformStack, TerraformVariable } from 'cdktf';
import { MstProject, ProjectRole, Secret, UserBackend } from '../../src';
import { LocalMst, startLocalMst } from '../../tools/mst/server';
import { ServiceState } from '../../tools/mst/records';
import { runEngine } from '../../tools/local/deploy';
import { RunResult, run } from '../../tools/sandbox/process';
import { cleanEnv } from '../package/consumer';
import { Deployment } from './support';

jest.setTimeout(300_000);

const TOKEN = 'e2e-local-mst-token';
const ORG = 'org1a2b3c4d5e6';
const PROJECT = 'acme';
const CI = 'ci@acme.example';
const ANA = 'ana@acme.example';
const NEW = 'new@acme.example';
const GHOST = 'ghost@acme.example';

/** The local MST serving a deployment's clusters as the services of project `project`. */
class Api {
  public static async start(d: Deployment, project: string, org: string, users: string[]): Promise<Api> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-api-'));
    try {
      const mst = await startLocalMst({
        dataDir, token: TOKEN,
        services: [...d.clusters].map(([name, cluster]) => ({ project, name, cluster })),
        organization: { id: org, name: 'Acme', users: users.map((email) => ({ email })) },
      });
      return new Api(mst, dataDir, project, org);
    } catch (e) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  private constructor(public readonly mst: LocalMst, private readonly dataDir: string, private readonly project: string,
    private readonly org: string) {}

  public async get(urlPath: string): Promise<Record<string, unknown>> {
    const rsp = await fetch(`${this.mst.url}${urlPath}`, { headers: { Authorization: `aivenv1 ${TOKEN}` } });
    const body = await rsp.json() as Record<string, unknown>;
    if (rsp.status !== 200) throw new Error(`GET ${urlPath}: ${rsp.status} ${JSON.stringify(body)}`);
    return body;
  }

  /** The project's organization permissions, as email → roles. */
  public async memberRoles(): Promise<Record<string, string[]>> {
    const users = (await this.get(`/v1/organization/${this.org}/user`)).users as { user_id: string; user_info: { user_email: string } }[];
    const email = new Map(users.map((u) => [u.user_id, u.user_info.user_email]));
    const perms = (await this.get(`/v1/organization/${this.org}/permissions/project/${this.project}`)).permissions as
      { principal_id: string; permissions: string[] }[];
    return Object.fromEntries(perms.map((p) => [email.get(p.principal_id) ?? p.principal_id, p.permissions]));
  }

  /** What the console's Users tab of a service lists: its non-admin users, with REPLICATION. */
  public async serviceUsers(service: string): Promise<Record<string, boolean>> {
    const svc = (await this.get(`/v1/project/${this.project}/service/${service}`)).service as
      { users: { username: string; type: string; access_control: { pg_allow_replication: boolean } }[] };
    return Object.fromEntries(svc.users.filter((u) => u.type !== 'primary').map((u) => [u.username, u.access_control.pg_allow_replication]));
  }

  public setState(service: string, state: ServiceState): Promise<void> {
    return this.mst.setState(this.project, service, state);
  }

  public async stop(): Promise<void> {
    await this.mst.stop();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

interface Shape {
  /** Users of `metrics`: username → password version and REPLICATION. */
  readonly users: Record<string, { version?: number; replication?: boolean }>;
  /** Ana's role; absent: not a member. */
  readonly ana?: ProjectRole;
  readonly members?: readonly string[];
  readonly invitations?: readonly string[];
  /** passwordVersion of `vault`'s write-only user `app`. */
  readonly vault: number;
}

/**
 * Project acme on the MST API backend (token from a sensitive variable); `metrics` generates passwords,
 * `vault` (PostgreSQL 15) has write-only ones and a replication user.
 */
const typed = (shape: Shape) => (stack: TerraformStack): void => {
  const token = new TerraformVariable(stack, 'mst_token', { type: 'string', sensitive: true });
  const project = new MstProject(stack, 'acme', {
    deployer: CI, mstApi: { organizationId: ORG, apiToken: Secret.fromVariable(token) }, backend: UserBackend.MST_API,
  });
  project.addMember(CI, ProjectRole.ADMIN);
  if (shape.ana) project.addMember(ANA, shape.ana);
  for (const m of shape.members ?? []) project.addMember(m, ProjectRole.DEVELOPER);
  for (const i of shape.invitations ?? []) project.addInvitation(i, { role: ProjectRole.DEVELOPER, invitedBy: CI });
  const metrics = project.addService('metrics', { postgresVersion: 17 });
  for (const [username, u] of Object.entries(shape.users)) {
    metrics.addUser(username, { passwordVersion: u.version ?? 1, allowReplication: u.replication ?? false });
  }
  // PostgreSQL 15, where only a superuser creates REPLICATION roles: MST's API creates them itself.
  const vault = project.addService('vault', { postgresVersion: 15, writeOnlyPasswords: true });
  const appPassword = new TerraformVariable(stack, 'app_password', { type: 'string', sensitive: true });
  vault.addUser('app', { password: Secret.fromVariable(appPassword), passwordVersion: shape.vault, allowReplication: true });
  project.acknowledge('MST-USER-006', 'e2e: replication users');
};

describe('the typed API on the MST API backend, deployed with the engine into the local MST', () => {
  let d: Deployment;
  let api: Api;
  /** The engine's output with its line wrapping undone. */
  const output = (r: { stdout: string; stderr: string }): string => `${r.stdout}\n${r.stderr}`.replace(/\s+/g, ' ');

  beforeAll(async () => {
    d = await Deployment.start('api', { metrics: {}, vault: { major: 15 } });
    api = await Api.start(d, PROJECT, ORG, [CI, ANA]);
    d.environment.AIVEN_WEB_URL = api.mst.url;
    d.variables.mst_token = TOKEN;
    d.variables.app_password = 'app-password-first-0123456789';
  });
  afterAll(async () => {
    await api?.stop();
    await d?.stop();
  });

  /** Every generated password of metrics logs in, and nothing else is there. */
  async function metricsUsers(declared: string[]): Promise<void> {
    expect((await d.roles('metrics')).map((r) => r.name)).toEqual([...declared].sort());
    const passwords = await d.passwords('metrics');
    expect([...passwords.keys()].sort()).toEqual([...declared].sort());
    for (const [user, password] of passwords) expect({ user, ok: (await d.login('metrics', user, password)).ok }).toEqual({ user, ok: true });
  }

  test('creates the users: each generated password logs in, the console lists them, the member roles apply; then plans no change', async () => {
    d.synth(typed({ users: { grafana: {}, reporting: {}, replicator: { replication: true } }, ana: ProjectRole.DEVELOPER, vault: 1 }));
    await d.apply();
    await metricsUsers(['grafana', 'replicator', 'reporting']);
    expect(await d.roles('metrics')).toEqual([
      { name: 'grafana', login: true, replication: false },
      { name: 'replicator', login: true, replication: true },
      { name: 'reporting', login: true, replication: false },
    ]);
    expect(await api.serviceUsers('metrics')).toEqual({ grafana: false, replicator: true, reporting: false });
    expect((await d.login('vault', 'app', 'app-password-first-0123456789')).ok).toBe(true);
    expect(await d.roles('vault')).toEqual([{ name: 'app', login: true, replication: true }]);
    expect(await api.memberRoles()).toEqual({ [CI]: ['admin'], [ANA]: ['developer'] });
    const again = await d.plan();
    expect({ code: again.code, out: again.code === 0 ? '' : output(again) }).toEqual({ code: 0, out: '' });
  });

  test('bumping one user\'s passwordVersion rotates its password alone', async () => {
    const before = await d.passwords('metrics');
    d.synth(typed({ users: { grafana: { version: 2 }, reporting: {}, replicator: { replication: true } }, ana: ProjectRole.DEVELOPER, vault: 1 }));
    await d.apply();
    const after = await d.passwords('metrics');
    expect(after.get('grafana')).not.toBe(before.get('grafana'));
    expect((await d.login('metrics', 'grafana', before.get('grafana')!)).ok).toBe(false);
    expect((await d.login('metrics', 'grafana', after.get('grafana')!)).ok).toBe(true);
    for (const user of ['reporting', 'replicator']) {
      expect(after.get(user)).toBe(before.get(user));
      expect((await d.login('metrics', user, after.get(user)!)).ok).toBe(true);
    }
  });

  test('turns REPLICATION on for one user and off for another', async () => {
    d.synth(typed({ users: { grafana: { version: 2, replication: true }, reporting: {}, replicator: {} }, ana: ProjectRole.DEVELOPER, vault: 1 }));
    await d.apply();
    expect((await d.roles('metrics')).map((r) => [r.name, r.replication])).toEqual([['grafana', true], ['replicator', false], ['reporting', false]]);
    expect(await d.replicate('metrics', 'grafana', (await d.passwords('metrics')).get('grafana')!)).toBe(true);
    expect((await d.plan()).code).toBe(0);
  });

  test('deleting a user drops its role and the console no longer lists it', async () => {
    d.synth(typed({ users: { grafana: { version: 2, replication: true }, replicator: {} }, ana: ProjectRole.DEVELOPER, vault: 1 }));
    await d.apply();
    await metricsUsers(['grafana', 'replicator']);
    expect(await api.serviceUsers('metrics')).toEqual({ grafana: true, replicator: false });
  });

  test('a write-only password stays out of the state and a changed variable is sent when passwordVersion is bumped', async () => {
    expect(d.state()).not.toContain('app-password-first-0123456789');
    d.variables.app_password = 'app-password-second-0123456789';
    expect((await d.plan()).code).toBe(0); // write-only values are not compared: same version, nothing to send
    d.synth(typed({ users: { grafana: { version: 2, replication: true }, replicator: {} }, ana: ProjectRole.DEVELOPER, vault: 2 }));
    await d.apply();
    expect((await d.login('vault', 'app', 'app-password-second-0123456789')).ok).toBe(true);
    expect((await d.login('vault', 'app', 'app-password-first-0123456789')).ok).toBe(false);
    expect(d.state()).not.toContain('app-password-second-0123456789');
    expect(d.state()).not.toContain(TOKEN);
  });

  test('a member\'s role is raised, lowered and removed', async () => {
    const users = { grafana: { version: 2, replication: true }, replicator: {} };
    d.synth(typed({ users, ana: ProjectRole.ADMIN, vault: 2 }));
    await d.apply();
    expect(await api.memberRoles()).toEqual({ [CI]: ['admin'], [ANA]: ['admin'] });
    d.synth(typed({ users, ana: ProjectRole.READ_ONLY, vault: 2 }));
    await d.apply();
    expect(await api.memberRoles()).toEqual({ [CI]: ['admin'], [ANA]: ['read_only'] });
    d.synth(typed({ users, vault: 2 }));
    await d.apply();
    expect(await api.memberRoles()).toEqual({ [CI]: ['admin'] });
    expect((await d.plan()).code).toBe(0);
  });

  test('a member who never joined the organization fails the plan with a message naming them', async () => {
    d.synth(typed({ users: { grafana: { version: 2, replication: true }, replicator: {} }, members: [GHOST], vault: 2 }));
    const r = await d.plan();
    expect(r.code).toBe(1);
    expect(output(r)).toMatch(new RegExp(`Member ${GHOST.replace(/\./g, '\\.')} of MST project acme has not joined organization ${ORG}`));
    expect(await api.memberRoles()).toEqual({ [CI]: ['admin'] });
  });

  test('an invitee who joined is a warning in the plan naming them', async () => {
    d.synth(typed({ users: { grafana: { version: 2, replication: true }, replicator: {} }, invitations: [NEW], vault: 2 }));
    const pending = await d.plan();
    expect(pending.code).toBe(0);
    expect(output(pending)).not.toContain(NEW);
    await api.mst.join(NEW);
    const joined = await d.plan();
    expect(joined.code).toBe(0); // a check warns; it does not fail the plan
    expect(output(joined)).toMatch(/Warning: Check block assertion failed/);
    expect(output(joined)).toContain(`Invitee ${NEW} has joined organization ${ORG}: declare them as a member of MST project acme`);
  });

  test('user changes on a powered-off service fail the plan naming the state POWEROFF', async () => {
    await api.setState('metrics', 'POWEROFF');
    try {
      d.synth(typed({ users: { grafana: { version: 2, replication: true }, replicator: {}, late: {} }, invitations: [NEW], vault: 2 }));
      const r = await d.plan();
      expect(r.code).toBe(1);
      expect(output(r)).toContain('MST service metrics is POWEROFF, not RUNNING, and MST manages service users only on a running service: '
        + 'power it on (the console, or `avn service update --project acme --power-on metrics`) and deploy again.');
    } finally {
      await api.setState('metrics', 'RUNNING');
    }
    await d.apply();
    await metricsUsers(['grafana', 'late', 'replicator']);
  });

  test('destroy removes every service user and the members\' permissions', async () => {
    await d.destroy();
    expect(await d.roles('metrics')).toEqual([]);
    expect(await d.roles('vault')).toEqual([]);
    expect(await api.serviceUsers('metrics')).toEqual({});
    expect(await api.memberRoles()).toEqual({});
  });
});

const REPO = path.resolve(__dirname, '../..');
const EXAMPLE = path.join(REPO, 'examples/manifest/mst-api.yaml');
const EXAMPLE_ORG = 'org1a2b3c4d5e6';
const EXAMPLE_MEMBERS = ['ana@acme.example', 'ci-bot@acme.example', 'dev@acme.example', 'auditor@acme.example'];
const CLI_STACK = 'acme-access';
const CDKTF = path.join(REPO, 'node_modules/.bin/cdktf');
const CDKTN = path.join(REPO, 'tools/terrain/node_modules/.bin/cdktn');

describe('the example manifest through the real cdktf deploy, then cdktn in place', () => {
  let d: Deployment;
  let api: Api;
  let project: string;
  const manifest = (): string => path.join(project, 'access.yaml');
  const stackDir = (): string => path.join(project, 'cdktf.out', 'stacks', CLI_STACK);

  beforeAll(async () => {
    d = await Deployment.start('apicli', { metrics: {}, events: {} });
    api = await Api.start(d, 'acme-prod', EXAMPLE_ORG, EXAMPLE_MEMBERS);
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-apicli-'));
    fs.copyFileSync(EXAMPLE, manifest());
    // The app is the repository's manifest example, run through ts-node as npm start runs it.
    const app = `node -r ${require.resolve('ts-node/register/transpile-only')} ${path.join(REPO, 'examples/manifest/main.ts')}`;
    fs.writeFileSync(path.join(project, 'cdktf.json'), JSON.stringify({
      language: 'typescript', app, projectId: 'mst-e2e-api', sendCrashReports: 'false', terraformProviders: [], terraformModules: [],
    }));
  });
  afterAll(async () => {
    await api?.stop();
    await d?.stop();
    if (project) fs.rmSync(project, { recursive: true, force: true });
  });

  /** Runs a CLI in the project on Node.js 22 with the engine, the manifest and the local MST's URL and token. */
  async function cli(bin: string, args: string[]): Promise<RunResult> {
    const r = await run(bin, args, {
      cwd: project, timeoutMs: 240_000,
      env: cleanEnv({
        ...d.engine.env, MST_MANIFEST: manifest(), TS_NODE_PROJECT: path.join(REPO, 'tsconfig.json'),
        AIVEN_WEB_URL: api.mst.url, AIVEN_TOKEN: TOKEN, CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true', TF_IN_AUTOMATION: '1',
      }),
    });
    if (r.code !== 0) throw new Error(`${path.basename(bin)} ${args.join(' ')} exited ${r.timedOut ? 'on timeout' : r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Every generated password of `service` from the stack's outputs. */
  async function passwords(service: string): Promise<Record<string, string>> {
    const r = await runEngine(d.engine, stackDir(), ['output', '-json', `${service}_passwords`]);
    if (r.code !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as Record<string, string>;
  }

  async function everyUserLogsIn(expected: Record<string, string[]>): Promise<void> {
    for (const [service, users] of Object.entries(expected)) {
      const pw = await passwords(service);
      expect(Object.keys(pw).sort()).toEqual([...users].sort());
      for (const user of users) expect({ service, user, ok: (await d.login(service, user, pw[user])).ok }).toEqual({ service, user, ok: true });
    }
  }

  test('cdktf deploy creates every user, each logs in with its generated password, and applies every member\'s role', async () => {
    const r = await cli(CDKTF, ['deploy', CLI_STACK, '--auto-approve', '--skip-provider-lock']);
    expect(r.stdout).toMatch(/Apply complete! Resources: \d+ added, 0 changed, 0 destroyed/);
    await everyUserLogsIn({ metrics: ['grafana', 'replicator'], events: ['ingest', 'reporting'] });
    expect(await api.serviceUsers('metrics')).toEqual({ grafana: false, replicator: true });
    expect(await api.serviceUsers('events')).toEqual({ ingest: false, reporting: false });
    expect(await api.memberRoles()).toEqual({
      'ana@acme.example': ['admin'], 'ci-bot@acme.example': ['admin'], 'dev@acme.example': ['developer'], 'auditor@acme.example': ['read_only'],
    });
  });

  test('cdktn diff of the same project plans no change', async () => {
    const r = await cli(CDKTN, ['diff', CLI_STACK, '--skip-provider-lock']);
    expect(r.stdout).toContain('No changes.');
  });

  test('cdktn deploy applies an edit of the manifest: a new user that logs in, the others unchanged', async () => {
    const before = await passwords('events');
    fs.writeFileSync(manifest(), fs.readFileSync(EXAMPLE, 'utf8').replace('      - { username: ingest }\n', '      - { username: ingest }\n      - { username: loader }\n'));
    await cli(CDKTN, ['deploy', CLI_STACK, '--auto-approve', '--skip-provider-lock']);
    await everyUserLogsIn({ metrics: ['grafana', 'replicator'], events: ['ingest', 'loader', 'reporting'] });
    const after = await passwords('events');
    expect([after.ingest, after.reporting]).toEqual([before.ingest, before.reporting]);
  });

  test('cdktn destroy removes every service user and the members\' roles', async () => {
    await cli(CDKTN, ['destroy', CLI_STACK, '--auto-approve', '--skip-provider-lock']);
    expect(await d.roles('metrics')).toEqual([]);
    expect(await d.roles('events')).toEqual([]);
    expect(await api.memberRoles()).toEqual({});
  });
});
