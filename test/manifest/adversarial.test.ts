/**
 * Inputs built to be slow, each below every size cap: deep nesting (hidden
 * behind a quote too), many aliases, long scalars, many keys, many documents.
 * Each must be refused with one finding or checked in full, in time linear in
 * its size: the only timed assertion is a generous bound that a quadratic
 * step (searching a mapping's keys pairwise for duplicates, resolving each
 * alias by searching the whole document) exceeds by far. The bound is 5 s, or eight times
 * what a plain manifest of the same size takes on this machine when it is
 * busier than that allows. Timings are printed.
 */
import { checkManifestText } from '../../src/manifest/load';
import { MAX_MANIFEST_BYTES, SYNTHESIZED_LIMITS } from '../../src/manifest/limits';
import { parseJsonText } from '../../src/manifest/parse';

const BOUND_MS = 5000;
const HEAD = 'project: acme\ndeployer: ci@acme.example\nmembers:\n  - { email: ci@acme.example, role: admin }\n';

/** `prefix`, then `line(i)` for i = 0, 1, … while the text stays below `bytes`, then `suffix`. */
function fill(prefix: string, line: (i: number) => string, suffix = '', bytes = MAX_MANIFEST_BYTES - 1024): string {
  const parts = [prefix];
  let size = prefix.length + suffix.length;
  for (let i = 0; ; i++) {
    const l = line(i);
    if (size + l.length > bytes) break;
    parts.push(l);
    size += l.length;
  }
  parts.push(suffix);
  return parts.join('');
}

const MANIFESTS: Array<[what: string, file: string, text: () => string, outcome: RegExp]> = [
  ['50,000 keys in one block mapping', 'm.yaml', () => fill(HEAD, (i) => `k${i}: 1\n`), /MST-MANIFEST-001: unknown key "k0"/],
  ['50,000 keys in one flow mapping', 'm.yaml', () => fill(`${HEAD}billing: {`, (i) => `k${i}: 1, `, '}\n'), /MST-MANIFEST-001: unknown key "k0"/],
  ['50,000 keys in one JSON object', 'm.json', () => fill('{"project": "acme"', (i) => `, "k${i}": 1`, '}'), /MST-MANIFEST-001: unknown key "k0"/],
  ['50,000 duplicate keys', 'm.yaml', () => fill(HEAD, () => 'k: 1\n'), /MST-MANIFEST-001: the manifest has the key k twice/],
  ['brackets nested 250,000 deep', 'm.yaml', () => `a: ${'['.repeat(250_000)}${']'.repeat(250_000)}`, /MST-MANIFEST-002: the manifest nests lists and mappings more than 32 deep/],
  ['the same behind a quote a scan would take for a string', 'm.yaml', () => `a: '"'\nb: ${'['.repeat(250_000)}${']'.repeat(250_000)}`,
    /MST-MANIFEST-002: the manifest nests lists and mappings more than 32 deep/],
  ['JSON nested 250,000 deep', 'm.json', () => `{"a": ${'['.repeat(250_000)}${']'.repeat(250_000)}}`, /MST-MANIFEST-002: the manifest nests lists and mappings more than 32 deep/],
  ['block lists nested on one line', 'm.yaml', () => `a: ${'- '.repeat(200_000)}x\n`, /MST-MANIFEST-00[12]: /],
  ['1,100 aliases of 11 anchors behind a quote', 'm.yaml',
    () => `q: '"'\n${Array.from({ length: 11 }, (_, i) => `a${i}: &a${i} x\n`).join('')}b: [${Array.from({ length: 1100 }, (_, i) => `*a${i % 11}`).join(', ')}]\n`,
    /MST-MANIFEST-002: the manifest uses more than 1,000 YAML aliases/],
  ['aliases nested ten deep (10^10 strings)', 'm.yaml',
    () => ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 10 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n'),
    /MST-MANIFEST-002: the manifest holds more than 100,000 values once YAML aliases are expanded/],
  ['an alias inside its own anchor', 'm.yaml', () => 'a: &a [*a, *a]\n', /MST-MANIFEST-002: the manifest nests lists and mappings more than 32 deep once YAML aliases are expanded/],
  ['one 500 KB scalar', 'm.yaml', () => `${HEAD}deployer2: "${'x'.repeat(MAX_MANIFEST_BYTES - 2048)}"\n`, /MST-MANIFEST-001: unknown key "deployer2"/],
  ['one 500 KB key', 'm.yaml', () => `${HEAD}${'k'.repeat(MAX_MANIFEST_BYTES - 2048)}: 1\n`, /MST-MANIFEST-001: /],
  ['one 500 KB JSON string with escapes', 'm.json', () => `{"project": "${'\\u0041'.repeat((MAX_MANIFEST_BYTES - 2048) / 6)}"}`, /MST-MANIFEST-001: /],
  ['50,000 documents', 'm.yaml', () => fill('', () => '---\na: 1\n'), /MST-MANIFEST-001: the manifest holds several YAML documents/],
  ['50,000 anchors', 'm.yaml', () => fill(`${HEAD}x: [`, (i) => `&a${i} v, `, ']\n'), /MST-MANIFEST-001: unknown key "x"/],
  ['9,000 valid users', 'm.yaml', () => fill(`${HEAD}services:\n  - name: metrics\n    users:\n`, (i) => `      - { username: user_${i} }\n`), /^ok$/],
  ['10,000 members with one email', 'm.yaml', () => fill('project: acme\ndeployer: ci@acme.example\nmembers:\n', () => '  - { email: ci@acme.example, role: admin }\n'), /MST-MEMBER-003: /],
  ['10,000 services', 'm.yaml', () => fill(`${HEAD}services:\n`, (i) => `  - { name: s${i}, users: [{ username: u }] }\n`), /^ok$/],
  ['50,000 comments full of brackets and stars', 'm.yaml', () => fill(HEAD, (i) => `# ${i} [[[[ {{{{ *a *b &c !d\n`), /^ok$/],
];

