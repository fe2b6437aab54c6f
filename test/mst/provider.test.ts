/**
 * The real aiven provider (4.61.0, from the engine's mirror) deploying hand-written stacks into the
 * local MST: service users that log in to the service's PostgreSQL, a no-op plan, rotation through
 * password_wo_version with no password in the state, REPLICATION on and off, deletion, an
 * organization permission raised, lowered and removed, and a powered-off service refusing a user.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runEngine } from '../../tools/local/deploy';
import { Engine, engine } from '../../tools/local/engine';
import { RunResult } from '../../tools/sandbox/process';
import { Harness, MEMBER, ORG, PROJECT, TOKEN } from './support';

jest.setTimeout(300_000);

interface UserSpec {
  readonly replication?: boolean;
  /** Write-only password: the variable `<name>_password` and its version. */
  readonly writeOnly?: number;
}

/** A stack of aiven_pg_user per user, data.aiven_pg, and a project permission for MEMBER when `roles` is given. */
function stack(users: Record<string, UserSpec>, roles?: string[]): unknown {
  const pgUsers = Object.fromEntries(Object.entries(users).map(([name, spec]) => [name, {
    project: PROJECT, service_name: 'metrics', username: name,
    ...(spec.replication === undefined ? {} : { pg_allow_replication: spec.replication }),
    ...(spec.writeOnly === undefined ? {} : { password_wo: `\${var.${name}_password}`, password_wo_version: spec.writeOnly }),
  }]));
  const variables = Object.fromEntries(Object.entries(users).filter(([, s]) => s.writeOnly !== undefined)
    .map(([name]) => [`${name}_password`, { type: 'string', sensitive: true }]));
  const outputs = Object.fromEntries(Object.entries(users).filter(([, s]) => s.writeOnly === undefined)
    .map(([name]) => [`${name}_password`, { value: `\${aiven_pg_user.${name}.password}`, sensitive: true }]));
  const resources = {
    ...(Object.keys(pgUsers).length ? { aiven_pg_user: pgUsers } : {}),
    ...(roles ? {
      aiven_organization_permission: {
        acme: {
          organization_id: ORG, resource_type: 'project', resource_id: PROJECT,
          permissions: [{
            principal_type: 'user',
            principal_id: `\${one([for u in data.aiven_organization_user_list.org.users : u.user_id if u.user_info[0].user_email == "${MEMBER}"])}`,
            permissions: roles,
          }],
        },
      },
    } : {}),
  };
  return {
    terraform: { required_providers: { aiven: { source: 'aiven/aiven', version: '4.61.0' } } },
    provider: { aiven: [{ api_token: TOKEN }] },
    ...(Object.keys(variables).length ? { variable: variables } : {}),
    data: {
      aiven_pg: { metrics: { project: PROJECT, service_name: 'metrics' } },
      aiven_organization_user_list: { org: { id: ORG } },
    },
    ...(Object.keys(resources).length ? { resource: resources } : {}),
    output: { state: { value: '${data.aiven_pg.metrics.state}' }, ...outputs },
  };
}

