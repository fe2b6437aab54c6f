/**
 * `npm start [-- FILE]`: deploys the example stack (or the manifest FILE) into
 * local PostgreSQL clusters with the real `cdktf deploy`, then prints how to
 * reach each service and its users as PostgreSQL reports them.
 *
 *   1. engine    tools/engine/build.sh (built once, then cached)
 *   2. synth     `cdktf synth` in .mst-local/ (its cdktf.json sets sslmode=disable: local clusters have no TLS)
 *   3. clusters  one per service, on the shipped major matching its postgresVersion,
 *                MST-like admin unless the service declares a superuser admin; reused when already running
 *   4. mst-api   when a project connects to MST's API: the local MST (tools/local/mst-api.ts), serving
 *                its services on their clusters, until `npm stop`
 *   5. deploy    `cdktf deploy --auto-approve --skip-provider-lock` (with AIVEN_WEB_URL and AIVEN_TOKEN
 *                pointing the aiven provider at the local MST)
 *   6. report    per MST API project, what the console's User management page lists (members and their
 *                roles, pending invitations); per service, its users (from the service's Users tab on the
 *                MST API backend, from pg_roles otherwise) and the one command that prints each password
 *
 * A failure prints one line naming the step and the fix, stops the local MST and
 * the clusters and removes .mst-local/, so nothing is left running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SSLMODE_CONTEXT } from '../../src';
import { ProjectSpec, ServiceSpec, UserSpec } from '../../src/domain/model';
import { servicePasswordsOutputName, userPasswordOutputName } from '../../src/domain/conventions';
import { ClusterInfo, SandboxError, isRunning, majorFor, readState, startCluster, stopRecorded } from '../sandbox/cluster';
import { RunResult, cleanEnv, run } from '../sandbox/process';
import { readAccessInput, synthesizedStacks } from '../../src/report/input';
import { runEngine, roles, serviceVariables, servicesIn } from './deploy';
import { diagnose, readStack } from './diagnose';
import { Engine, engine } from './engine';
import { LOCAL_DIR, MST_API_DIR, REPO_ROOT, StepError, relative, removeLocal } from './local';
import { LocalApi, serviceUsers, startLocalApi, userManagement } from './mst-api';

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

  const projects = stacks.flatMap((s) => readAccessInput(s.dir).projects);
  const api = await step('mst-api', `see ${relative(path.join(MST_API_DIR, 'server.log'))}; \`npm stop\` clears what is left`, async () => {
    const started = await startLocalApi(projects, clusters);
    if (started) console.log(`start: local MST serving ${projects.filter((p) => p.mstApi).map((p) => p.name).join(', ')} at ${started.url}`);
    return started;
  });

  const vars = Object.assign({}, ...services.map((s) => serviceVariables(s, clusters.get(s.name)!)), api?.env ?? {});
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
    for (const project of readAccessInput(stack.dir).projects) {
      if (project.mstApi && api) await printUserManagement(api, project);
      for (const service of project.services) {
        const c = clusters.get(service.name)!;
        const onApi = service.backend === 'mst-api' && api !== undefined;
        console.log(`service ${service.name}: postgres://${c.adminUser}@${c.host}:${c.port}/${c.database}?sslmode=disable`
          + ` (PostgreSQL ${c.major}, ${c.mode === 'mst' ? 'MST-like' : 'superuser'} admin${onApi ? `; users through the MST API of project ${project.name}` : ''})`);
        if (onApi) {
          const listed = new Map((await serviceUsers(api, project.name, service.name)).filter((u) => u.type !== 'primary').map((u) => [u.username, u]));
          for (const user of service.users) {
            const u = listed.get(user.username);
            console.log(`  user ${user.username}: ${u ? `replication ${u.replication ? 'yes' : 'no'}` : 'MISSING from the service\'s users'}`);
          }
        } else {
          const actual = new Map((await roles(c)).map((r) => [r.name, r]));
          for (const user of service.users) {
            const r = actual.get(user.username);
            const attrs = r ? `login ${r.login ? 'yes' : 'no'}, replication ${r.replication ? 'yes' : 'no'}` : 'MISSING from pg_roles';
            console.log(`  user ${user.username}: ${attrs}`);
          }
        }
        for (const user of service.users) {
          const how = passwordHint(eng, stack.dir, outputs, service, user);
          if (how) console.log(`  password of ${user.username}: ${how}`);
        }
      }
    }
  }
  if (api) {
    console.log(`\nlocal MST: ${api.url} until npm stop; to run cdktf or tofu against it yourself: `
      + `export AIVEN_WEB_URL=${api.url} AIVEN_TOKEN="$(cat ${shellQuote(relative(api.tokenFile))})"`);
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
  const out = annotationsOnce();
  const r = await run(bin, args, {
    cwd: LOCAL_DIR, timeoutMs: 30 * 60_000,
    env: cleanEnv({ ...eng.env, ...vars, FORCE_COLOR: '0' }),
    onOutput: out.write,
  });
  out.end();
  if (r.code !== 0) {
    const out = `${r.stdout}\n${r.stderr}`;
    const reason = explain?.(out) ?? /Error: (.*)/.exec(out)?.[1]?.trim() ?? (r.timedOut ? 'timed out' : `cdktf ${args[0]} exited ${r.code}`);
    throw new StepError(name, reason, fix);
  }
  return r;
}

/** Annotation lines printed so far (`INFO [path]: …`, `WARN [path]: …`), without terminal control sequences. */
const printedAnnotations = new Set<string>();

