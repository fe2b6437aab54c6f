/**
 * CDK Terrain end to end, as a user runs it: the packed cdktn-mst installed into an empty project,
 * its app (plain JavaScript) deployed by the real `cdktn deploy` and removed by `cdktn destroy`
 * against PostgreSQL with an MST-like admin; and a stack deployed with `cdktf deploy` from the packed
 * cdktf-mst, moved to CDK Terrain in place (packages, imports, commands), whose plan stays empty.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SSLMODE_CONTEXT } from '../../src';
import { serviceVariablePrefix } from '../../src/domain/conventions';
import { RoleRow, roles, serviceVariables, servicesIn } from '../../tools/local/deploy';
import { Engine, engine } from '../../tools/local/engine';
import { ClusterInfo, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';
import { RunResult, run } from '../../tools/sandbox/process';
import { cleanEnv, consumerApp, consumerProject, Flavour, FLAVOURS, pack, runOk, writeCdktfJson } from '../package/consumer';

jest.setTimeout(600_000);

const [CDKTF, CDKTN] = FLAVOURS;
const STACK = 'consumer';
/** The roles of consumerApp: usernames keep their case in PostgreSQL (their keys are lower-cased). */
const USERS: RoleRow[] = [
  { name: 'Reader', login: true, replication: false },
  { name: 'grafana', login: true, replication: false },
];
const byName = (rows: RoleRow[]): RoleRow[] => [...rows].sort((a, b) => (a.name < b.name ? -1 : 1));

/** A consumer project deployed with a flavour's CLI into one cluster; the state stays in the project. */
class CliProject {
  public static async start(name: string, flavour: Flavour): Promise<CliProject> {
    const [cluster, eng] = await Promise.all([startCluster({ name, major: 17, mode: 'mst' }), engine()]);
    try {
      const tarball = pack(flavour, fs.mkdtempSync(path.join(path.dirname(cluster.dataDir), 'tarball-')));
      const dir = consumerProject(flavour, tarball, `mst-e2e-${name}-`);
      const project = new CliProject(dir, cluster, eng);
      project.use(flavour);
      writeCdktfJson(dir, { [SSLMODE_CONTEXT]: 'disable' });
      return project;
    } catch (e) {
      await stopCluster(cluster);
      throw e;
    }
  }

  private constructor(public readonly dir: string, public readonly cluster: ClusterInfo, private readonly eng: Engine) {}

  /** Writes the app for `flavour`: the same stack, imported from that flavour's packages. */
  public use(flavour: Flavour): void {
    fs.writeFileSync(path.join(this.dir, 'main.mjs'), consumerApp(flavour, STACK));
  }