describe('the aiven provider against the local MST', () => {
  let h: Harness;
  let eng: Engine;
  let dir: string;
  const vars: Record<string, string> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-provider-'));
    [h, eng] = await Promise.all([Harness.start('prov'), engine()]);
    write(stack({}));
    const init = await tf(['init', '-input=false', '-no-color']);
    if (init.code !== 0) throw new Error(`tofu init failed (is the aiven provider in the engine's mirror?):\n${init.stderr || init.stdout}`);
  });
  afterAll(async () => {
    await h?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function tf(args: string[]): Promise<RunResult> {
    const tfVars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v]));
    return runEngine(eng, dir, args, { ...tfVars, AIVEN_WEB_URL: h.mst.url }, { timeoutMs: 240_000 });
  }
  async function ok(args: string[]): Promise<RunResult> {
    const r = await tf(args);
    if (r.code !== 0) throw new Error(`tofu ${args.join(' ')} exited ${r.code}:\n${r.stderr || r.stdout}`);
    return r;
  }
  function write(config: unknown): void {
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
  }
  const apply = (): Promise<RunResult> => ok(['apply', '-auto-approve', '-input=false', '-no-color']);
  const plan = (): Promise<RunResult> => tf(['plan', '-detailed-exitcode', '-input=false', '-no-color']);
  const state = (): string => fs.readFileSync(path.join(dir, 'terraform.tfstate'), 'utf8');
  async function output(name: string): Promise<string> {
    return JSON.parse((await ok(['output', '-json', name])).stdout) as string;
  }
  const memberRoles = async (): Promise<string[][]> =>
    ((await h.call('GET', `/v1/organization/${ORG}/permissions/project/${PROJECT}`)).body.permissions as { permissions: string[] }[])
      .map((p) => p.permissions);

  test('creates users that log in, then plans no changes', async () => {
    vars.app_password = 'app-password-one-0123456789';
    write(stack({ grafana: {}, replicator: { replication: true }, app: { writeOnly: 1 } }, ['developer']));
    await apply();
    const grafana = await output('grafana_password');
    expect(await h.login('metrics', 'grafana', grafana)).toBe(true);
    expect(await h.login('metrics', 'replicator', await output('replicator_password'))).toBe(true);
    expect(await h.login('metrics', 'app', 'app-password-one-0123456789')).toBe(true);
    expect(await h.replication('metrics', 'replicator')).toBe(true);
    expect(await h.replication('metrics', 'grafana')).toBe(false);
    expect(await output('state')).toBe('RUNNING');
    expect(await memberRoles()).toEqual([['developer']]);
    // Write-only: neither the password nor any trace of it in the state.
    expect(state()).not.toContain('app-password-one-0123456789');
    const app = (JSON.parse(state()) as { resources: { type: string; name: string; instances: { attributes: Record<string, unknown> }[] }[] })
      .resources.find((r) => r.type === 'aiven_pg_user' && r.name === 'app')!;
    expect(app.instances[0].attributes).toMatchObject({ password_wo: null, password_wo_version: 1 });
    expect(app.instances[0].attributes.password ?? null).toBeNull();

    const again = await plan();
    expect({ code: again.code, out: again.code === 0 ? '' : again.stdout }).toEqual({ code: 0, out: '' });
  });

  test('rotates a write-only password only when its version changes', async () => {
    vars.app_password = 'app-password-two-0123456789';
    expect((await plan()).code).toBe(0);
    write(stack({ grafana: {}, replicator: { replication: true }, app: { writeOnly: 2 } }, ['developer']));
    await apply();
    expect(await h.login('metrics', 'app', 'app-password-two-0123456789')).toBe(true);
    expect(await h.login('metrics', 'app', 'app-password-one-0123456789')).toBe(false);
    expect(state()).not.toContain('app-password-two-0123456789');
  });

  test('turns REPLICATION off and on, raises and lowers the member\'s role', async () => {
    write(stack({ grafana: { replication: true }, replicator: { replication: false }, app: { writeOnly: 2 } }, ['admin']));
    await apply();
    expect(await h.replication('metrics', 'grafana')).toBe(true);
    expect(await h.replication('metrics', 'replicator')).toBe(false);
    expect(await memberRoles()).toEqual([['admin']]);

    write(stack({ grafana: { replication: false }, replicator: { replication: true }, app: { writeOnly: 2 } }, ['read_only']));
    await apply();
    expect(await h.replication('metrics', 'grafana')).toBe(false);
    expect(await h.replication('metrics', 'replicator')).toBe(true);
    expect(await memberRoles()).toEqual([['read_only']]);
    expect((await plan()).code).toBe(0);
  });

  test('deletes a user (its role is dropped) and removes the permission', async () => {
    write(stack({ grafana: { replication: false }, app: { writeOnly: 2 } }));
    await apply();
    expect(await h.replication('metrics', 'replicator')).toBeUndefined();
    expect(await memberRoles()).toEqual([]);
    expect((await plan()).code).toBe(0);
  });

  test('a user on a powered-off service fails with a message naming the state', async () => {
    await h.mst.setState(PROJECT, 'metrics', 'POWEROFF');
    write(stack({ grafana: { replication: false }, app: { writeOnly: 2 }, late: {} }));
    const r = await tf(['apply', '-auto-approve', '-input=false', '-no-color']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/state POWEROFF/);
    expect(await output('state')).toBe('POWEROFF');
    await h.mst.setState(PROJECT, 'metrics', 'RUNNING');
    await apply();
    expect(await h.login('metrics', 'late', await output('late_password'))).toBe(true);
  });

  test('destroy removes every user', async () => {
    await ok(['destroy', '-auto-approve', '-input=false', '-no-color']);
    for (const u of ['grafana', 'app', 'late']) expect(await h.replication('metrics', u)).toBeUndefined();
  });
});
