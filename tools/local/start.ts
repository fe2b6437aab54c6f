/**
 * `npm start [-- FILE]`: deploys the example stack (or the manifest FILE) into
 * local PostgreSQL clusters with the real `cdktf deploy`, then prints how to
 * reach each service and its users as PostgreSQL reports them.
 *
 *   1. engine    tools/engine/build.sh (built once, then cached)
 *   2. synth     `cdktf synth` in .mst-local/ (its cdktf.json sets sslmode=disable: local clusters have no TLS)
 *   3. clusters  one per service, on the shipped major matching its postgresVersion,
 *                MST-like admin unless the service declares a superuser admin; reused when already running
 *   4. deploy    `cdktf deploy --auto-approve --skip-provider-lock`
 *   5. report    pg_roles of each declared user, and the command that shows its password
 *
 * A failure prints one line naming the step and the fix, stops the clusters and
 * removes .mst-local/, so nothing is left running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SSLMODE_CONTEXT } from '../../src';
import { ServiceSpec } from '../../src/domain/model';
import { servicePasswordsOutputName, userKey, userPasswordOutputName } from '../../src/domain/conventions';
import { ClusterInfo, SandboxError, isRunning, majorFor, readState, startCluster, stopRecorded } from '../sandbox/cluster';
import { RunResult, cleanEnv, run } from '../sandbox/process';
import { synthesizedStacks } from '../../src/report/input';
import { runEngine, roles, serviceVariables, servicesIn } from './deploy';
import { diagnose, readStack } from './diagnose';
import { Engine, engine } from './engine';
import { LOCAL_DIR, REPO_ROOT, StepError, relative, removeLocal } from './local';

async function main(argv: string[]): Promise<void> {
  if (argv.length > 1 || argv.some((a) => a.startsWith('-'))) {
    throw new StepError('arguments', `unexpected arguments "${argv.join(' ')}"`, 'run `npm start` or `npm start -- path/to/manifest.yaml`');
  }
  const manifest = argv[0] && path.resolve(argv[0]);
  if (manifest && !fs.existsSync(manifest)) {
    throw new StepError('arguments', `manifest ${argv[0]} does not exist`, 'give the path of a YAML or JSON manifest');
  }

  const eng = await step('engine', 'see the engine line above; tools/engine/build.sh runs it alone', () =>
    engine((line) => console.log(line)));

  fs.mkdirSync(LOCAL_DIR, { recursive: true });
  fs.writeFileSync(path.join(LOCAL_DIR, '.gitignore'), '*\n');
  // Absolute paths: cdktf runs the app in .mst-local/, which may live outside the checkout (MST_LOCAL_DIR).
  const node = `TS_NODE_PROJECT=${shellQuote(path.join(REPO_ROOT, 'tsconfig.json'))} node -r ${shellQuote(require.resolve('ts-node/register/transpile-only'))}`;
  const app = manifest
    ? `MST_MANIFEST=${shellQuote(manifest)} ${node} ${shellQuote(path.join(REPO_ROOT, 'examples/manifest/main.ts'))}`
    : `${node} ${shellQuote(path.join(REPO_ROOT, 'examples/typed/main.ts'))}`;
  fs.writeFileSync(path.join(LOCAL_DIR, 'cdktf.json'), `${JSON.stringify({
    language: 'typescript', app, output: 'cdktf.out', projectId: 'cdktf-mst-local', sendCrashReports: 'false',
    terraformProviders: [], terraformModules: [], context: { [SSLMODE_CONTEXT]: 'disable' },
  }, null, 2)}\n`);

  console.log(`start: synthesizing ${manifest ? relative(manifest) : 'examples/typed/main.ts'}`);
  await cdktf(eng, ['synth'], 'synth', 'fix the findings printed above and run npm start again');
  const stacks = stackDirs();
  const services = stacks.flatMap((s) => servicesIn(s.dir));

  const clusters = new Map<string, ClusterInfo>();
  await step('clusters', 'see the cluster error above; `npm stop` clears what is left', async () => {
    const recorded = readState();
    for (const service of services) {
      const name = clusterName(service);
      const major = majorFor(service.postgresVersion);
      const mode = service.adminIsSuperuser ? 'superuser' : 'mst';
      const existing = recorded.find((c) => c.name === name);
      if (existing && existing.major === major && existing.mode === mode && await isRunning(existing)) {
        console.log(`start: reusing cluster ${name} (PostgreSQL ${major}, port ${existing.port})`);
        clusters.set(service.name, existing);
        continue;
      }
      if (existing) await stopRecorded(name);
      console.log(`start: starting cluster ${name} (PostgreSQL ${major}, ${mode === 'mst' ? 'MST-like' : 'superuser'} admin)`);
      clusters.set(service.name, await startCluster({ name, major, mode, record: true }));
    }
  });

  const vars = Object.assign({}, ...services.map((s) => serviceVariables(s, clusters.get(s.name)!)));
  console.log(`start: deploying ${stacks.map((s) => s.name).join(', ')} with cdktf deploy (${eng.binary})`);
  // A failed deploy is named by service and cause (diagnose.ts), not by the first of many per-user errors.
  const explain = (output: string): string | undefined => {
    try {
      return stacks.flatMap((s) => diagnose(output, readStack(s.dir))).join('; ') || undefined;
    } catch {
      return undefined; // fall back to the engine's first error
    }
  };
  await cdktf(eng, ['deploy', ...stacks.map((s) => s.name), '--auto-approve', '--skip-provider-lock', '--skip-synth'],
    'deploy', 'read the engine error above; `npm stop` then `npm start` starts from scratch', vars, explain);

  writePgpass(clusters);
  console.log('');
  for (const stack of stacks) {
    const outputs = await outputNames(eng, stack.dir);
    for (const service of servicesIn(stack.dir)) {
      const c = clusters.get(service.name)!;
      console.log(`service ${service.name}: postgres://${c.adminUser}@${c.host}:${c.port}/${c.database}?sslmode=disable`
        + ` (PostgreSQL ${c.major}, ${c.mode === 'mst' ? 'MST-like' : 'superuser'} admin)`);
      const actual = new Map((await roles(c)).map((r) => [r.name, r]));
      for (const user of service.users) {
        const r = actual.get(user.username);
        const attrs = r ? `login ${r.login ? 'yes' : 'no'}, replication ${r.replication ? 'yes' : 'no'}` : 'MISSING from pg_roles';
        console.log(`  user ${user.username}: ${attrs}`);
      }
      for (const user of service.users) {
        const output = userPasswordOutputName(service.name, user.username);
        const map = servicePasswordsOutputName(service.name);
        if (outputs.includes(output)) {
          console.log(`  password of ${user.username}: ${engineCommand(eng, stack.dir, `output -raw ${output}`)}`);
        } else if (user.password.kind === 'generated' && outputs.includes(map)) {
          console.log(`  password of ${user.username}: ${engineCommand(eng, stack.dir, `output -json ${map}`)} (key ${userKey(user.username)})`);
        } else if (user.password.kind === 'variable') {
          console.log(`  password of ${user.username}: the variable ${user.password.name}`);
        }
      }
    }
  }
  console.log(`\nadmin passwords: ${relative(path.join(LOCAL_DIR, 'pgpass'))} (psql reads it with PGPASSFILE=${relative(path.join(LOCAL_DIR, 'pgpass'))})`);
  console.log('start: done; edit the stack and run npm start again to redeploy, npm stop to remove everything');
}

/** Runs one step; an error becomes a StepError naming the step and the fix. */
async function step<T>(name: string, fix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StepError) throw err;
    const message = err instanceof SandboxError ? err.summary : (err as Error).message;
    throw new StepError(name, message.split('\n')[0], fix);
  }
}

