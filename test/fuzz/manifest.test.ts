/**
 * Fuzzing the check path (issue 12): at least 10,000 generated manifests —
 * random structures, schema mutations of a valid manifest, text mutations of
 * its YAML or JSON, small forms of the hostile files, and valid manifests made
 * ambiguous (a directive, a tag, a duplicate key, a number in another base),
 * which must all be refused — go through what
 * `cdktf-mst check` runs, in-process. Every input must end in "valid" or in
 * findings that carry a catalogue rule ID, print on one line and echo nothing
 * long; nothing may throw. Every valid input must also load into a stack and
 * synthesize (check and loadManifest agree), and a few of them pass the real
 * engine's `tofu validate`.
 *
 * Seeded: FUZZ_SEED=<n> npx jest test/fuzz reproduces a run;
 * a failure names the seed and the input.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { TerraformStack, Testing } from 'cdktf';
import { findRule } from '../../src/domain/rules';
import { Finding, formatFinding, MAX_ECHO } from '../../src/domain/findings';
import { checkManifestText } from '../../src/manifest/load';
import { parseStructuredText } from '../../src/manifest/parse';
import { loadManifest } from '../../src/manifest/constructs';
import { Manifest } from '../../src/manifest/schema';
import { aliasBomb, deepJson, hugeManifest, manyErrors, nestedAliasBomb } from '../support/hostile';
import { engine } from '../../tools/local/engine';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
/** Valid inputs synthesized through loadManifest, and of those, how many the engine validates. */
const SYNTH_SAMPLE = 150;
const ENGINE_SAMPLE = 3;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof rng>;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];
const chance = (r: Rand, p: number) => r() < p;

/** A pool: good values, and the bad ones issue 12 lists, drawn one time in `1 / badOdds`. */
interface Pool<T> { readonly good: readonly T[]; readonly bad: readonly T[] }
const pool = <T>(good: readonly T[], bad: readonly T[]): Pool<T> => ({ good, bad });
const draw = <T>(r: Rand, p: Pool<T>, bad = 0.04): T => (chance(r, bad) ? pick(r, p.bad) : pick(r, p.good));

const EMAILS = pool(['ci@acme.example', 'ana@acme.example', 'dev@acme.example', 'ops@acme.example', 'ro@acme.example'],
  ['Ana@ACME.example', 'ci@acme.example', '', 'ana.acme.example', 'a@b', 'x'.repeat(300) + '@acme.example']);
const ROLES = pool(['admin', 'operator', 'developer', 'read-only'], ['owner', 'Admin', '']);
const SERVICES = pool(['metrics', 'events', 'db-1', 'ingest'], ['constructor', 'Metrics', '1db', 'm-', 'x'.repeat(70), '']);
const USERNAMES = pool(['grafana', 'etl', 'replicator', 'reporting', 'app_1', 'Ingest', 'x'.repeat(63)],
  ['Grafana', 'constructor', 'hasOwnProperty', '__proto__', 'toString', 'postgres', 'pg_monitor', 'tsdbadmin', '1st', 'a-b', '', 'u'.repeat(64), 'ünï']);
const VARIABLES = pool(['etl_password', 'grafana_pw', 'app-secret', 'PW_2'],
  ['metrics_admin_password', 'metrics_host', 'events_port', 'for_each', 'count', 'source', 'version', 'depends_on',
    'providers', 'lifecycle', 'locals', 'provider', '_', 'my var', '1x']);
const LENGTHS = pool([24, 32, 64, 128], [16, 23, 129, 24.5, 1e9, -1, 0, Number.MAX_SAFE_INTEGER]);
const VERSIONS = pool([1, 2, 3, 1e6], [0, -1, 1.5]);
const RULE_IDS = pool(['MST-USER-006'], ['MST-USER-005', 'MST-ACK-001', 'MST-USER-002', 'MST-NOPE-001', '']);

function password(r: Rand): unknown {
  switch (int(r, 4)) {
    case 0: return undefined;
    case 1: return { generated: chance(r, 0.3) ? {} : { length: draw(r, LENGTHS) } };
    case 2: return { variable: draw(r, VARIABLES) };
    default: return chance(r, 0.05) ? 'hunter2-literal' : { variable: draw(r, VARIABLES) };
  }
}

