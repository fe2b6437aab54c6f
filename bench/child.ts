/**
 * One measurement, in its own process: `child.ts <library|raw|validate> <users> <outdir>`.
 * Prints one JSON line on stdout. Imports are loaded before the clock starts,
 * so `ms` is the build + synth (or validation) alone; the parent times the
 * whole process separately.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App } from 'cdktf';
import { validateProjects } from '../src/domain/validate';
import { libraryStack, projectSpecs, rawStack, replicationUsers, serviceCount } from './stacks';

function fail(message: string): never {
  process.stderr.write(`bench child: ${message}\n`);
  process.exit(2);
}

const [kind, usersArg, outdir] = process.argv.slice(2);
const users = Number(usersArg);
if (!['library', 'raw', 'validate'].includes(kind) || !Number.isInteger(users) || users < 1) {
  fail('usage: child.ts <library|raw|validate> <users> [outdir]');
}

const result: Record<string, number | string> = { kind, users };

if (kind === 'validate') {
  // Validation on its own: the rules over the plain specs, no cdktf.
  const specs = projectSpecs(users);
  const reps = Math.max(3, Math.round(200_000 / users));
  validateProjects(specs); // warm-up (JIT)
  const times: number[] = [];
  let findings = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    findings = validateProjects(specs).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  if (findings !== replicationUsers(users)) fail(`expected ${replicationUsers(users)} findings, got ${findings}`);
  Object.assign(result, { ms: times[Math.floor(times.length / 2)], reps, findings });
} else {
  if (!outdir) fail('outdir missing');
  const t0 = performance.now();
  const app = new App({ outdir });
  if (kind === 'library') libraryStack(app, users); else rawStack(app, users);
  const t1 = performance.now();
  app.synth();
  const t2 = performance.now();
  // Peak memory of build + synth, taken before the checks below parse the output again.
  result.peak_mb = process.resourceUsage().maxRSS / 1024;
  const file = path.join(outdir, 'stacks', 'bench', 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const annotations: { level: string; message: string }[] = manifest.stacks.bench.annotations;
  // Proof the work was done: every user is in the output and, for the library,
  // the validations ran before the JSON was written (their annotations are in
  // the manifest: one acknowledged MST-USER-006 per replication user).
  if (kind === 'library') {
    const roles = Object.values(json.resource.postgresql_role as Record<string, { for_each: object }>)
      .reduce((n, r) => n + Object.keys(r.for_each).length, 0);
    if (roles !== users) fail(`expected ${users} roles, got ${roles}`);
    const acked = annotations.filter((a) => a.message.startsWith('MST-USER-006 (acknowledged')).length;
    if (acked !== replicationUsers(users) || annotations.length !== acked) {
      fail(`expected ${replicationUsers(users)} acknowledged MST-USER-006 annotations, got ${acked} of ${annotations.length}`);
    }
    const doc = json['//']['cdktf-mst'];
    if (doc.findings.length !== replicationUsers(users)) fail('access document findings do not match');
    if (doc.projects[0].services.length !== serviceCount(users)) fail('access document services do not match');
  } else {
    const roles = Object.keys(json.resource.postgresql_role).length;
    if (roles !== users) fail(`expected ${users} roles, got ${roles}`);
  }
  Object.assign(result, {
    ms: t2 - t0, build_ms: t1 - t0, synth_ms: t2 - t1,
    bytes: fs.statSync(file).size, annotations: annotations.length,
  });
}

result.peak_mb ??= process.resourceUsage().maxRSS / 1024;
result.uptime_ms = process.uptime() * 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);