/** Runs the repository's cdktf CLI in .mst-local/, streaming its output. */
async function cdktf(
  eng: Engine, args: string[], name: string, fix: string, vars: Record<string, string> = {},
  explain?: (output: string) => string | undefined,
): Promise<RunResult> {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdktf');
  const r = await run(bin, args, {
    cwd: LOCAL_DIR, timeoutMs: 30 * 60_000,
    env: cleanEnv({ ...eng.env, ...vars, FORCE_COLOR: '0' }),
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  if (r.code !== 0) {
    const out = `${r.stdout}\n${r.stderr}`;
    const reason = explain?.(out) ?? /Error: (.*)/.exec(out)?.[1]?.trim() ?? (r.timedOut ? 'timed out' : `cdktf ${args[0]} exited ${r.code}`);
    throw new StepError(name, reason, fix);
  }
  return r;
}

function stackDirs(): { name: string; dir: string }[] {
  const stacks = synthesizedStacks(path.join(LOCAL_DIR, 'cdktf.out'));
  if (!stacks) throw new Error('cdktf synth wrote no manifest.json into .mst-local/cdktf.out');
  return stacks.map(({ name, file }) => ({ name, dir: path.dirname(file) }));
}

/** Names of the stack's outputs; the values (passwords among them) are never read here. */
async function outputNames(eng: Engine, dir: string): Promise<string[]> {
  const r = await runEngine(eng, dir, ['output', '-json'], {}, { timeoutMs: 60_000 });
  if (r.code !== 0) return [];
  return Object.keys(JSON.parse(r.stdout || '{}') as Record<string, unknown>);
}

function engineCommand(eng: Engine, dir: string, args: string): string {
  const envFile = eng.env.ENGINE_DIR ? `source ${shellQuote(path.join(eng.env.ENGINE_DIR, 'env.sh'))} && ` : '';
  return `${envFile}${eng.binary} -chdir=${shellQuote(relative(dir))} ${args}`;
}

/** Admin passwords for psql, 0600, outside the printed output. */
function writePgpass(clusters: Map<string, ClusterInfo>): void {
  const lines = [...clusters.values()].map((c) => `${c.host}:${c.port}:*:${c.adminUser}:${c.adminPassword}`);
  fs.writeFileSync(path.join(LOCAL_DIR, 'pgpass'), `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** Cluster names allow 40 of [A-Za-z0-9_-]; service names are [a-z0-9-] up to 63. */
function clusterName(service: ServiceSpec): string {
  return service.name.slice(0, 40);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

main(process.argv.slice(2)).catch(async (err: unknown) => {
  const e = err instanceof StepError ? err : new StepError('start', (err as Error).message.split('\n')[0], 'run npm stop, then npm start');
  console.error(`start: FAILED at ${e.step}: ${e.reason}; ${e.fix}`);
  await removeLocal().catch(() => undefined);
  process.exit(1);
});
