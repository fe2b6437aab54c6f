/**
 * The report and diff commands: exit codes, --fail-on, --format, and the
 * one-line errors for input that is neither a manifest nor synthesized output.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fixture, run } from './golden';
import { scratchFolder } from '../support/scratch';

const pair = (name: string) => [fixture(name, 'base.yaml'), fixture(name, 'head.yaml')];
const { dir: tmp, write } = scratchFolder('cdktf-mst-cli-');

describe('diff exit codes', () => {
  // escalations: 8 escalations, no error; self-role-change: 1 error, no escalation;
  // beyond-deployer: both; members: neither.
  it.each([
    ['escalations', [], 0],
    ['escalations', ['--fail-on', 'escalation'], 1],
    ['escalations', ['--fail-on', 'error'], 0],
    ['self-role-change', ['--fail-on', 'escalation'], 0],
    ['self-role-change', ['--fail-on', 'error'], 1],
    ['self-role-change', ['--fail-on=error'], 1],
    ['beyond-deployer', ['--fail-on', 'escalation,error'], 1],
    ['beyond-deployer', ['--fail-on', 'escalation', '--fail-on', 'error'], 1],
    ['members', ['--fail-on', 'escalation,error'], 0],
    ['unchanged', ['--fail-on', 'escalation', '--fail-on', 'error'], 0],
  ] as const)('%s %j exits %d', (name, options, code) => {
    const r = run('diff', ...pair(name), ...options);
    expect(r.code).toBe(code);
    expect(r.out).toMatch(/^## MST access changes/); // the output is printed whatever the exit code
  });

  it('says on stderr why it failed', () => {
    const r = run('diff', ...pair('beyond-deployer'), '--fail-on', 'escalation,error');
    expect(r.err).toBe('cdktf-mst diff: 2 escalation(s) and 1 error(s) (--fail-on escalation,error)\n');
  });

  it('fails with --format json too, printing the JSON', () => {
    const r = run('diff', ...pair('escalations'), '--format', 'json', '--fail-on', 'escalation');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).summary).toEqual({ escalations: 8, errors: 0, changes: 12 });
  });
});

describe('usage errors exit 2', () => {
  it.each([
    ['diff with one input', ['diff', fixture('members', 'base.yaml')], /^usage: cdktf-mst diff BASE HEAD/],
    ['an unknown --fail-on', ['diff', ...pair('members'), '--fail-on', 'warning'], /--fail-on "warning" is not one of escalation, error/],
    ['--fail-on without a value', ['diff', ...pair('members'), '--fail-on'], /--fail-on needs a value/],
    ['an unknown --format', ['diff', ...pair('members'), '--format', 'html'], /--format "html" is not one of markdown, json/],
    ['report without input', ['report'], /^usage: cdktf-mst report INPUT/],
    ['report with --fail-on', ['report', fixture('report', 'acme.yaml'), '--fail-on', 'error'], /unknown option "--fail-on"/],
  ] as const)('%s', (_what, argv, message) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });
});

describe('unreadable input: one line naming the path and the fix, exit 2', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a missing path', () => path.join(tmp, 'nope.yaml'), /nope\.yaml\] MST-INPUT-001: no such file or folder; give a manifest .* or the folder `cdktf synth` wrote/],
    ['a folder with no synthesized stack', () => { fs.mkdirSync(path.join(tmp, 'empty'), { recursive: true }); return path.join(tmp, 'empty'); },
      /empty\] MST-INPUT-001: no synthesized stack here .*; run `npx cdktf synth` and pass its output folder/],
    ['stacks without an access document', () => {
      write('plain.out/stacks/web/cdk.tf.json', JSON.stringify({ resource: {} }));
      return path.join(tmp, 'plain.out');
    }, /plain\.out\] MST-INPUT-001: none of its 1 synthesized stack\(s\) carries a cdktf-mst access document; synthesize a stack built with cdktf-mst/],
    ['a manifest with schema errors', () => write('typo.yaml', 'project: p\ndeployer: a@b.example\nmembers: []\nmembrs: []\n'),
      /typo\.yaml: not a valid manifest: \[typo\.yaml: \(top level\)\] MST-MANIFEST-001: unknown key "membrs".*; run `cdktf-mst check .*typo\.yaml` to see every finding\./],
    ['YAML that does not parse', () => write('broken.yaml', 'project: [\n'),
      /broken\.yaml: not a valid manifest: .*MST-MANIFEST-001: not valid YAML: [a-z ]+ \(line \d+, column \d+\); correct the YAML syntax/],
    ['a cdk.tf.json that is not JSON', () => write('bad/cdk.tf.json', '{'),
      /cdk\.tf\.json:1\] MST-INPUT-001: not valid JSON: [a-z ]+ \(line 1, column \d+\); run `npx cdktf synth`/],
    ['an access document of another version', () => write('v9/cdk.tf.json', JSON.stringify({ '//': { 'cdktf-mst': { schemaVersion: 9, projects: [], findings: [] } } })),
      /cdk\.tf\.json\] MST-INPUT-002: access document schemaVersion 9 is not supported/],
    ['a TypeScript app', () => write('main.ts', ''), /main\.ts\] MST-INPUT-001: neither a manifest .* nor synthesized output; give a manifest, or run `npx cdktf synth`/],
  ];

  it.each(cases)('%s', (_what, make, message) => {
    const input = make();
    for (const argv of [['report', input], ['diff', input, fixture('members', 'head.yaml')], ['diff', fixture('members', 'base.yaml'), input]]) {
      const r = run(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^cdktf-mst: /);
      expect(r.err).toMatch(message);
    }
  });

  it('prints no stack trace from the installed command', () => {
    const bin = path.join(__dirname, '..', '..', 'bin', 'cdktf-mst.js');
    const r = spawnSync(process.execPath, [bin, 'diff', path.join(tmp, 'missing.out'), fixture('members', 'head.yaml')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^cdktf-mst: .*missing\.out\] MST-INPUT-001: no such file or folder; .*\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
