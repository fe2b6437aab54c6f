/**
 * `npm run bench`: the scale benchmark of issue 5.
 *
 * It first compiles the library with the package's build config
 * (tsconfig.build.json) into a temporary directory: an app loads cdktf-mst as
 * compiled JS from node_modules, while its own TypeScript runs through ts-node,
 * and so do the children here. For each user count it runs, in fresh child
 * processes, the library stack and the hand-written stack, which never loads
 * cdktf-mst (alternating, so a busy machine slows both alike),
 * takes the median of the repetitions, times validateProjects on its own, and
 * prints a table and, last, the one-line summary. Outputs go to a temporary
 * directory that is removed afterwards; every child is killed after
 * BENCH_CHILD_TIMEOUT_S and the whole run stops after BENCH_DEADLINE_S.
 *
 * Environment: BENCH_USERS (default "1000,10000"), BENCH_REPS (default "5,3"),
 * BENCH_CHILD_TIMEOUT_S (default 180), BENCH_DEADLINE_S (default 900).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

interface Sample {
  kind: string;
  users: number;
  ms: number;
  build_ms?: number;
  synth_ms?: number;
  bytes?: number;
  peak_mb: number;
  process_ms: number;
  findings?: number;
  reps?: number;
}

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
const USERS = list('BENCH_USERS', '1000,10000');
const REPS = list('BENCH_REPS', '5,3');
const CHILD_TIMEOUT_S = Number(process.env.BENCH_CHILD_TIMEOUT_S ?? 180);
const DEADLINE = Date.now() + Number(process.env.BENCH_DEADLINE_S ?? 900) * 1000;
const CHILD = path.join(__dirname, 'child.ts');
const ROOT = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-bench-'));
const LIBRARY = path.join(tmp, 'lib');
let runs = 0;

/** `tsc -p tsconfig.build.json` into the temporary directory, which resolves packages from the repo's node_modules. */
function buildLibrary(): void {
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', LIBRARY, '--declaration', 'false'], {
    cwd: ROOT, encoding: 'utf8', timeout: CHILD_TIMEOUT_S * 1000, killSignal: 'SIGKILL',
  });
  if (r.error || r.status !== 0) throw new Error(`building the library failed:\n${r.stdout}${r.stderr}`);
}

function child(kind: string, users: number): Sample {
  if (Date.now() > DEADLINE) throw new Error(`deadline of BENCH_DEADLINE_S reached; stopping`);
  const outdir = path.join(tmp, `${kind}-${users}-${runs++}`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, kind, String(users), outdir], {
    cwd: ROOT,
    env: { ...process.env, BENCH_LIBRARY: LIBRARY },
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_S * 1000,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  const processMs = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (r.error || r.status !== 0) {
    throw new Error(`${kind} ${users} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}):\n${r.stderr}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return { ...JSON.parse(line), process_ms: processMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (n: number) => n.toFixed(0);

function main(): void {
  process.stdout.write(`bench: node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  buildLibrary();
  // Pre-flight: validation really runs at app.synth() (a stack with an error must fail).
  child('selftest', 100);
  process.stdout.write('bench: pre-flight ok (a stack with an error fails app.synth())\n');

  const rows: string[][] = [];
  const summary = new Map<string, { ms: number; peak: number }>();
  const validation = new Map<number, number>();
  USERS.forEach((users, idx) => {
    const reps = REPS[Math.min(idx, REPS.length - 1)];
    const samples: Record<string, Sample[]> = { library: [], raw: [] };
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? ['library', 'raw'] : ['raw', 'library'];
      for (const kind of order) samples[kind].push(child(kind, users));
      process.stderr.write(`  users=${users} rep ${r + 1}/${reps} done\n`);
    }
    for (const kind of ['library', 'raw']) {
      const xs = samples[kind];
      const ms = median(xs.map((x) => x.ms));
      const peak = median(xs.map((x) => x.peak_mb));
      summary.set(`${kind}-${users}`, { ms, peak });
      rows.push([
        String(users), kind, String(xs.length),
        s(median(xs.map((x) => x.build_ms!))), s(median(xs.map((x) => x.synth_ms!))), s(ms),
        `${s(Math.min(...xs.map((x) => x.ms)))}–${s(Math.max(...xs.map((x) => x.ms)))}`,
        s(median(xs.map((x) => x.process_ms))), mb(peak), (xs[0].bytes! / 1e6).toFixed(1),
      ]);
    }
    validation.set(users, child('validate', users).ms);
  });

  const head = ['users', 'stack', 'runs', 'build s', 'synth s', 'build+synth s', 'range s', 'process s', 'peak MB', 'cdk.tf.json MB'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`\n${fmt(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(fmt).join('\n')}\n\n`);
  for (const users of USERS) {
    const lib = summary.get(`library-${users}`)!;
    const raw = summary.get(`raw-${users}`)!;
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    process.stdout.write(`users=${users}: ratio library/raw ${(lib.ms / raw.ms).toFixed(2)} (target <= 1.0: ${met(lib.ms <= raw.ms)}), `
      + `peak ${mb(lib.peak)} MB vs ${mb(raw.peak)} MB (target library <= raw: ${met(Math.round(lib.peak) <= Math.round(raw.peak))})\n`);
  }
  const [lo, hi] = [Math.min(...USERS), Math.max(...USERS)];
  for (const users of USERS) process.stdout.write(`validateProjects alone, users=${users}: ${validation.get(users)!.toFixed(2)} ms\n`);
  if (lo !== hi) {
    const k = hi / lo;
    const nlogn = (hi * Math.log(hi)) / (lo * Math.log(lo));
    process.stdout.write(`validation growth ${lo} -> ${hi} users (x${k}): x${(validation.get(hi)! / validation.get(lo)!).toFixed(1)} (linear x${k}, n log n x${nlogn.toFixed(1)})\n`);
  }
  process.stdout.write(`load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const lib = summary.get(`library-${hi}`)!;
  const raw = summary.get(`raw-${hi}`)!;
  process.stdout.write(`bench: users=${hi} library_s=${s(lib.ms)} raw_s=${s(raw.ms)} ratio=${(lib.ms / raw.ms).toFixed(2)} library_peak_mb=${mb(lib.peak)} raw_peak_mb=${mb(raw.peak)}\n`);
}

try {
  main();
} finally {
  // The node_modules link first, so nothing can ever follow it into the repo.
  fs.rmSync(path.join(tmp, 'node_modules'), { force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
}
