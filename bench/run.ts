/**
 * `npm run bench`: the library against the best stacks an expert writes by
 * hand, side by side on the same users (1 project, 10 services,
 * bench/shapes.ts), in one run:
 *
 * 1. synth, in fresh child processes: the library, hand-written per-user L1
 *    (bench/raw.ts) and hand-written `TerraformIterator` L1 (bench/iterator.ts),
 *    both with derived passwords, at BENCH_USERS (default 1,000 and 10,000);
 *    wall, CPU and peak memory;
 * 2. plan of a fresh stack (`plan -refresh=false`, no database needed) at
 *    BENCH_PLAN_USERS (default 1,000 and 3,000; BENCH_PLAN_10K=1 adds 10,000):
 *    the library, the derived expert stack (bench/expert.ts) and per-user L1;
 * 3. apply, then a no-op plan with refresh, at BENCH_APPLY_USERS (default
 *    1,000 and 3,000) against a local PostgreSQL 17 with an MST-like admin
 *    (tools/sandbox/cluster.ts), one fresh cluster per side: the library and
 *    the three expert stacks (`random_password`, `random_bytes` per user,
 *    derived); the library and the derived stack, the best, BENCH_APPLY_REPS
 *    times (default 3, in turns; the medians count), the others once;
 *    BENCH_APPLY=0 skips it and the two steps below;
 * 4. the psql floor: on a fresh cluster, one connection sending
 *    `CREATE ROLE … LOGIN PASSWORD '…'` one statement at a time, as `psql -f`
 *    does, for each apply size;
 * 5. end to end: `cdktf deploy --auto-approve --skip-provider-lock` of a fresh
 *    project whose app synthesizes the library stack (bench/deploy-app.ts),
 *    BENCH_DEPLOY_USERS (default 1,000) users, timed from the command's start
 *    to its exit (synth, init, plan and apply).
 *
 * The library is compiled with tsconfig.build.json first: an app loads
 * cdktf-mst as compiled JS, its own code through ts-node, as the children do.
 * The engine is the repo's (tools/engine/build.sh, already built; ENGINE_DIR
 * picks another copy). Engine runs are timed with /usr/bin/time when present,
 * so CPU seconds (tofu and its provider processes) are reported beside wall
 * time: on a shared machine CPU time is the steadier figure. Every child and
 * engine run has a timeout and the whole run stops after BENCH_DEADLINE_S.
 * The last line is machine-readable and carries every ratio; the lines before
 * it say which target is met.
 *
 * Environment: BENCH_USERS ("1000,10000"), BENCH_REPS ("3,3"), BENCH_PLAN_USERS
 * ("1000,3000"), BENCH_PLAN_10K, BENCH_APPLY_USERS ("1000,3000"), BENCH_APPLY_REPS (3), BENCH_APPLY,
 * BENCH_DEPLOY_USERS ("1000"), BENCH_PARALLELISM (the engine's `-parallelism`
 * for apply and plan, its default when unset), BENCH_CHILD_TIMEOUT_S (180),
 * BENCH_ENGINE_TIMEOUT_S (1200), BENCH_DEADLINE_S (5400); BENCH_GRANTS_STEP=0 skips the grants step
 * (2 grants per user, library beside the derived expert stack with the same blocks: plan at BENCH_PLAN_USERS,
 * apply at BENCH_GRANTS_APPLY_USERS, default 1000, 0 to skip).
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startCluster, stopCluster } from '../tools/sandbox/cluster';
import { roles } from '../tools/local/deploy';
import { engine, Engine } from '../tools/local/engine';
import { cleanEnv, run } from '../tools/sandbox/process';
import { Client } from 'pg';
import { EXPERT_SHAPES, ExpertShape, expertConfig, expertResources, GRANT_BLOCKS_PER_USER } from './expert';
import { replicates, serviceCount, serviceName, username } from './shapes';

interface Sample {
  kind: string;
  users: number;
  ms: number;
  cpu_ms?: number;
  build_ms?: number;
  synth_ms?: number;
  bytes?: number;
  peak_mb: number;
  process_ms: number;
}

interface EngineRun { wall_s: number; cpu_s?: number; peak_mb?: number; out: string }

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').filter(Boolean).map(Number);
const USERS = list('BENCH_USERS', '1000,10000');
const REPS = list('BENCH_REPS', '3,3');
const PLAN_USERS = [...list('BENCH_PLAN_USERS', '1000,3000'), ...(process.env.BENCH_PLAN_10K === '1' ? [10000] : [])];
const APPLY_USERS = process.env.BENCH_APPLY === '0' ? [] : list('BENCH_APPLY_USERS', '1000,3000');
const DEPLOY_USERS = process.env.BENCH_APPLY === '0' ? 0 : Number(process.env.BENCH_DEPLOY_USERS ?? 1000);
const APPLY_REPS = Math.max(1, Number(process.env.BENCH_APPLY_REPS ?? 3));
const PARALLELISM = process.env.BENCH_PARALLELISM ? [`-parallelism=${Number(process.env.BENCH_PARALLELISM)}`] : [];
const CHILD_TIMEOUT_S = Number(process.env.BENCH_CHILD_TIMEOUT_S ?? 180);
const ENGINE_TIMEOUT_S = Number(process.env.BENCH_ENGINE_TIMEOUT_S ?? 1200);
const DEADLINE = Date.now() + Number(process.env.BENCH_DEADLINE_S ?? 5400) * 1000;
const CHILD = path.join(__dirname, 'child.ts');
const ROOT = path.join(__dirname, '..');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-bench-'));
const LIBRARY = path.join(tmp, 'lib');
let runs = 0;

const say = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`  ${line}\n`);
const checkDeadline = () => {
  if (Date.now() > DEADLINE) throw new Error('deadline of BENCH_DEADLINE_S reached; stopping');
};

/** `tsc -p tsconfig.build.json` into the temporary directory, which resolves packages from the repo's node_modules. */
function buildLibrary(): void {
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', LIBRARY, '--declaration', 'false'], {
    cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_S * 1000, killSignal: 'SIGKILL',
  });
  if (r.error || r.status !== 0) throw new Error(`building the library failed:\n${r.stdout}${r.stderr}`);
}