/**
 * Writes the CLI's output through, line by line, leaving out an annotation
 * already printed: `cdktf deploy --skip-synth` prints the annotations of the
 * synth it reuses, which `cdktf synth` has just printed.
 */
function annotationsOnce(): { write: (chunk: string) => void; end: () => void } {
  let pending = '';
  const emit = (line: string) => {
    const annotation = /\b(?:INFO|WARN|WARNING|ERROR) \[[^\]]*\]: .*/.exec(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''))?.[0];
    if (annotation !== undefined && printedAnnotations.has(annotation)) return;
    if (annotation !== undefined) printedAnnotations.add(annotation);
    process.stdout.write(line);
  };
  return {
    write: (chunk) => {
      const lines = (pending + chunk).split(/(?<=\n)/);
      pending = lines[lines.length - 1].endsWith('\n') ? '' : lines.pop()!;
      for (const line of lines) emit(line);
    },
    end: () => { if (pending) emit(pending); pending = ''; },
  };
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

/**
 * How to see a user's password: for a generated one, a command that prints it alone
 * (`tofu output -json` piped to `cdktf-mst password`, so no other user's password shows);
 * for one from a variable, that variable.
 */
function passwordHint(eng: Engine, dir: string, outputs: readonly string[], service: ServiceSpec, user: UserSpec): string | undefined {
  if (user.password.kind === 'variable') return `the variable ${user.password.name}`;
  if (user.password.kind !== 'generated') return undefined;
  const own = userPasswordOutputName(service.name, user.username);
  if (!outputs.includes(own) && !outputs.includes(servicePasswordsOutputName(service.name))) return undefined;
  const cli = `node ${shellQuote(relative(path.join(REPO_ROOT, 'bin', 'cdktf-mst.js')))}`;
  return `${engineCommand(eng, dir, 'output -json')} | ${cli} password ${shellQuote(service.name)} ${shellQuote(user.username)}`;
}

function engineCommand(eng: Engine, dir: string, args: string): string {
  const envFile = eng.env.ENGINE_DIR ? `source ${shellQuote(path.join(eng.env.ENGINE_DIR, 'env.sh'))} && ` : '';
  return `${envFile}${eng.binary} -chdir=${shellQuote(relative(dir))} ${args}`;
}

/** The project's members with their roles and its pending invitations, as the console's User management page lists them. */
async function printUserManagement(api: LocalApi, project: ProjectSpec): Promise<void> {
  const { members, invitations } = await userManagement(api, project.name);
  console.log(`project ${project.name}: organization ${project.mstApi!.organizationId} on the local MST, User management:`);
  for (const m of members) console.log(`  member ${m.email}: ${m.role}`);
  for (const i of invitations) console.log(`  invitation ${i.email}: ${i.role} (pending)`);
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