function acks(r: Rand): unknown {
  if (chance(r, 0.8)) return undefined;
  return Array.from({ length: 1 + int(r, 2) }, () => ({ rule: draw(r, RULE_IDS), reason: draw(r, pool(['feeds the replica'], ['', ' '])) }));
}

/** A manifest built from the pools: valid more often than not, every rule reachable. */
function structured(r: Rand): Record<string, unknown> {
  const members = Array.from({ length: 1 + int(r, 4) }, (_, i) => ({
    email: i === 0 ? 'ci@acme.example' : draw(r, EMAILS), role: i === 0 ? draw(r, pool(['admin'], ['developer', 'owner'])) : draw(r, ROLES),
  }));
  const services = Array.from({ length: int(r, 3) }, (_, i) => {
    const users = Array.from({ length: int(r, 4) }, () => clean({
      username: draw(r, USERNAMES),
      allowReplication: chance(r, 0.1) ? true : chance(r, 0.02) ? 'yes' : undefined,
      password: password(r),
      passwordVersion: chance(r, 0.3) ? draw(r, VERSIONS) : undefined,
      acknowledge: acks(r),
    }));
    return clean({
      name: i === 0 ? draw(r, pool(['metrics'], ['constructor', ''])) : draw(r, SERVICES),
      state: chance(r, 0.3) ? draw(r, pool(['running'], ['powered-off', 'paused'])) : undefined,
      postgresVersion: chance(r, 0.8) ? draw(r, pool([16, 17], [15, 12, 11, 16.5])) : undefined,
      connection: chance(r, 0.2) ? clean({ host: 'db.example', port: draw(r, pool([5432], [0, 70000])), superuser: chance(r, 0.3) }) : undefined,
      adminPassword: chance(r, 0.2) ? { variable: draw(r, pool(['pg_admin'], ['metrics_host', 'for_each'])) } : undefined,
      writeOnlyPasswords: chance(r, 0.05) ? true : undefined,
      users,
      acknowledge: acks(r),
    });
  });
  return clean({
    project: draw(r, pool(['acme', 'acme-prod'], ['', 'constructor', 'a/b'])),
    deployer: draw(r, pool(['ci@acme.example'], ['ana@acme.example', 'nobody'])),
    members,
    invitations: chance(r, 0.3) ? [{ email: 'new@acme.example', role: draw(r, pool(['developer', 'read-only'], ['admin'])), invitedBy: 'ci@acme.example' }] : undefined,
    billing: chance(r, 0.1) ? { email: draw(r, EMAILS) } : undefined,
    services,
    acknowledge: acks(r),
  });
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Any JSON value, up to `depth` deep. */
function randomValue(r: Rand, depth: number): unknown {
  switch (depth <= 0 ? int(r, 5) : int(r, 8)) {
    case 0: return int(r, 1000) - 500;
    case 1: return pick(r, ['', 'x', 'admin', 'ci@acme.example', '*a', '&a', '{', 'x'.repeat(int(r, 500))]);
    case 2: return chance(r, 0.5);
    case 3: return null;
    case 4: return pick(r, [1.5, 1e308, -0, 24.5]);
    case 5: case 6: {
      const keys = ['project', 'deployer', 'members', 'services', 'users', 'username', 'password', 'x', '__proto__', 'constructor'];
      return Object.fromEntries(Array.from({ length: int(r, 5) }, () => [pick(r, keys), randomValue(r, depth - 1)]));
    }
    default: return Array.from({ length: int(r, 5) }, () => randomValue(r, depth - 1));
  }
}

/** One change to a manifest's data: a key dropped, added or retyped, somewhere in it. */
function mutateData(r: Rand, data: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(data)) as unknown;
  const containers: Array<Record<string, unknown> | unknown[]> = [];
  (function walk(v: unknown) {
    if (typeof v === 'object' && v !== null) {
      containers.push(v as Record<string, unknown>);
      for (const x of Object.values(v)) walk(x);
    }
  })(copy);
  for (let n = 1 + int(r, 3); n > 0 && containers.length > 0; n--) {
    const target = pick(r, containers);
    const keys = Object.keys(target);
    const key = keys.length > 0 ? pick(r, keys) : '0';
    const op = int(r, 4);
    if (Array.isArray(target)) {
      if (op === 0) target.splice(int(r, target.length + 1), 1);
      else if (op === 1 && target.length > 0) target.push(target[0]);
      else target[int(r, target.length + 1)] = randomValue(r, 2);
    } else if (op === 0) {
      delete target[key];
    } else if (op === 1) {
      target[pick(r, ['servces', 'extra', 'password', 'Username', '__proto__'])] = randomValue(r, 1);
    } else {
      target[key] = randomValue(r, 2);
    }
  }
  return copy;
}

