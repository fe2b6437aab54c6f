/**
 * `npm run bench:synth`: how long `npx cdktf synth` of the example takes, cold
 * (a fresh CLI and app process each time; ts-node keeps no cache between
 * runs), for each way of running the app with ts-node. Also times the app
 * command alone, so the CLI's own share shows. Output goes to temporary
 * directories; cdktf.json is not touched (the app is passed with --app).
 *
 * Environment: SYNTH_REPS (default 3), SYNTH_EXAMPLE (default examples/typed/main.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPS = Number(process.env.SYNTH_REPS ?? 3);
const EXAMPLE = process.env.SYNTH_EXAMPLE ?? 'examples/typed/main.ts';
const ROOT = path.join(__dirname, '..');
const TIMEOUT_MS = 180_000;

interface Candidate { label: string; app: string; env?: Record<string, string>; needsSwc?: boolean }
const candidates: Candidate[] = [
  { label: 'npx ts-node --transpile-only (current cdktf.json)', app: `npx ts-node --transpile-only ${EXAMPLE}` },
  { label: 'npx ts-node (type-checks)', app: `npx ts-node ${EXAMPLE}` },
  { label: 'node -r ts-node/register/transpile-only', app: `node -r ts-node/register/transpile-only ${EXAMPLE}` },
  { label: 'npx ts-node --swc', app: `npx ts-node --swc ${EXAMPLE}`, needsSwc: true },
  // ts-node has no environment variable for swc; its bin run by node skips npx as `node -r` does.
  { label: 'node node_modules/ts-node/dist/bin.js --swc', app: `node node_modules/ts-node/dist/bin.js --swc ${EXAMPLE}`, needsSwc: true },
];

function hasSwc(): boolean {
  try {
    require.resolve('@swc/core', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

function timed(command: string, env: Record<string, string>, outdir: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, { cwd: ROOT, shell: true, encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', env: { ...process.env, ...env } });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = path.join(outdir, 'stacks');
  if (r.status !== 0 || !fs.existsSync(out) || fs.readdirSync(out).length === 0) {
    throw new Error(`"${command}" failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-synth-'));
  const swc = hasSwc();
  const active = candidates.filter((c) => swc || !c.needsSwc);
  const results = new Map<Candidate, { cli: number[]; app: number[] }>(active.map((c) => [c, { cli: [], app: [] }]));
  try {
    for (let r = 0; r < REPS; r++) {
      for (const c of r % 2 ? [...active].reverse() : active) {
        const out = path.join(tmp, `out-${r}`);
        results.get(c)!.cli.push(timed(`npx cdktf synth --app "${c.app}" --output "${out}"`, c.env ?? {}, out));
        results.get(c)!.app.push(timed(c.app, { ...c.env, CDKTF_OUTDIR: out }, out));
      }
      process.stderr.write(`  rep ${r + 1}/${REPS} done\n`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const rows = active.map((c) => {
    const { cli, app } = results.get(c)!;
    return [c.label, median(cli).toFixed(2), median(app).toFixed(2), `${Math.min(...cli).toFixed(2)}–${Math.max(...cli).toFixed(2)}`];
  });
  const head = ['app command', 'npx cdktf synth s', 'app alone s', 'cdktf synth range s'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => `| ${r.map((x, i) => x.padEnd(w[i])).join(' | ')} |`;
  process.stdout.write(`synth of ${EXAMPLE}, median of ${REPS}, node ${process.version}, ${os.cpus().length} CPUs\n`);
  process.stdout.write(`${fmt(head)}\n|${w.map((x) => '-'.repeat(x + 2)).join('|')}|\n${rows.map(fmt).join('\n')}\n`);
  if (!swc) process.stdout.write('(@swc/core is not installed: the ts-node --swc candidates were skipped)\n');
  const best = [...active].sort((a, b) => median(results.get(a)!.cli) - median(results.get(b)!.cli))[0];
  process.stdout.write(`fastest: ${best.app}${best.env ? ` (with ${Object.entries(best.env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}\n`);
}

main();
