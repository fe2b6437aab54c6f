/**
 * Builds the CDK Terrain flavour of the package, `cdktn-mst`, into dist/cdktn-mst from the same
 * src/ as the cdktf flavour (the root package, `cdktf-mst`). Nothing in src/ knows about flavours:
 *
 * 1. `cdktn get` generates TypeScript bindings for the providers the cdktf flavour uses, pinned to
 *    the provider versions of its @cdktf/provider-* packages (read from their package.json, so the
 *    versions are stated once). There is no @cdktn/provider-postgresql on npm, and
 *    @cdktn/provider-random 15.0.1 targets random 3.9.1, not 3.7.2.
 * 2. The binding modules src/ imports are compiled into dist/cdktn-mst/lib/providers.
 * 3. src/ is compiled with `cdktf` mapped onto cdktn's types and each @cdktf/provider-* module onto
 *    its generated twin, so the type check proves the source fits CDK Terrain's API, not only its names.
 * 4. The module specifiers of the compiled lib are rewritten from the table in `rewrite` below
 *    ('cdktf' -> 'cdktn', '@cdktf/provider-X/lib/M' -> './providers/X/M'); any other cdktf specifier
 *    fails the build.
 * 5. package.json is derived from the root one: name, description, peers and engines change.
 *
 * Needs tools/terrain (npm run setup) and the engine (tools/engine/build.sh), whose provider mirror
 * lets `cdktn get` read the providers' schemas offline. Run through `npm run build:cdktn`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const TERRAIN = path.join(ROOT, 'tools', 'terrain');

/** Where a build works and writes. */
export interface Layout {
  /** The package folder written, with package.json, lib/, bin/, schema/, README.md and LICENSE. */
  readonly out: string;
  /** Where `cdktn get` runs and writes; inside tools/terrain, where it finds the cdktn library
   * (at the root it would find cdktf 0.21 and refuse). Emptied first. */
  readonly work: string;
}

/** What `npm run build:cdktn` writes. Tests build into folders of their own (see test/package). */
export const DEFAULT_LAYOUT: Layout = { out: path.join(ROOT, 'dist', 'cdktn-mst'), work: path.join(TERRAIN, 'work') };

const lib = (l: Layout): string => path.join(l.out, 'lib');
const providersDir = (l: Layout): string => path.join(l.out, 'lib', 'providers');

const FLAVOUR = {
  name: 'cdktn-mst',
  description: 'CDK Terrain (cdktn) constructs for Managed Service for TimescaleDB (MST) project members, '
    + 'invitations and service users, with the console\'s permission table enforced at synth time. '
    + 'The CDK Terrain flavour of cdktf-mst.',
};

/** A provider the cdktf flavour binds through an @cdktf/provider-* package. */
interface Binding {
  /** The npm package of the cdktf flavour, e.g. @cdktf/provider-postgresql. */
  readonly pkg: string;
  /** The folder `cdktn get` writes, e.g. postgresql. */
  readonly dir: string;
  /** e.g. cyrilgdn/postgresql */
  readonly source: string;
  readonly version: string;
}