/** The bound for this run: a plain manifest of the size cap, timed now, times eight, and never below {@link BOUND_MS}. */
let bound = BOUND_MS;
beforeAll(() => {
  const plain = fill(`${HEAD}services:\n  - name: metrics\n    users:\n`, (i) => `      - { username: user_${i}, allowReplication: false }\n`);
  const started = process.hrtime.bigint();
  checkManifestText(plain, 'plain.yaml');
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  bound = Math.max(BOUND_MS, 8 * ms);
  process.stdout.write(`adversarial: a plain manifest of ${plain.length} characters: ${ms.toFixed(0)} ms; bound ${bound.toFixed(0)} ms\n`);
}, 60_000);

describe('adversarial manifests below the size cap are refused or checked in time linear in their size', () => {
  test.each(MANIFESTS)('%s', (what, file, make, outcome) => {
    const text = make();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_MANIFEST_BYTES);
    const started = process.hrtime.bigint();
    const r = checkManifestText(text, file);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const errors = r.findings.filter((f) => f.level === 'error');
    const said = errors.length === 0 && r.spec ? 'ok' : `${errors[0].ruleId}: ${errors[0].message}`;
    process.stdout.write(`adversarial: ${what} (${text.length} characters): ${ms.toFixed(0)} ms, ${r.findings.length} finding(s); ${said.slice(0, 100)}\n`);
    expect(said).toMatch(outcome);
    expect(ms).toBeLessThan(bound);
  }, 60_000);
});

const MB = 1024 * 1024;
const SYNTHESIZED: Array<[what: string, text: () => string, outcome: RegExp]> = [
  ['8 MB: 200,000 keys in one object', () => `{"resource": {${Array.from({ length: 200_000 }, (_, i) => `"k${i}": {"name": "u${i}", "login": true}`).join(', ')}}}`, /^ok$/],
  ['4 MB nested 2,000,000 deep', () => `${'['.repeat(2 * MB)}${']'.repeat(2 * MB)}`, /nests lists and mappings more than 64 deep/],
  ['8 MB of one string', () => `{"a": "${'x'.repeat(8 * MB)}"}`, /^ok$/],
  ['8 MB of escapes', () => `{"a": "${'\\n'.repeat(4 * MB)}"}`, /^ok$/],
  ['4 MB of numbers', () => `[${Array.from({ length: 400_000 }, (_, i) => `${i}.5e-3`).join(',')}]`, /^ok$/],
  ['200,000 duplicate keys', () => `{${Array.from({ length: 200_000 }, () => '"k": 1').join(', ')}}`, /has the key k twice/],
  ['4 MB of empty arrays', () => `[${Array(MB).fill('[]').join(',')}]`, /^ok$/],
];

describe('adversarial synthesized JSON is refused or read in time linear in its size', () => {
  test.each(SYNTHESIZED)('%s', (what, make, outcome) => {
    const text = make();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SYNTHESIZED_LIMITS.bytes);
    const started = process.hrtime.bigint();
    const r = parseJsonText(text, SYNTHESIZED_LIMITS);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const said = r.ok ? 'ok' : r.problem.message;
    process.stdout.write(`adversarial: synthesized ${what} (${text.length} characters): ${ms.toFixed(0)} ms; ${said.slice(0, 100)}\n`);
    expect(said).toMatch(outcome);
    expect(ms).toBeLessThan(bound);
  }, 60_000);
});