  private env(): NodeJS.ProcessEnv {
    let vars: Record<string, string> = {};
    const stackDir = path.join(this.dir, 'cdktf.out', 'stacks', STACK);
    if (fs.existsSync(path.join(stackDir, 'cdk.tf.json'))) {
      vars = Object.assign({}, ...servicesIn(stackDir).map((s) => serviceVariables(s, this.cluster)));
    }
    // CDKTF_DISABLE_PLUGIN_CACHE_ENV: the CLIs otherwise share ~/.terraform.d/plugin-cache with every
    // deploy on the machine, which OpenTofu does not guard against concurrent writers.
    return cleanEnv({ ...this.eng.env, TF_IN_AUTOMATION: '1', CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true', ...vars });
  }

  /** Runs the flavour's CLI (`cdktf` or `cdktn`) in the project; fails with its output unless it exits 0.
   * Deploys, diffs and destroys pass --skip-provider-lock: `providers lock` asks the public registry,
   * not the engine's offline mirror. */
  public async cli(flavour: Flavour, args: string[]): Promise<RunResult> {
    return this.ok(flavour.cli, args, this.dir);
  }

  /** Runs the engine in the synthesized stack's folder, as `cdktf deploy` does. */
  public engine(args: string[]): Promise<RunResult> {
    return run(this.eng.binary, args, { cwd: path.join(this.dir, 'cdktf.out', 'stacks', STACK), env: this.env(), timeoutMs: 5 * 60_000 });
  }

  public async ok(cmd: string, args: string[], cwd: string): Promise<RunResult> {
    const r = await run(cmd, args, { cwd, env: this.env(), timeoutMs: 5 * 60_000 });
    if (r.code !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${r.timedOut ? 'on timeout' : r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** Synthesizes and deploys with the flavour's CLI (a synth first, for the variables that point the stack at the cluster). */
  public async deploy(flavour: Flavour): Promise<void> {
    await this.cli(flavour, ['synth']);
    await this.cli(flavour, ['deploy', STACK, '--auto-approve', '--skip-provider-lock']);
  }

  /** `plan -detailed-exitcode` of the synthesized stack: 0 no changes, 2 changes. */
  public async planExitCode(): Promise<number> {
    const r = await this.engine(['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false']);
    if (r.code === 1) throw new Error(`plan failed:\n${r.stderr || r.stdout}`);
    return r.code;
  }

  public async password(username: string): Promise<string> {
    const r = await this.engine(['output', '-json']);
    if (r.code !== 0) throw new Error(`output failed:\n${r.stderr}`);
    const outputs = JSON.parse(r.stdout) as Record<string, { value: unknown }>;
    const prefix = serviceVariablePrefix('metrics');
    const key = username.toLowerCase();
    const value = outputs[`${prefix}_${key}_password`]?.value
      ?? (outputs[`${prefix}_passwords`]?.value as Record<string, unknown> | undefined)?.[key];
    if (typeof value !== 'string') throw new Error(`no password output for ${username}; outputs: ${Object.keys(outputs).join(', ')}`);
    return value;
  }

  public async logsIn(username: string, password: string): Promise<boolean> {
    const r = await sql(this.cluster, 'select current_user', { user: username, password });
    return r.code === 0 && r.stdout === username;
  }

  public async stop(): Promise<void> {
    await stopCluster(this.cluster);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('CDK Terrain: cdktn deploy and cdktn destroy of a stack built with the packed cdktn-mst', () => {
  let p: CliProject;
  beforeAll(async () => { p = await CliProject.start('terrain', CDKTN); });
  afterAll(async () => p?.stop());

  test('cdktn deploy creates each declared user as a login role that logs in with its generated password', async () => {
    await p.deploy(CDKTN);
    expect(byName(await roles(p.cluster))).toEqual(USERS);
    for (const { name } of USERS) expect(await p.logsIn(name, await p.password(name))).toBe(true);
  });

  test('cdktn diff after the deploy plans no change', async () => {
    const diff = await p.cli(CDKTN, ['diff', STACK, '--skip-provider-lock']);
    expect(diff.stdout).toContain('No changes.');
    expect(await p.planExitCode()).toBe(0);
  });

  test('cdktn destroy drops the roles', async () => {
    await p.cli(CDKTN, ['destroy', STACK, '--auto-approve', '--skip-provider-lock']);
    expect(await roles(p.cluster)).toEqual([]);
  });
});

describe('a stack deployed with cdktf deploy, moved to CDK Terrain in place', () => {
  let p: CliProject;
  const before = new Map<string, string>();
  beforeAll(async () => { p = await CliProject.start('migrate', CDKTF); });
  afterAll(async () => p?.stop());

  test('cdktf deploy (packed cdktf-mst) creates the users', async () => {
    await p.deploy(CDKTF);
    expect(byName(await roles(p.cluster))).toEqual(USERS);
    for (const { name } of USERS) before.set(name, await p.password(name));
  });

  test('after swapping the packages, the imports and the CLI, cdktn diff plans no change', async () => {
    runOk('npm', ['uninstall', '--no-audit', '--no-fund', '--loglevel=error', 'cdktf-mst', 'cdktf', '@cdktf/provider-postgresql', '@cdktf/provider-random'], p.dir);
    const tarball = pack(CDKTN, fs.mkdtempSync(path.join(path.dirname(p.cluster.dataDir), 'tarball-')));
    runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], p.dir);
    expect(fs.existsSync(path.join(p.dir, 'node_modules', 'cdktf'))).toBe(false);
    p.use(CDKTN);
    expect(fs.readFileSync(path.join(p.dir, 'main.mjs'), 'utf8')).toContain("from 'cdktn-mst'");

    await p.cli(CDKTN, ['synth']);
    const json = JSON.parse(fs.readFileSync(path.join(p.dir, 'cdktf.out', 'stacks', STACK, 'cdk.tf.json'), 'utf8'));
    expect(json['//'].metadata.version).toMatch(/^0\.24\./);
    expect(await p.planExitCode()).toBe(0);
    const diff = await p.cli(CDKTN, ['diff', STACK, '--skip-provider-lock']);
    expect(diff.stdout).toContain('No changes.');
  });

  test('cdktn deploy keeps the roles and their passwords', async () => {
    await p.cli(CDKTN, ['deploy', STACK, '--auto-approve', '--skip-provider-lock']);
    expect(byName(await roles(p.cluster))).toEqual(USERS);
    for (const { name } of USERS) {
      const password = await p.password(name);
      expect(password).toBe(before.get(name));
      expect(await p.logsIn(name, password)).toBe(true);
    }
  });

  test('cdktn destroy drops what cdktf deployed', async () => {
    await p.cli(CDKTN, ['destroy', STACK, '--auto-approve', '--skip-provider-lock']);
    expect(await roles(p.cluster)).toEqual([]);
  });
});