function readJson(file: string): any {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function log(message: string): void {
  process.stderr.write(`build:cdktn: ${message}\n`);
}

/** The root package's @cdktf/provider-* peers, with the provider each one pins. */
function bindings(rootPkg: any): Binding[] {
  return Object.keys(rootPkg.peerDependencies ?? {})
    .filter((pkg) => pkg.startsWith('@cdktf/provider-'))
    .map((pkg) => {
      const meta = readJson(require.resolve(`${pkg}/package.json`, { paths: [ROOT] })).cdktf?.provider;
      if (!meta?.name || !meta?.version) throw new Error(`${pkg}/package.json has no cdktf.provider name and version`);
      const source = String(meta.name).replace(/^registry\.terraform\.io\//, '');
      return { pkg, dir: source.split('/')[1], source, version: meta.version };
    });
}

/** The binding modules src/ imports, such as postgresql/role (from '@cdktf/provider-postgresql/lib/role'). */
function usedModules(list: Binding[]): string[] {
  const used = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) {
        for (const m of fs.readFileSync(file, 'utf8').matchAll(/['"](@cdktf\/provider-[\w-]+)\/lib\/([\w-]+)['"]/g)) {
          const binding = list.find((b) => b.pkg === m[1]);
          if (!binding) throw new Error(`${path.relative(ROOT, file)} imports ${m[1]}, which is not a peer dependency of the root package`);
          used.add(`${binding.dir}/${m[2]}`);
        }
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  return [...used].sort();
}

function engineEnv(): string {
  const dir = execFileSync(path.join(ROOT, 'tools', 'engine', 'build.sh'), ['--print-dir'], { encoding: 'utf8' }).trim();
  const env = path.join(dir, 'env.sh');
  if (!fs.existsSync(env)) throw new Error(`no engine at ${dir}; run tools/engine/build.sh first (cdktn get reads the providers' schemas through it)`);
  return env;
}

function generate(l: Layout, list: Binding[]): void {
  fs.rmSync(l.work, { recursive: true, force: true });
  fs.mkdirSync(l.work, { recursive: true });
  fs.writeFileSync(path.join(l.work, 'cdktf.json'), `${JSON.stringify({
    language: 'typescript',
    app: 'true',
    projectId: 'cdktn-mst-bindings',
    sendCrashReports: 'false',
    terraformProviders: list.map((b) => `${b.source}@=${b.version}`),
    terraformModules: [],
    codeMakerOutput: 'gen',
  }, null, 2)}\n`);
  const cdktn = path.join(TERRAIN, 'node_modules', '.bin', 'cdktn');
  if (!fs.existsSync(cdktn)) throw new Error('tools/terrain is not installed; run npm run setup');
  log(`cdktn get ${list.map((b) => `${b.source}@${b.version}`).join(' ')}`);
  // CDKTF_DISABLE_PLUGIN_CACHE_ENV: cdktn would otherwise point the engine at ~/.terraform.d/plugin-cache,
  // shared with every deploy on the machine, which OpenTofu does not guard against concurrent writers.
  const r = spawnSync('bash', ['-c', 'source "$1" && exec "$2" get', 'bash', engineEnv(), cdktn], {
    cwd: l.work, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true' },
  });
  if (r.status !== 0) throw new Error(`cdktn get exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  // What the engine resolved, e.g. {"registry.opentofu.org/cyrilgdn/postgresql": "1.26.0"}.
  const resolved = readJson(path.join(l.work, 'gen', 'versions.json')) as Record<string, string>;
  for (const b of list) {
    const got = Object.entries(resolved).find(([address]) => address.endsWith(`/${b.source}`))?.[1];
    if (got !== b.version) throw new Error(`cdktn get resolved ${b.source} to ${got}, expected ${b.version}`);
  }
}

function tsc(l: Layout, config: object, name: string): void {
  const file = path.join(l.work, name);
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', file], { stdio: 'inherit' });
}

/** Where the type checker finds CDK Terrain: tools/terrain's copies, never the root's cdktf. */
function terrainPaths(): Record<string, string[]> {
  const nm = path.join(TERRAIN, 'node_modules');
  return { cdktn: [path.join(nm, 'cdktn')], constructs: [path.join(nm, 'constructs')] };
}

function compileBindings(l: Layout, modules: string[]): void {
  log(`compile bindings ${modules.join(', ')}`);
  tsc(l, {
    compilerOptions: {
      target: 'ES2022', module: 'commonjs', lib: ['ES2022'], declaration: true, strict: true, skipLibCheck: true,
      rootDir: path.join(l.work, 'gen', 'providers'), outDir: providersDir(l), paths: terrainPaths(), types: [],
    },
    files: modules.map((m) => path.join(l.work, 'gen', 'providers', m, 'index.ts')),
  }, 'tsconfig.bindings.json');
}

function compileSource(l: Layout, list: Binding[]): void {
  log('compile src/ against cdktn');
  const paths: Record<string, string[]> = { ...terrainPaths(), cdktf: terrainPaths().cdktn };
  for (const b of list) paths[`${b.pkg}/lib/*`] = [path.join(providersDir(l), b.dir, '*')];
  tsc(l, {
    extends: path.join(ROOT, 'tsconfig.build.json'),
    compilerOptions: { rootDir: path.join(ROOT, 'src'), outDir: lib(l), paths },
    include: [path.join(ROOT, 'src', '**', '*.ts')],
  }, 'tsconfig.src.json');
}

/** Rewrites one module specifier of `file` for the CDK Terrain flavour. */
function rewrite(l: Layout, specifier: string, file: string, list: Binding[]): string {
  if (specifier === 'cdktf') return 'cdktn';
  const m = /^(@cdktf\/provider-[\w-]+)\/lib\/([\w-]+)$/.exec(specifier);
  const binding = m && list.find((b) => b.pkg === m[1]);
  if (m && binding) {
    const target = path.join(providersDir(l), binding.dir, m[2]);
    if (!fs.existsSync(path.join(target, 'index.js'))) throw new Error(`${specifier}: no generated binding at ${target}`);
    const rel = path.relative(path.dirname(file), target);
    return rel.startsWith('.') ? rel : `./${rel}`;
  }
  if (/^(cdktf|@cdktf\/)/.test(specifier)) {
    throw new Error(`${path.relative(l.out, file)} imports ${specifier}, which the CDK Terrain flavour has no twin for; add it to rewrite() in tools/flavours/build-cdktn.ts`);
  }
  return specifier;
}

function rewriteLib(l: Layout, list: Binding[]): number {
  let count = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (file !== providersDir(l)) walk(file);
      } else if (/\.(js|d\.ts)$/.test(entry.name)) {
        const before = fs.readFileSync(file, 'utf8');
        const after = before.replace(/(\brequire\(|\bfrom |\bimport\()(["'])([^"']+)\2/g, (_all, lead: string, q: string, spec: string) => {
          const next = rewrite(l, spec, file, list);
          if (next !== spec) count++;
          return `${lead}${q}${next}${q}`;
        });
        if (after !== before) fs.writeFileSync(file, after);
      }
    }
  };
  walk(lib(l));
  return count;
}

function writePackage(l: Layout, rootPkg: any, list: Binding[]): void {
  const cdktn = readJson(path.join(TERRAIN, 'node_modules', 'cdktn', 'package.json'));
  const cli = readJson(path.join(TERRAIN, 'node_modules', 'cdktn-cli', 'package.json'));
  const bindingPkgs = new Set(list.map((b) => b.pkg));
  const pkg = {
    name: FLAVOUR.name,
    version: rootPkg.version,
    description: FLAVOUR.description,
    license: rootPkg.license,
    repository: rootPkg.repository,
    main: rootPkg.main,
    types: rootPkg.types,
    exports: rootPkg.exports,
    bin: rootPkg.bin,
    // cdktn-cli runs the app, and needs this Node.js.
    engines: { node: cli.engines.node },
    files: rootPkg.files,
    peerDependencies: { cdktn: `^${cdktn.version}`, constructs: cdktn.peerDependencies.constructs },
    dependencies: Object.fromEntries(Object.entries(rootPkg.dependencies ?? {}).filter(([name]) => !bindingPkgs.has(name))),
  };
  fs.writeFileSync(path.join(l.out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const entry of rootPkg.files as string[]) {
    const from = path.join(ROOT, entry);
    if (entry === 'lib/') continue;
    fs.cpSync(from, path.join(l.out, entry), { recursive: true });
  }
}

/** Builds the CDK Terrain flavour into `layout.out` (emptied first) and returns that folder. */
export function buildCdktn(layout: Layout = DEFAULT_LAYOUT): string {
  const started = Date.now();
  const rootPkg = readJson(path.join(ROOT, 'package.json'));
  const list = bindings(rootPkg);
  const modules = usedModules(list);
  generate(layout, list);
  fs.rmSync(layout.out, { recursive: true, force: true });
  compileBindings(layout, modules);
  compileSource(layout, list);
  const rewritten = rewriteLib(layout, list);
  writePackage(layout, rootPkg, list);
  log(`${path.relative(ROOT, layout.out)} built in ${((Date.now() - started) / 1000).toFixed(1)} s (${rewritten} module specifiers rewritten)`);
  return layout.out;
}

if (require.main === module) {
  try {
    buildCdktn();
  } catch (e) {
    log(`FAILED: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
