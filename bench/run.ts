/**
 * `npm run bench`: the scale benchmark (issues 5 and 9), side by side on the
 * same users (1 project, 10 services, bench/shapes.ts):
 *
 * 1. synth, in fresh child processes: the library, hand-written per-user L1
 *    (bench/raw.ts) and hand-written `TerraformIterator` L1 (bench/iterator.ts),
 *    at BENCH_USERS (default 1,000 and 10,000); wall, CPU and peak memory;
 * 2. plan of a fresh stack (`plan -refresh=false`, no database needed) at
 *    BENCH_PLAN_USERS (default 1,000 and 3,000; BENCH_PLAN_10K=1 adds 10,000,
 *    minutes per side on 2 cores): the library's output, the same without its
 *    upgrade moves (a new project's setting), and the per-user L1 stack;
 * 3. apply, then a no-op plan with refresh, at BENCH_APPLY_USERS (default
 *    1,000) against a local PostgreSQL 17 (tools/sandbox/cluster.ts), one
 *    cluster per side; BENCH_APPLY=0 skips it.
 *
 * The library is compiled with tsconfig.build.json first: an app loads
 * cdktf-mst as compiled JS, its own code through ts-node, as the children do.
 * The engine is the repo's (tools/engine/build.sh, already built; ENGINE_DIR
 * picks another copy). Engine runs are timed with /usr/bin/time when present,
 * so CPU seconds (tofu and its provider processes) are reported beside wall
 * time: on a shared machine CPU time is the steadier figure. Every child and
 * engine run has a timeout and the whole run stops after BENCH_DEADLINE_S.
 * The last line is machine-readable and carries every ratio.
 *
 * Environment: BENCH_USERS ("1000,10000"), BENCH_REPS ("3,3"), BENCH_PLAN_USERS
 * ("1000,3000"), BENCH_PLAN_10K, BENCH_APPLY_USERS ("1000"), BENCH_APPLY,
 * BENCH_CHILD_TIMEOUT_S (180), BENCH_ENGINE_TIMEOUT_S (1200), BENCH_DEADLINE_S (5400).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startCluster, stopCluster } from '../tools/sandbox/cluster';
import { engine, Engine } from '../tools/local/engine';
import { cleanEnv, run } from '../tools/sandbox/process';
import { serviceCount, serviceName } from './shapes';

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
const APPLY_USERS = process.env.BENCH_APPLY === '0' ? [] : list('BENCH_APPLY_USERS', '1000');
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

/** Runs the engine in `dir`, timed; fails with its output unless it exits with one of `ok`. */
async function tofu(eng: Engine, dir: string, args: string[], vars: Record<string, string>, ok = [0]): Promise<EngineRun & { code: number }> {
  checkDeadline();
  const [cmd, argv] = TIME ? [TIME, ['-f', 'bench-time %e %U %S %M', eng.binary, ...args]] : [eng.binary, args];
  const t0 = Date.now();
  const r = await run(cmd, argv, {
    cwd: dir, env: cleanEnv({ ...eng.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...vars }), timeoutMs: ENGINE_TIMEOUT_S * 1000,
  });
  const wall = (Date.now() - t0) / 1000;
  const m = /bench-time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.timedOut) throw new Error(`${eng.binary} ${args[0]} in ${dir} did not finish within ${ENGINE_TIMEOUT_S} s (BENCH_ENGINE_TIMEOUT_S)`);
  if (!ok.includes(r.code)) throw new Error(`${eng.binary} ${args.join(' ')} exited ${r.code}:\n${(r.stderr || r.stdout).slice(-4000)}`);
  return { code: r.code, wall_s: wall, cpu_s: m ? Number(m[2]) + Number(m[3]) : undefined, peak_mb: m ? Number(m[4]) / 1024 : undefined, out: r.stdout };
}

/**
 * The sides the engine steps compare: the library (default), the library with
 * the moved blocks of the one deploy that upgrades a stack from 0.1
 * (`cdktf-mst:upgradeMoves`), and hand-written per-user L1.
 */
const PLAN_SIDES: Array<{ name: string; kind: string; env?: Record<string, string> }> = [
  { name: 'library', kind: 'library' },
  { name: 'library, upgrade moves', kind: 'library', env: { BENCH_UPGRADE_MOVES: 'true' } },
  { name: 'per-user L1', kind: 'raw' },
];

