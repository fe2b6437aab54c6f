/**
 * One measurement, in its own process:
 *   child.ts library|iterator|raw <users> <outdir>   build + synth one stack
 *   child.ts validate <users>               validateProjects on the plain specs alone
 *   child.ts selftest <users> <outdir>      a library stack with an error must fail app.synth()
 * Prints one JSON line on stdout. Modules are loaded before the clock starts,
 * so `ms` is the build + synth (or validation) alone; the parent times the
 * whole process separately. `peak_mb` is the process's maximum resident set.
 */
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App } from 'cdktf';
import { replicationUsers, serviceCount } from './shapes';

function fail(message: string): never {
  process.stderr.write(`bench child: ${message}\n`);
  process.exit(2);
}

const [kind, usersArg, outdir] = process.argv.slice(2);
const users = Number(usersArg);
if (!['library', 'raw', 'iterator', 'validate', 'selftest'].includes(kind) || !Number.isInteger(users) || users < 1
  || (kind !== 'validate' && !outdir)) {
  fail('usage: child.ts library|raw|selftest <users> <outdir> | child.ts validate <users>');
}

// Each kind loads only what it needs: the raw stack never loads cdktf-mst, as a user's app would not.
const handWritten = kind === 'raw' || kind === 'iterator';
const lib = handWritten ? undefined : (require('./library') as typeof import('./library'));
const raw = kind === 'raw' ? (require('./raw') as typeof import('./raw')) : undefined;
const iterator = kind === 'iterator' ? (require('./iterator') as typeof import('./iterator')) : undefined;
const result: Record<string, number | string> = { kind, users };

if (kind === 'selftest') {
  // The benchmark means something only if app.synth() runs the validations: a
  // stack with one error (a case-insensitive username collision) must fail.
  const app = new App({ outdir });
  const project = lib!.libraryStack(app, users);
  project.services[0].addUser(project.services[0].users[1].username.toUpperCase());
  let message = '';
  try {
    app.synth();
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  if (!message.includes('MST-USER-002')) fail(`a stack with an error synthesized without MST-USER-002 (got: ${message || 'no error'})`);
  result.ms = 0;
} else if (kind === 'validate') {
  // The rules over the plain specs, no cdktf: the median of many runs after a warm-up.
  const specs = lib!.projectSpecs(users);
  const reps = Math.max(3, Math.round(200_000 / users));
  lib!.validateProjects(specs);
  const times: number[] = [];
  let findings = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    findings = lib!.validateProjects(specs).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  if (findings !== replicationUsers(users)) fail(`expected ${replicationUsers(users)} findings, got ${findings}`);
  Object.assign(result, { ms: times[Math.floor(times.length / 2)], reps, findings });
} else {
  // The plan and apply steps point the stacks at a local PostgreSQL without TLS (BENCH_SSLMODE).
  const context: Record<string, unknown> = {};
  if (process.env.BENCH_SSLMODE) context['cdktf-mst:sslmode'] = process.env.BENCH_SSLMODE;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const app = new App({ outdir, context });
  if (lib) lib.libraryStack(app, users); else if (raw) raw.rawStack(app, users); else iterator!.iteratorStack(app, users);
  const t1 = performance.now();
  app.synth();
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // Peak memory of build + synth, taken before the checks below parse the output again.
  result.peak_mb = process.resourceUsage().maxRSS / 1024;
  const file = path.join(outdir, 'stacks', 'bench', 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const annotations: { level: string; message: string }[] = manifest.stacks.bench.annotations;
  // Proof the work was done: every user is in the output and, for the library,
  // the validations ran before the JSON was written (their annotations are in
  // the manifest: the project-wide acknowledgement of MST-USER-006 covering
  // every replication user, printed once).
  const roles = Object.values(json.resource.postgresql_role as Record<string, { for_each?: object }>)
    .reduce((n, r) => n + (r.for_each ? Object.keys(r.for_each).length : 1), 0);
  if (roles !== users) fail(`expected ${users} roles, got ${roles}`);
  // Every stack, hand-written or not, has one password map output per service.
  if (Object.keys(json.output).length !== serviceCount(users)) fail(`expected ${serviceCount(users)} password outputs, got ${Object.keys(json.output).length}`);
  if (lib) {
    const replicas = replicationUsers(users);
    const expected = replicas === 1 ? 'MST-USER-006 (acknowledged' : `${replicas} findings at or below this path`;
    if (annotations.length !== 1 || !annotations[0].message.includes(expected)) {
      fail(`expected one annotation of the acknowledged MST-USER-006 (${expected}), got ${JSON.stringify(annotations.map((a) => a.message))}`);
    }
    const doc = json['//']['cdktf-mst'];
    if (doc.projects[0].services.length !== serviceCount(users)) fail('access document services do not match');
  }
  Object.assign(result, {
    ms: t2 - t0, build_ms: t1 - t0, synth_ms: t2 - t1, cpu_ms: (cpu.user + cpu.system) / 1000,
    bytes: fs.statSync(file).size, annotations: annotations.length,
  });
}

result.peak_mb ??= process.resourceUsage().maxRSS / 1024;
result.uptime_ms = process.uptime() * 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);