/** Characters that break YAML and JSON in interesting ways. */
const NOISE = ['[', ']', '{', '}', ':', ',', '-', '#', '&a', '*a', '!!', '"', "'", '\n', '\n  ', '\t', '|', '>', '%', '@', '`', '\u0000', '\ufeff', '? ', '---\n', '...'];

/** One to three edits of the text: a range cut, noise inserted, a line repeated or the end cut off. */
function mutateText(r: Rand, text: string): string {
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const at = int(r, text.length + 1);
    switch (int(r, 5)) {
      case 0: text = text.slice(0, at) + text.slice(at + 1 + int(r, 20)); break;
      case 1: text = text.slice(0, at) + pick(r, NOISE) + text.slice(at); break;
      case 2: {
        const lines = text.split('\n');
        const i = int(r, lines.length);
        lines.splice(i, 0, lines[i]);
        text = lines.join('\n');
        break;
      }
      case 3: text = text.slice(0, at); break;
      default: text = text.slice(0, at) + String.fromCharCode(int(r, 0x2ff)) + text.slice(at);
    }
  }
  return text;
}

function serialize(r: Rand, data: unknown): string {
  // JSON is YAML too; block-style YAML costs twice as much to write, so it is a third of the inputs.
  return chance(r, 0.3) ? YAML.stringify(data) : JSON.stringify(data, null, chance(r, 0.5) ? 2 : undefined);
}

/**
 * The small forms of the hostile files: the same shapes, a few KB each (the
 * full sizes are test/manifest/limits.test.ts's). Nesting and alias counts
 * pass their limits at this size; size and error counts cannot, and show the
 * shapes parse to findings.
 */
function hostile(r: Rand): string {
  switch (int(r, 7)) {
    case 0: return hugeManifest(500 + int(r, 4_000));
    case 1: return deepJson(20 + int(r, 200));
    case 2: return manyErrors(200 + int(r, 3_000));
    case 3: return aliasBomb(1_000 + int(r, 8_000));
    case 4: return nestedAliasBomb(2 + int(r, 4));
    case 5: return `a: &a x\nb: [${Array(995 + int(r, 10)).fill('*a').join(',')}]\n`;
    default: return `${'['.repeat(30 + int(r, 10))}${']'.repeat(int(r, 40))}`;
  }
}

/**
 * A valid-looking manifest made ambiguous: what one reader could take one way
 * and another reader another way. Every one must be refused (MST-MANIFEST-001
 * or -002), never valid: a YAML 1.1 directive, a tag, a duplicate key (YAML
 * or JSON, at the top or deep), a number in another base or out of range, a
 * second document, or nesting and aliases behind a quote a scan would take for
 * the start of a string.
 */