/** One synth in a fresh process. With `keep`, its output directory is left for the engine steps. */
function child(kind: string, users: number, opts: { keep?: boolean; env?: Record<string, string> } = {}): Sample & { outdir: string } {
  checkDeadline();
  const outdir = path.join(tmp, `${kind}-${users}-${runs++}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, kind, String(users), outdir], {
    cwd: ROOT,
    env: { ...process.env, BENCH_LIBRARY: LIBRARY, ...opts.env },
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  const processMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!opts.keep) fs.rmSync(outdir, { recursive: true, force: true });
  if (r.error || r.status !== 0) {
    throw new Error(`${kind} ${users} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${r.stderr}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { ...JSON.parse(line), process_ms: processMs, outdir };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f2 = (x: number) => x.toFixed(2);
const s2 = (ms: number) => f2(ms / 1000);
const mb = (n: number) => n.toFixed(0);

function table(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  say(`\n${fmt(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(fmt).join('\n')}\n`);
}

// ---------------------------------------------------------------------------
// 1. synth

const SYNTH_KINDS = ['library', 'iterator', 'raw'];

function synthStep(): Map<string, { ms: number; cpu: number; peak: number }> {
  const summary = new Map<string, { ms: number; cpu: number; peak: number }>();
  const rows: string[][] = [];
  USERS.forEach((users, idx) => {
    const reps = REPS[Math.min(idx, REPS.length - 1)];
    const samples: Record<string, Sample[]> = Object.fromEntries(SYNTH_KINDS.map((k) => [k, []]));
    for (let r = 0; r < reps; r++) {
      // The order rotates on every repetition, so a busy moment slows each side alike.
      const order = SYNTH_KINDS.map((_, i) => SYNTH_KINDS[(i + r) % SYNTH_KINDS.length]);
      for (const kind of order) samples[kind].push(child(kind, users));
      progress(`synth users=${users} rep ${r + 1}/${reps} done`);
    }
    for (const kind of SYNTH_KINDS) {
      const xs = samples[kind];
      const ms = median(xs.map((x) => x.ms));
      const cpu = median(xs.map((x) => x.cpu_ms!));
      const peak = median(xs.map((x) => x.peak_mb));
      summary.set(`${kind}-${users}`, { ms, cpu, peak });
      rows.push([
        String(users), kind, String(xs.length), s2(median(xs.map((x) => x.build_ms!))), s2(median(xs.map((x) => x.synth_ms!))),
        s2(ms), `${s2(Math.min(...xs.map((x) => x.ms)))}–${s2(Math.max(...xs.map((x) => x.ms)))}`, s2(cpu),
        s2(median(xs.map((x) => x.process_ms))), mb(peak), (xs[0].bytes! / 1e6).toFixed(1),
      ]);
    }
  });
  table(['users', 'stack', 'runs', 'build s', 'synth s', 'build+synth s', 'range s', 'CPU s', 'process s', 'peak MB', 'output MB'], rows);
  return summary;
}

// ---------------------------------------------------------------------------
// 2 and 3. the engine

/** The variables every stack needs: each service's host, port and admin password. */
function serviceVars(users: number, host: string, port: number, password: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (let s = 0; s < serviceCount(users); s++) {
    const prefix = serviceName(s).replace(/-/g, '_');
    Object.assign(vars, { [`TF_VAR_${prefix}_host`]: host, [`TF_VAR_${prefix}_port`]: String(port), [`TF_VAR_${prefix}_admin_password`]: password });
  }
  return vars;
}

/** Runs `cmd` in `dir` through /usr/bin/time when present: wall, CPU (the command and every process it waited for) and peak memory. */
async function timed(cmd: string, args: string[], dir: string, env: Record<string, string>): Promise<EngineRun & { code: number; timedOut: boolean; stderr: string }> {
  checkDeadline();
  const [file, argv] = TIME ? [TIME, ['-f', 'bench-time %e %U %S %M', cmd, ...args]] : [cmd, args];
  const t0 = Date.now();
  const r = await run(file, argv, { cwd: dir, env: cleanEnv(env), timeoutMs: ENGINE_TIMEOUT_S * 1000 });
  const wall = (Date.now() - t0) / 1000;
  const m = /bench-time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return {
    code: r.code, timedOut: r.timedOut, stderr: r.stderr, out: r.stdout, wall_s: wall,
    cpu_s: m ? Number(m[2]) + Number(m[3]) : undefined, peak_mb: m ? Number(m[4]) / 1024 : undefined,
  };
}

/** Runs the engine in `dir`, timed; fails with its output unless it exits with one of `ok`. */
async function tofu(eng: Engine, dir: string, args: string[], vars: Record<string, string>, ok = [0]): Promise<EngineRun & { code: number }> {
  const r = await timed(eng.binary, args, dir, { ...eng.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...vars });
  if (r.timedOut) throw new Error(`${eng.binary} ${args[0]} in ${dir} did not finish within ${ENGINE_TIMEOUT_S} s (BENCH_ENGINE_TIMEOUT_S)`);
  if (!ok.includes(r.code)) throw new Error(`${eng.binary} ${args.join(' ')} exited ${r.code}:\n${(r.stderr || r.out).slice(-4000)}`);
  return r;
}

/** A side of the engine steps: a synthesized cdktf stack (`kind` for bench/child.ts) or an expert stack's JSON; with grants or not. */
interface Side { name: string; kind?: string; expert?: ExpertShape; grants?: boolean; resources: (users: number) => number }
const LIBRARY_SIDE: Side = { name: 'library', kind: 'library', resources: (u) => u + serviceCount(u) };
const RAW_SIDE: Side = { name: 'per-user L1', kind: 'raw', resources: (u) => u + serviceCount(u) };
const expertSide = (shape: ExpertShape): Side => ({ name: `expert ${shape}`, expert: shape, resources: (u) => expertResources(shape, u) });
const EXPERT_SIDES = EXPERT_SHAPES.map(expertSide);
const DERIVED_SIDE = EXPERT_SIDES.find((s) => s.expert === 'derived')!;
const GRANTS_APPLY_USERS = Number(process.env.BENCH_GRANTS_APPLY_USERS ?? 1000);
const GRANTS_SIDES: Side[] = [
  { ...LIBRARY_SIDE, name: 'library, 2 grants per user', grants: true, resources: (u) => LIBRARY_SIDE.resources(u) + GRANT_BLOCKS_PER_USER * u },
  { ...DERIVED_SIDE, name: 'expert derived, 2 grants per user', grants: true, resources: (u) => DERIVED_SIDE.resources(u) + GRANT_BLOCKS_PER_USER * u },
];

/** Writes (expert) or synthesizes (cdktf) a side's stack and runs `init` in it; returns its folder and what to remove after. */
async function prepared(eng: Engine, side: Side, users: number): Promise<{ dir: string; remove: string }> {
  let dir: string;
  let remove: string;
  if (side.expert) {
    remove = dir = path.join(tmp, `expert-${side.expert}-${users}-${runs++}`);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(expertConfig(side.expert, users, 'disable', side.grants), null, 2));
  } else {
    const { outdir } = child(side.kind!, users, { keep: true, env: { BENCH_SSLMODE: 'disable', ...(side.grants ? { BENCH_GRANTS: '1' } : {}) } });
    remove = outdir;
    dir = path.join(outdir, 'stacks', 'bench');
  }
  await tofu(eng, dir, ['init', '-input=false', '-no-color'], {});
  return { dir, remove };
}

const plans = new Map<string, EngineRun>();

async function planStep(eng: Engine): Promise<void> {
  const rows: string[][] = [];
  for (const users of PLAN_USERS) {
    for (const side of [LIBRARY_SIDE, DERIVED_SIDE, RAW_SIDE]) {
      const { dir, remove } = await prepared(eng, side, users);
      try {
        const p = await tofu(eng, dir, ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', ...PARALLELISM, '-out=bench.plan'],
          serviceVars(users, '127.0.0.1', 5432, 'unused'));
        const planned = /Plan: (\d+) to add/.exec(p.out)?.[1];
        if (Number(planned) !== side.resources(users)) throw new Error(`${side.name} ${users}: expected ${side.resources(users)} to add, got ${planned}`);
        plans.set(`${side.name}-${users}`, p);
        rows.push([String(users), side.name, f2(p.wall_s), p.cpu_s === undefined ? '–' : f2(p.cpu_s), p.peak_mb === undefined ? '–' : mb(p.peak_mb), `${planned} to add`]);
        progress(`plan users=${users} ${side.name}: ${f2(p.wall_s)} s`);
      } finally {
        fs.rmSync(remove, { recursive: true, force: true });
      }
    }
  }
  table(['users', 'stack', 'plan wall s', 'plan CPU s', 'tofu peak MB', 'plan'], rows);
}

const grantRuns = new Map<string, EngineRun>();

/**
 * Grants: 2 per user (read on schema public, now and later; CONNECT), the library beside the derived expert
 * stack with the same blocks: a fresh plan at each plan size, and an apply at the smallest apply size.
 */
async function grantsStep(eng: Engine): Promise<void> {
  const rows: string[][] = [];
  for (const users of PLAN_USERS) {
    for (const side of GRANTS_SIDES) {
      const { dir, remove } = await prepared(eng, side, users);
      try {
        const p = await tofu(eng, dir, ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', ...PARALLELISM],
          serviceVars(users, '127.0.0.1', 5432, 'unused'));
        const planned = /Plan: (\d+) to add/.exec(p.out)?.[1];
        if (Number(planned) !== side.resources(users)) throw new Error(`${side.name} ${users}: expected ${side.resources(users)} to add, got ${planned}`);
        grantRuns.set(`plan-${side.name}-${users}`, p);
        rows.push([String(users), side.name, 'plan', f2(p.wall_s), cell(p, true), `${planned} to add`]);
        progress(`grants plan users=${users} ${side.name}: ${f2(p.wall_s)} s`);
      } finally {
        fs.rmSync(remove, { recursive: true, force: true });
      }
    }
  }
  const users = GRANTS_APPLY_USERS;
  for (const side of users > 0 ? GRANTS_SIDES : []) {
    const { dir, remove } = await prepared(eng, side, users);
    const cluster = await startCluster({ name: `bench-grants-${side.expert ?? side.kind}`, major: 17, mode: 'mst' });
    try {
      const apply = await tofu(eng, dir, ['apply', '-auto-approve', '-input=false', '-no-color', ...PARALLELISM],
        serviceVars(users, cluster.host, cluster.port, cluster.adminPassword));
      grantRuns.set(`apply-${side.name}-${users}`, apply);
      rows.push([String(users), side.name, 'apply', f2(apply.wall_s), cell(apply, true), `${side.resources(users)} created`]);
      progress(`grants apply users=${users} ${side.name}: ${f2(apply.wall_s)} s`);
    } finally {
      await stopCluster(cluster);
      fs.rmSync(remove, { recursive: true, force: true });
    }
  }
  table(['users', 'stack', 'step', 'wall s', 'CPU s', 'blocks'], rows);
}

const applies = new Map<string, { apply: EngineRun; refresh: EngineRun; runs: number }>();
const cell = (r?: EngineRun, cpu = false) => (r === undefined ? '–' : cpu ? (r.cpu_s === undefined ? '–' : f2(r.cpu_s)) : f2(r.wall_s));

/** One apply of `side` at `users` into a fresh cluster, then a no-op plan with refresh (every role read back). */
async function applyOnce(eng: Engine, side: Side, users: number): Promise<{ apply: EngineRun; refresh: EngineRun }> {
  const { dir, remove } = await prepared(eng, side, users);
  const cluster = await startCluster({ name: `bench-${side.expert ?? side.kind}`, major: 17, mode: 'mst' });
  try {
    const vars = serviceVars(users, cluster.host, cluster.port, cluster.adminPassword);
    const apply = await tofu(eng, dir, ['apply', '-auto-approve', '-input=false', '-no-color', ...PARALLELISM], vars);
    const made = (await roles(cluster)).length;
    if (made !== users) throw new Error(`${side.name} ${users}: the apply left ${made} roles in PostgreSQL, not ${users}`);
    const refresh = await tofu(eng, dir, ['plan', '-detailed-exitcode', '-input=false', '-no-color', ...PARALLELISM], vars, [0, 2]);
    if (refresh.code !== 0) throw new Error(`${side.name} ${users}: the plan after the apply is not empty:\n${refresh.out.slice(-3000)}`);
    return { apply, refresh };
  } finally {
    await stopCluster(cluster);
    fs.rmSync(remove, { recursive: true, force: true });
  }
}

/** The run with the median CPU time (wall time without /usr/bin/time); the lower middle of an even count. */
function medianRun(xs: EngineRun[]): EngineRun {
  const sorted = [...xs].sort((a, b) => (a.cpu_s ?? a.wall_s) - (b.cpu_s ?? b.wall_s));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function applyStep(eng: Engine): Promise<void> {
  const sides = [LIBRARY_SIDE, ...EXPERT_SIDES];
  for (const users of APPLY_USERS) {
    const runs = new Map<Side, Array<{ apply: EngineRun; refresh: EngineRun }>>(sides.map((s) => [s, []]));
    for (let r = 0; r < APPLY_REPS; r++) {
      // Every stack once; then the library and the derived expert stack (the best) again, in turns,
      // so that a busy moment of the machine weighs on both alike. Each figure is the median.
      const order = r === 0 ? sides : r % 2 === 1 ? [DERIVED_SIDE, LIBRARY_SIDE] : [LIBRARY_SIDE, DERIVED_SIDE];
      for (const side of order) {
        const run = await applyOnce(eng, side, users);
        runs.get(side)!.push(run);
        progress(`apply users=${users} ${side.name} (run ${runs.get(side)!.length}): ${f2(run.apply.wall_s)} s, refreshed plan ${f2(run.refresh.wall_s)} s`);
      }
    }
    for (const side of sides) {
      const xs = runs.get(side)!;
      applies.set(`${side.name}-${users}`, { apply: medianRun(xs.map((x) => x.apply)), refresh: medianRun(xs.map((x) => x.refresh)), runs: xs.length });
    }
  }
  // Side by side: one row per size and measure, one column per stack.
  const rows: string[][] = [];
  for (const users of APPLY_USERS) {
    const measures: Array<[string, (x: { apply: EngineRun; refresh: EngineRun; runs: number }) => string]> = [
      ['runs (each figure their median)', (x) => String(x.runs)],
      ['apply wall s', (x) => cell(x.apply)], ['apply CPU s', (x) => cell(x.apply, true)],
      ['no-op plan (refresh) wall s', (x) => cell(x.refresh)], ['no-op plan (refresh) CPU s', (x) => cell(x.refresh, true)],
    ];
    for (const [label, get] of measures) {
      rows.push([String(users), label, ...sides.map((s) => { const x = applies.get(`${s.name}-${users}`); return x ? get(x) : '–'; })]);
    }
  }
  table(['users', 'measure', ...sides.map((s) => s.name)], rows);
}

const floors = new Map<number, number>();

/** Passwords as the stacks make them: 32 letters and digits. */
function password(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(32), (b) => chars[b % chars.length]).join('');
}

/**
 * The floor any tool deploying these roles stands on: one session creating
 * them as `psql -f roles.sql` would, one statement at a time, each awaited
 * before the next is sent (psql sends a file's statements one by one).
 */
async function psqlFloorStep(): Promise<void> {
  const rows: string[][] = [];
  for (const users of APPLY_USERS) {
    checkDeadline();
    const statements = Array.from({ length: users }, (_, i) =>
      `CREATE ROLE ${username(i)} LOGIN${replicates(i) ? ' REPLICATION' : ''} PASSWORD '${password()}'`);
    const cluster = await startCluster({ name: 'bench-psql', major: 17, mode: 'mst' });
    try {
      const client = new Client({
        host: cluster.host, port: cluster.port, user: cluster.adminUser, password: cluster.adminPassword,
        database: cluster.database, ssl: false, query_timeout: ENGINE_TIMEOUT_S * 1000,
      });
      client.on('error', () => undefined);
      const t0 = Date.now();
      await client.connect();
      try {
        for (const statement of statements) await client.query(statement);
      } finally {
        await client.end().catch(() => undefined);
      }
      const wall = (Date.now() - t0) / 1000;
      const made = (await roles(cluster)).length;
      if (made !== users) throw new Error(`psql floor ${users}: ${made} roles in PostgreSQL, not ${users}`);
      floors.set(users, wall);
      rows.push([String(users), f2(wall), f2((wall * 1000) / users)]);
      progress(`psql floor users=${users}: ${f2(wall)} s`);
    } finally {
      await stopCluster(cluster);
    }
  }
  table(['users', 'psql floor wall s (one connection, one statement at a time)', 'ms per role'], rows);
}

let deployRun: (EngineRun & { users: number }) | undefined;

/** `cdktf deploy` of a fresh project, as a user runs it, timed from the command's start to its exit. */
async function deployStep(eng: Engine): Promise<void> {
  checkDeadline();
  const users = DEPLOY_USERS;
  const project = path.join(tmp, `deploy-${users}`);
  fs.mkdirSync(project);
  const shq = (x: string) => `'${x.replace(/'/g, `'\\''`)}'`;
  const app = `TS_NODE_PROJECT=${shq(path.join(ROOT, 'tsconfig.json'))} BENCH_LIBRARY=${shq(LIBRARY)} BENCH_DEPLOY_USERS=${users} `
    + `node -r ${shq(require.resolve('ts-node/register/transpile-only', { paths: [ROOT] }))} ${shq(path.join(__dirname, 'deploy-app.ts'))}`;
  fs.writeFileSync(path.join(project, 'cdktf.json'), JSON.stringify({
    language: 'typescript', app, output: 'cdktf.out', projectId: 'cdktf-mst-bench', sendCrashReports: 'false',
    terraformProviders: [], terraformModules: [], context: { 'cdktf-mst:sslmode': 'disable' },
  }, null, 2));
  const cluster = await startCluster({ name: 'bench-deploy', major: 17, mode: 'mst' });
  try {
    const vars = serviceVars(users, cluster.host, cluster.port, cluster.adminPassword);
    const cli = path.join(ROOT, 'node_modules', '.bin', 'cdktf');
    const args = ['deploy', 'bench', '--auto-approve', '--skip-provider-lock',
      ...(process.env.BENCH_PARALLELISM ? [`--parallelism=${Number(process.env.BENCH_PARALLELISM)}`] : [])];
    const r = await timed(cli, args, project, { ...eng.env, ...vars, FORCE_COLOR: '0' });
    if (r.timedOut) throw new Error(`cdktf deploy of ${users} users did not finish within ${ENGINE_TIMEOUT_S} s (BENCH_ENGINE_TIMEOUT_S)`);
    if (r.code !== 0) throw new Error(`cdktf deploy of ${users} users exited ${r.code}:\n${(r.out + r.stderr).slice(-4000)}`);
    const made = (await roles(cluster)).length;
    if (made !== users) throw new Error(`cdktf deploy of ${users} users left ${made} roles in PostgreSQL`);
    deployRun = { ...r, users };
    progress(`cdktf deploy users=${users}: ${f2(r.wall_s)} s`);
    table(['users', 'cdktf deploy wall s (synth + init + plan + apply)', 'CPU s (cdktf, app, tofu, providers)'],
      [[String(users), f2(r.wall_s), r.cpu_s === undefined ? '–' : f2(r.cpu_s)]]);
  } finally {
    await stopCluster(cluster);
  }
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  say(`bench: node ${process.version}, ${os.cpus().length} CPUs, load average ${load()} (1, 5, 15 min) at the start`);
  buildLibrary();
  // Pre-flight: validation really runs at app.synth() (a stack with an error must fail).
  child('selftest', 100);
  say('bench: pre-flight ok (a stack with an error fails app.synth())');

  const synth = synthStep();
  const eng = PLAN_USERS.length + APPLY_USERS.length > 0 || DEPLOY_USERS > 0 ? await engine() : undefined;
  if (eng) say(`bench: ${eng.summary.replace(/^engine: /, 'engine ').replace(/ into \S+$/, '')}${PARALLELISM.length ? `, ${PARALLELISM[0]}` : ''}`);
  if (eng && PLAN_USERS.length > 0) await planStep(eng);
  if (eng && APPLY_USERS.length > 0) await applyStep(eng);
  if (eng && PLAN_USERS.length > 0 && process.env.BENCH_GRANTS_STEP !== '0') await grantsStep(eng);
  if (APPLY_USERS.length > 0) await psqlFloorStep();
  if (eng && DEPLOY_USERS > 0) await deployStep(eng);

  const fields: string[] = [];
  const verdicts: string[] = [];
  /** A ratio against its target; `why` instead of a target for a figure shown for information. */
  const ratio = (name: string, a: number | undefined, b: number | undefined, target: number | string = 1.0) => {
    if (a === undefined || b === undefined) return;
    const r = a / b;
    fields.push(`${name}=${f2(r)}`);
    verdicts.push(`${name} ${f2(r)} (${typeof target === 'number' ? `target <= ${target}: ${r <= target ? 'met' : `NOT met, by ${f2(r - target)}`}` : `no target: ${target}`})`);
  };
  const suffix = (users: number, sizes: number[]) => (users === Math.max(...sizes) ? '' : `_${users / 1000}k`);

  // Synth: against the faster hand-written stack, TerraformIterator.
  for (const users of USERS) {
    const lib = synth.get(`library-${users}`)!;
    const it = synth.get(`iterator-${users}`)!;
    ratio(`synth_ratio${suffix(users, USERS)}`, lib.ms, it.ms);
    ratio(`synth_cpu_ratio${suffix(users, USERS)}`, lib.cpu, it.cpu);
  }

  // Plan: against the derived expert stack, and per-user L1 for information.
  const cpuOrWall = (r?: EngineRun) => r && (r.cpu_s ?? r.wall_s);
  for (const users of PLAN_USERS) {
    ratio(`plan_ratio${suffix(users, PLAN_USERS)}`, cpuOrWall(plans.get(`library-${users}`)), cpuOrWall(plans.get(`${DERIVED_SIDE.name}-${users}`)));
    ratio(`plan_wall_ratio${suffix(users, PLAN_USERS)}`, plans.get(`library-${users}`)?.wall_s, plans.get(`${DERIVED_SIDE.name}-${users}`)?.wall_s, 'wall time, beside the CPU ratio');
    ratio(`plan_ratio_raw${suffix(users, PLAN_USERS)}`, cpuOrWall(plans.get(`library-${users}`)), cpuOrWall(plans.get(`${RAW_SIDE.name}-${users}`)), 'against per-user L1 through cdktf');
  }
  const planAt = (side: Side, users: number) => cpuOrWall(plans.get(`${side.name}-${users}`));
  ratio('plan_growth_1k_3k', planAt(LIBRARY_SIDE, 3000), planAt(LIBRARY_SIDE, 1000), 3.3);
  ratio('plan_growth_expert_1k_3k', planAt(DERIVED_SIDE, 3000), planAt(DERIVED_SIDE, 1000), 'the derived expert stack\'s own growth');

  // Apply and the no-op plan with refresh: against the best of the three expert stacks at each size.
  const best = (users: number, pick: (x: { apply: EngineRun; refresh: EngineRun }) => EngineRun) => {
    const xs = EXPERT_SIDES.map((s) => ({ side: s, x: applies.get(`${s.name}-${users}`) }))
      .filter((e) => e.x !== undefined).map((e) => ({ side: e.side, v: cpuOrWall(pick(e.x!))! }));
    return xs.length === 0 ? undefined : xs.reduce((m, e) => (e.v < m.v ? e : m));
  };
  for (const users of APPLY_USERS) {
    const lib = applies.get(`library-${users}`);
    const sfx = suffix(users, APPLY_USERS);
    const ba = best(users, (x) => x.apply);
    const br = best(users, (x) => x.refresh);
    ratio(`apply_ratio_best${sfx}`, cpuOrWall(lib?.apply), ba?.v);
    if (ba) verdicts.push(`  (best expert apply at ${users}: ${ba.side.name})`);
    ratio(`noop_plan_ratio_best${sfx}`, cpuOrWall(lib?.refresh), br?.v);
    if (br) verdicts.push(`  (best expert no-op plan at ${users}: ${br.side.name})`);
    ratio(`apply_wall_ratio_derived${sfx}`, lib?.apply.wall_s, applies.get(`${DERIVED_SIDE.name}-${users}`)?.apply.wall_s, 'wall time against the derived expert stack');
  }
  const applyAt = (side: Side, users: number) => cpuOrWall(applies.get(`${side.name}-${users}`)?.apply);
  ratio('apply_growth_1k_3k', applyAt(LIBRARY_SIDE, 3000), applyAt(LIBRARY_SIDE, 1000), 3.3);
  const [lg, eg] = GRANTS_SIDES;
  for (const users of PLAN_USERS) {
    ratio(`grants_plan_ratio${suffix(users, PLAN_USERS)}`, cpuOrWall(grantRuns.get(`plan-${lg.name}-${users}`)), cpuOrWall(grantRuns.get(`plan-${eg.name}-${users}`)));
  }
  ratio('grants_plan_growth_1k_3k', cpuOrWall(grantRuns.get(`plan-${lg.name}-3000`)), cpuOrWall(grantRuns.get(`plan-${lg.name}-1000`)), 3.3);
  const ga = GRANTS_APPLY_USERS;
  ratio(`grants_apply_ratio_${ga / 1000}k`, cpuOrWall(grantRuns.get(`apply-${lg.name}-${ga}`)), cpuOrWall(grantRuns.get(`apply-${eg.name}-${ga}`)));
  ratio('apply_growth_expert_1k_3k', applyAt(DERIVED_SIDE, 3000), applyAt(DERIVED_SIDE, 1000), 'the derived expert stack\'s own growth');
  if (deployRun) {
    ratio(`apply_vs_psql${deployRun.users === 1000 ? '' : `_${deployRun.users}`}`, deployRun.wall_s, floors.get(deployRun.users), 5);
    ratio('apply_only_vs_psql', applies.get(`library-${deployRun.users}`)?.apply.wall_s, floors.get(deployRun.users), 'the library\'s tofu apply alone, wall');
  }

  say('targets:');
  say(verdicts.map((v) => `  ${v}`).join('\n'));
  say(`(engine ratios compare ${TIME ? 'CPU seconds of tofu and its providers' : 'wall seconds'}; apply_vs_psql compares wall seconds)`);
  say(`bench: load average ${load()} at the end`);
  // The synth figures of the largest size, when the synth step ran (BENCH_USERS may name none).
  const hi = USERS.length > 0 ? Math.max(...USERS) : undefined;
  const synthFields = hi === undefined ? [] : SYNTH_KINDS.flatMap((k) => {
    const x = synth.get(`${k}-${hi}`)!;
    return [`${k}_s=${s2(x.ms)}`, `${k}_peak_mb=${mb(x.peak)}`];
  });
  say(`bench: users=${hi ?? '-'} ${[...fields, ...synthFields].join(' ')}`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}).finally(() => {
  // The node_modules link first, so nothing can ever follow it into the repo.
  fs.rmSync(path.join(tmp, 'node_modules'), { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});
