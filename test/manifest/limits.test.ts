/**
 * The hostile files of issue 12, full size, through `cdktf-mst check`
 * in-process: each ends within a second with one line and exit 2. And what a
 * file below the limits but full of errors prints: at most 100 findings and a
 * line counting the rest.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { MAX_PRINTED_FINDINGS } from '../../src/domain/findings';
import { MAX_MANIFEST_BYTES } from '../../src/manifest/limits';
import { aliasBomb, deepJson, hugeManifest, manyErrors, nestedAliasBomb } from '../support/hostile';

const MB = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-hostile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function check(file: string): { code: number; lines: string[]; ms: number } {
  const lines: string[] = [];
  const started = process.hrtime.bigint();
  const code = main(['check', file], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, lines, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe('hostile manifests end within a second, with one line and exit 2', () => {
  it.each([
    ['a 50 MB manifest', 'huge.yaml', () => hugeManifest(50 * MB), /the manifest is 50,000,\d{3} bytes, more than the 512 KiB limit/],
    ['6 MB of JSON nested a million deep', 'deep.json', () => deepJson(6 * MB), /the manifest is 5,999,9\d\d bytes, more than the 512 KiB limit/],
    ['the same nesting within the size limit', 'deep-small.json', () => deepJson(400_000), /nests lists and mappings more than 32 deep/],
    ['4 MB with 200,000 errors', 'errors.yaml', () => manyErrors(4 * MB), /the manifest is 4,000,\d{3} bytes, more than the 512 KiB limit/],
    ['a 1 MB YAML alias bomb', 'bomb.yaml', () => aliasBomb(MB), /the manifest is 1,000,\d{3} bytes, more than the 512 KiB limit/],
    ['the same bomb within the size limit', 'bomb-small.yaml', () => aliasBomb(500_000), /expands a YAML alias more than 100 times/],
    ['1,001 aliases of 11 anchors', 'aliases.yaml', () => `${Array.from({ length: 11 }, (_, i) => `a${i}: &a${i} x\n`).join('')}b: [${Array.from({ length: 1001 }, (_, i) => `*a${i % 11}`).join(',')}]\n`,
      /uses more than 1,000 YAML aliases/],
    ['nested aliases (a billion strings)', 'billion.yaml', () => nestedAliasBomb(9), /holds more than 100,000 values once YAML aliases are expanded/],
  ])('%s', (_what, name, text, says) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text());
    const size = fs.statSync(file).size;
    const r = check(file);
    fs.rmSync(file);
    process.stdout.write(`limits: ${name} (${size} bytes): exit ${r.code}, ${r.lines.length} line(s), ${r.ms.toFixed(0)} ms\n`);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^error \[[^\]]+\] MST-MANIFEST-002: /);
    expect(r.lines[0]).toMatch(says);
    expect(r.lines[0].length).toBeLessThan(300);
    expect(r.ms).toBeLessThan(1000);
  });
});

describe('report and diff meet the same files the same way', () => {
  it.each([
    ['a 50 MB manifest', 'huge.yaml', () => hugeManifest(50 * MB), /MST-MANIFEST-002: the manifest is 50,000,\d{3} bytes/],
    ['6 MB of JSON nested a million deep', 'deep.json', () => deepJson(6 * MB), /deep\.json:1\] MST-INPUT-001: not valid JSON: nests lists and mappings more than 64 deep \(line 1, column \d+\)/],
  ])('%s', (_what, name, text, says) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text());
    for (const argv of [['report', file], ['report', file, '--format', 'json'], ['diff', file, file]]) {
      const lines: string[] = [];
      const started = process.hrtime.bigint();
      const code = main(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect({ argv: argv[0], code, lines: lines.length }).toEqual({ argv: argv[0], code: 2, lines: 1 });
      expect(lines[0]).toMatch(says);
      expect(ms).toBeLessThan(1000);
    }
    fs.rmSync(file);
  });
});

describe('below the limits', () => {
  it(`a file full of errors prints ${MAX_PRINTED_FINDINGS} findings, then one line counting the rest, then the summary`, () => {
    const file = path.join(dir, 'many.yaml');
    fs.writeFileSync(file, manyErrors(MAX_MANIFEST_BYTES / 4));
    const r = check(file);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(MAX_PRINTED_FINDINGS + 2);
    expect(r.lines.slice(0, MAX_PRINTED_FINDINGS).every((l) => /^error \[many\.yaml: members\[\d+\]\.(email|role)\] MST-MANIFEST-001: /.test(l))).toBe(true);
    expect(r.lines[MAX_PRINTED_FINDINGS]).toMatch(/^… and [\d]+ more finding\(s\) \([\d]+ error\(s\), 0 warning\(s\)\) not shown; fix the ones above first$/);
    expect(r.lines[MAX_PRINTED_FINDINGS + 1]).toMatch(/many\.yaml: \d+ error\(s\), 0 warning\(s\)$/);
  }, 30_000);

  it('an endless file (a character device) is read no further than the limit', () => {
    if (!fs.existsSync('/dev/zero')) throw new Error('this test needs /dev/zero');
    const r = check('/dev/zero');
    expect(r.code).toBe(2);
    expect(r.lines).toEqual(['error [/dev/zero] MST-MANIFEST-002: the manifest is more than the 512 KiB limit; split the manifest or remove what makes it so large (see docs/input-limits.md).']);
  });

  it('an overlong value is echoed shortened, with its length', () => {
    const file = path.join(dir, 'long.yaml');
    fs.writeFileSync(file, `project: acme\ndeployer: ${'x'.repeat(100_000)}\nmembers: [{ email: ci@acme.example, role: admin }]\n`);
    const r = check(file);
    expect(r.code).toBe(1);
    expect(r.lines[0]).toContain(`deployer "${'x'.repeat(60)}… (100000 characters)" is not a valid email address`);
    expect(Math.max(...r.lines.map((l) => l.length))).toBeLessThan(400);
  });
});