/** Synthesizes a side and runs `init` in its stack directory. */
async function prepared(eng: Engine, side: { kind: string; env?: Record<string, string> }, users: number): Promise<string> {
  const { outdir } = child(side.kind, users, { keep: true, env: { BENCH_SSLMODE: 'disable', ...side.env } });
  const dir = path.join(outdir, 'stacks', 'bench');
  await tofu(eng, dir, ['init', '-input=false', '-no-color'], {});
  return dir;
}

const plans = new Map<string, EngineRun>();

async function planStep(eng: Engine): Promise<void> {
  const rows: string[][] = [];
  for (const users of PLAN_USERS) {
    for (const side of PLAN_SIDES) {
      const dir = await prepared(eng, side, users);
      const p = await tofu(eng, dir, ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=bench.plan'],
        serviceVars(users, '127.0.0.1', 5432, 'unused'));
      const planned = /Plan: (\d+) to add/.exec(p.out)?.[1];
      const moves = (p.out.match(/has moved to/g) ?? []).length;
      if (Number(planned) !== 2 * users || moves !== 0) throw new Error(`${side.name} ${users}: expected ${2 * users} to add and no move, got ${planned} and ${moves}`);
      plans.set(`${side.name}-${users}`, p);
      rows.push([String(users), side.name, f2(p.wall_s), p.cpu_s === undefined ? '–' : f2(p.cpu_s), p.peak_mb === undefined ? '–' : mb(p.peak_mb), `${planned} to add`]);
      progress(`plan users=${users} ${side.name}: ${f2(p.wall_s)} s`);
      fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
    }
  }
  table(['users', 'stack', 'plan wall s', 'plan CPU s', 'tofu peak MB', 'plan'], rows);
}

const applies = new Map<string, { apply: EngineRun; refresh: EngineRun }>();