function ambiguous(r: Rand, base: Record<string, unknown>): string {
  const services = (base.services as Record<string, unknown>[] | undefined) ?? [];
  const withNumber = { ...base, services: [{ ...(services[0] ?? { name: 'metrics' }), postgresVersion: '__NUM__' }, ...services.slice(1)] };
  const yaml = YAML.stringify(base);
  switch (int(r, 9)) {
    case 0: return `%YAML 1.1\n---\n${yaml}`;
    case 1: return `%TAG !e! tag:example.com,2000:\n---\n${yaml}`;
    case 2: return yaml.replace(/^project: /m, `project: ${pick(r, ['!!str', '!foo', '!!binary', '!!set', '!!omap', '!<tag:yaml.org,2002:str>'])} `);
    case 3: return `${yaml}${pick(r, ['project: other', 'deployer: ana@acme.example', 'members: []'])}\n`;
    case 4: return JSON.stringify(base).replace(/^\{/, `{"${pick(r, ['project', 'deployer', 'members'])}": ${JSON.stringify(base.project ?? 'x')}, `);
    case 5: return JSON.stringify(base).replace(/"email":("[^"]*")/, '"email":$1,"email":$1');
    case 6: return YAML.stringify(withNumber).replace(/['"]?__NUM__['"]?/, pick(r, ['0x10', '0o20', '020', '.inf', '-.inf', '.nan', '1e999', '0b101']));
    case 7: return `${yaml}---\n${yaml}`;
    default: return pick(r, [
      `q: '"'\nb: ${'['.repeat(33)}${']'.repeat(33)}\n`,
      `q: '"'\n${Array.from({ length: 11 }, (_, i) => `a${i}: &a${i} x\n`).join('')}b: [${Array.from({ length: 1001 }, (_, i) => `*a${i % 11}`).join(',')}]\n`,
      `# "\n${'- '.repeat(40)}x\n`,
    ]);
  }
}

interface Input {
  readonly kind: string;
  readonly text: string;
}

function generate(r: Rand, i: number): Input {
  const base = structured(r);
  switch (i % 6) {
    case 0: case 1: return { kind: 'structured', text: serialize(r, base) };
    case 2: return { kind: 'schema mutation', text: serialize(r, mutateData(r, base)) };
    case 3: return { kind: 'text mutation', text: mutateText(r, serialize(r, base)) };
    case 4: return { kind: 'random structure', text: serialize(r, randomValue(r, 5)) };
    default:
      if (i % 60 === 5) return { kind: 'hostile', text: hostile(r) };
      if (i % 60 === 11) return { kind: 'ambiguous', text: ambiguous(r, base) };
      return { kind: 'text mutation', text: mutateText(r, serialize(r, base)) };
  }
}

/** Why a finding is not what every surface may print, or undefined when it is. */
function badFinding(f: Finding): string | undefined {
  if (!findRule(f.ruleId)) return `unknown rule ID ${f.ruleId}`;
  const line = formatFinding(f);
  if (line.includes('\n')) return `not one line: ${JSON.stringify(line.slice(0, 200))}`;
  if (!/\.$/.test(line) || !f.message || !f.fix) return `incomplete: ${line.slice(0, 200)}`;
  // A message names values shortened to MAX_ECHO: no finding line runs away.
  if (line.length > 12 * MAX_ECHO + 400) return `${line.length} characters long: ${line.slice(0, 200)}`;
  if (line.includes('hunter2-literal')) return `echoes a password: ${line.slice(0, 200)}`;
  return undefined;
}

describe(`the check path, fuzzed (seed ${SEED}: FUZZ_SEED=${SEED} reproduces it)`, () => {
  const r = rng(SEED);
  const valid: Array<{ i: number; text: string; manifest: Manifest }> = [];
  const kinds = new Map<string, { valid: number; refused: number }>();

  test(`${COUNT} generated manifests each end valid or in findings with rule IDs, never an exception`, () => {
    const started = Date.now();
    for (let i = 0; i < COUNT; i++) {
      const input = generate(r, i);
      let result: ReturnType<typeof checkManifestText>;
      // The file name picks the parser: text that starts as JSON goes to the JSON parser, the rest to YAML.
      const source = /^\s*[[{]/.test(input.text) ? 'fuzz.json' : 'fuzz.yaml';
      try {
        result = checkManifestText(input.text, source);
      } catch (e) {
        throw new Error(`seed ${SEED}, input #${i} (${input.kind}) threw ${e instanceof Error ? e.stack : String(e)}\ninput: ${JSON.stringify(input.text.slice(0, 2000))}`);
      }
      const errors = result.findings.filter((f) => f.level === 'error');
      for (const f of result.findings) {
        const bad = badFinding(f);
        if (bad) throw new Error(`seed ${SEED}, input #${i} (${input.kind}): finding ${bad}\ninput: ${JSON.stringify(input.text.slice(0, 2000))}`);
      }
      const ok = result.spec !== undefined && errors.length === 0;
      if (input.kind === 'ambiguous' && (ok || !['MST-MANIFEST-001', 'MST-MANIFEST-002'].includes(errors[0]?.ruleId))) {
        throw new Error(`seed ${SEED}, input #${i} (ambiguous): ${ok ? 'read as valid' : `refused under ${errors[0]?.ruleId}, not the parser's`}\ninput: ${JSON.stringify(input.text.slice(0, 2000))}`);
      }
      if (!ok && result.findings.length === 0) {
        throw new Error(`seed ${SEED}, input #${i} (${input.kind}): refused without a finding\ninput: ${JSON.stringify(input.text.slice(0, 2000))}`);
      }
      const tally = kinds.get(input.kind) ?? { valid: 0, refused: 0 };
      tally[ok ? 'valid' : 'refused'] += 1;
      kinds.set(input.kind, tally);
      if (ok) valid.push({ i, text: input.text, manifest: (parseStructuredText(input.text, source) as { data: Manifest }).data });
    }
    // The generators reach both outcomes, and every kind of input is there.
    expect([...kinds.keys()].sort()).toEqual(['ambiguous', 'hostile', 'random structure', 'schema mutation', 'structured', 'text mutation']);
    expect(kinds.get('ambiguous')).toEqual({ valid: 0, refused: expect.any(Number) });
    expect(valid.length).toBeGreaterThan(COUNT / 20);
    expect(valid.length).toBeLessThan(COUNT / 2);
    process.stdout.write(`fuzz: seed ${SEED}, ${COUNT} inputs in ${Date.now() - started} ms, ${valid.length} valid; ${JSON.stringify(Object.fromEntries(kinds))}\n`);
  }, 120_000); // 11 to 32 s measured on a 2-core machine shared with other builds (32 s at load average 13)

  test(`valid inputs load into a stack and synthesize (a sample of ${SYNTH_SAMPLE}), and ${ENGINE_SAMPLE} pass tofu validate`, async () => {
    expect(valid.length).toBeGreaterThan(0);
    const sample = valid.filter((_, k) => k % Math.max(1, Math.floor(valid.length / SYNTH_SAMPLE)) === 0).slice(0, SYNTH_SAMPLE);
    const synthesized: Array<{ i: number; json: string; users: number; features: string }> = [];
    for (const v of sample) {
      try {
        const stack = new TerraformStack(Testing.app(), 'fuzz');
        loadManifest(stack, v.manifest);
        // What `cdktf synth` writes.
        const json = fs.readFileSync(path.join(Testing.fullSynth(stack), 'stacks', 'fuzz', 'cdk.tf.json'), 'utf8');
        const users = (v.manifest.services ?? []).flatMap((s) => s.users ?? []);
        const features = [
          (v.manifest.services ?? []).some((s) => s.writeOnlyPasswords) ? 'write-only' : '',
          users.some((u) => typeof u.password === 'object' && 'variable' in u.password) ? 'variable' : '',
          users.some((u) => u.allowReplication) ? 'replication' : '',
        ].join(' ');
        synthesized.push({ i: v.i, json, users: users.length, features });
      } catch (e) {
        throw new Error(`seed ${SEED}, input #${v.i}: check said valid, loadManifest + synth threw ${e instanceof Error ? e.message : String(e)}\ninput: ${JSON.stringify(v.text)}`);
      }
    }
    // The engine: the samples with the most users, one each with write-only passwords, variable passwords and
    // replication when there is one, each validated on its own.
    const eng = await engine(); // throws, naming the build script's failure, when there is no engine
    const env = { ...process.env, ...eng.env };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-fuzz-engine-'));
    const bySize = [...synthesized].sort((a, b) => b.users - a.users || a.i - b.i);
    const chosen = [...new Set(['write-only', 'variable', 'replication']
      .map((f) => bySize.find((s) => s.features.includes(f)) ?? bySize[0]))].slice(0, ENGINE_SAMPLE);
    let initialized = false;
    for (const s of chosen) {
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), fullJson(s.json));
      try {
        if (!initialized) {
          execFileSync(eng.binary, ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
          initialized = true;
        }
        execFileSync(eng.binary, ['validate', '-no-color'], { cwd: dir, env, stdio: 'pipe' });
      } catch (e) {
        const out = e as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(`seed ${SEED}, input #${s.i}: tofu refused what check called valid:\n${out.stdout?.toString()}${out.stderr?.toString()}\n${s.json}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});

/**
 * The synthesized stack as the engine reads it. Testing.synth leaves out the
 * providers' `required_providers` block that a full synth writes; add it.
 */
function fullJson(json: string): string {
  const stack = JSON.parse(json) as Record<string, unknown>;
  stack.terraform = {
    required_providers: {
      postgresql: { source: 'cyrilgdn/postgresql', version: '1.26.0' },
      random: { source: 'hashicorp/random', version: '3.7.2' },
    },
  };
  return JSON.stringify(stack, null, 2);
}