async function applyStep(eng: Engine): Promise<void> {
  const rows: string[][] = [];
  for (const users of APPLY_USERS) {
    for (const side of [PLAN_SIDES[0], PLAN_SIDES[2]]) {
      const dir = await prepared(eng, side, users);
      const cluster = await startCluster({ name: `bench-${side.kind}`, major: 17, mode: 'mst' });
      try {
        const vars = serviceVars(users, cluster.host, cluster.port, cluster.adminPassword);
        const apply = await tofu(eng, dir, ['apply', '-auto-approve', '-input=false', '-no-color'], vars);
        // A no-op plan with refresh: every role is read back from PostgreSQL.
        const refresh = await tofu(eng, dir, ['plan', '-detailed-exitcode', '-input=false', '-no-color'], vars, [0, 2]);
        if (refresh.code !== 0) throw new Error(`${side.name} ${users}: the plan after the apply is not empty:\n${refresh.out.slice(-3000)}`);
        applies.set(`${side.name}-${users}`, { apply, refresh });
        rows.push([String(users), side.name, f2(apply.wall_s), apply.cpu_s === undefined ? '–' : f2(apply.cpu_s), f2(refresh.wall_s), refresh.cpu_s === undefined ? '–' : f2(refresh.cpu_s)]);
        progress(`apply users=${users} ${side.name}: ${f2(apply.wall_s)} s, refreshed plan ${f2(refresh.wall_s)} s`);
      } finally {
        await stopCluster(cluster);
        fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
      }
    }
  }
  table(['users', 'stack', 'apply wall s', 'apply CPU s', 'no-op plan (refresh) wall s', 'no-op plan CPU s'], rows);
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  say(`bench: node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  buildLibrary();
  // Pre-flight: validation really runs at app.synth() (a stack with an error must fail).
  child('selftest', 100);
  say('bench: pre-flight ok (a stack with an error fails app.synth())');

  const synth = synthStep();
  const eng = PLAN_USERS.length + APPLY_USERS.length > 0 ? await engine() : undefined;
  if (eng) say(`bench: ${eng.summary.replace(/^engine: /, 'engine ')}`);
  if (eng && PLAN_USERS.length > 0) await planStep(eng);
  if (eng && APPLY_USERS.length > 0) await applyStep(eng);

  // Ratios: synth against the faster hand-written stack (TerraformIterator), plan and apply against per-user L1.
  const fields: string[] = [];
  const hi = Math.max(...USERS);
  const met: string[] = [];
  /** A ratio against its target; `why` instead of a target for a figure shown for information. */
  const ratio = (name: string, a: number | undefined, b: number | undefined, target: number | string = 1.0) => {
    if (a === undefined || b === undefined) return;
    const r = a / b;
    fields.push(`${name}=${f2(r)}`);
    met.push(`${name} ${f2(r)} (${typeof target === 'number' ? `target <= ${target}: ${r <= target ? 'met' : 'NOT met'}` : `no target: ${target}`})`);
  };
  for (const users of USERS) {
    const lib = synth.get(`library-${users}`)!;
    const best = [synth.get(`iterator-${users}`)!, synth.get(`raw-${users}`)!].reduce((a, b) => (a.ms <= b.ms ? a : b));
    ratio(users === hi ? 'synth_ratio' : `synth_ratio_${users / 1000}k`, lib.ms, best.ms);
    ratio(users === hi ? 'synth_cpu_ratio' : `synth_cpu_ratio_${users / 1000}k`, lib.cpu, synth.get(`iterator-${users}`)!.cpu);
  }
  const cpuOrWall = (r?: EngineRun) => r && (r.cpu_s ?? r.wall_s);
  const planHi = Math.max(...PLAN_USERS);
  for (const users of PLAN_USERS) {
    const suffix = users === planHi ? '' : `_${users / 1000}k`;
    ratio(`plan_ratio${suffix}`, cpuOrWall(plans.get(`library-${users}`)), cpuOrWall(plans.get(`per-user L1-${users}`)));
    ratio(`plan_ratio_moves${suffix}`, cpuOrWall(plans.get(`library, upgrade moves-${users}`)), cpuOrWall(plans.get(`per-user L1-${users}`)));
    ratio(`plan_wall_ratio${suffix}`, plans.get(`library-${users}`)?.wall_s, plans.get(`per-user L1-${users}`)?.wall_s);
  }
  const [p1, p3] = [1000, 3000].map((u) => cpuOrWall(plans.get(`library-${u}`)));
  const [q1, q3] = [1000, 3000].map((u) => cpuOrWall(plans.get(`library, upgrade moves-${u}`)));
  const [r1, r3] = [1000, 3000].map((u) => cpuOrWall(plans.get(`per-user L1-${u}`)));
  ratio('plan_growth_1k_3k', p3, p1, 3.3);
  ratio('plan_growth_moves_1k_3k', q3, q1, 'the one deploy that upgrades from 0.1; the engine checks moved blocks pairwise');
  ratio('plan_growth_raw_1k_3k', r3, r1, 'the hand-written baseline\'s own growth');
  for (const users of APPLY_USERS) {
    const lib = applies.get(`library-${users}`);
    const raw = applies.get(`per-user L1-${users}`);
    ratio(`apply_ratio_${users / 1000}k`, cpuOrWall(lib?.apply), cpuOrWall(raw?.apply));
    ratio(`apply_wall_ratio_${users / 1000}k`, lib?.apply.wall_s, raw?.apply.wall_s);
    ratio(`refresh_ratio_${users / 1000}k`, cpuOrWall(lib?.refresh), cpuOrWall(raw?.refresh));
  }
  say(met.join('\n'));
  say(`(engine ratios compare ${TIME ? 'CPU seconds of tofu and its providers' : 'wall seconds'}; wall ratios beside them)`);
  say(`load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const peak = (k: string) => synth.get(`${k}-${hi}`)!.peak;
  say(`bench: users=${hi} ${fields.join(' ')} library_s=${s2(synth.get(`library-${hi}`)!.ms)} iterator_s=${s2(synth.get(`iterator-${hi}`)!.ms)} `
    + `raw_s=${s2(synth.get(`raw-${hi}`)!.ms)} library_peak_mb=${mb(peak('library'))} iterator_peak_mb=${mb(peak('iterator'))} raw_peak_mb=${mb(peak('raw'))}`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}).finally(() => {
  // The node_modules link first, so nothing can ever follow it into the repo.
  fs.rmSync(path.join(tmp, 'node_modules'), { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});
