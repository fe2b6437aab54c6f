import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { RULES } from '../../src/domain/rules';
import { manifestJsonSchema } from '../../src/manifest/schema';
import { DIFF_RULE_FIXTURES, fixtureFindings, INPUT_RULE_EXAMPLES, RULE_FIXTURES, TYPED_RULE_EXAMPLES } from '../../tools/docs';

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cdktf-mst check', () => {
  test('the example manifest passes with a one-line summary and its acknowledged warning', () => {
    const r = run('check', 'examples/manifest/acme.yaml');
    expect(r.code).toBe(0);
    expect(r.out).toBe('examples/manifest/acme.yaml: ok: project acme-prod, 4 member(s), 2 invitation(s), 2 service(s), 4 user(s); 1 warning(s), 1 acknowledged');
    expect(r.err).toContain('MST-USER-006');
    expect(r.err).toContain('(acknowledged: feeds the analytics read replica)');
  });

  const fixtures = fs.readdirSync(RULE_FIXTURES).filter((f) => f.endsWith('.yaml')).map((f) => path.basename(f, '.yaml'));

  test('every rule but MST-SEC-002 and the typed API\'s (not expressible in a manifest), MST-PROJECT-002 (a folder of stacks), the diff rules and the input rules (report and diff) has a fixture', () => {
    expect(RULES.map((r) => r.id).filter((id) => !fixtures.includes(id)).sort())
      .toEqual(['MST-PROJECT-002', 'MST-SEC-002', ...Object.keys(TYPED_RULE_EXAMPLES), ...Object.keys(DIFF_RULE_FIXTURES), ...Object.keys(INPUT_RULE_EXAMPLES)].sort());
    expect(fs.statSync(path.join(RULE_FIXTURES, 'MST-PROJECT-002')).isDirectory()).toBe(true);
    expect(fixtureFindings('MST-PROJECT-002').map((f) => f.ruleId)).toEqual(['MST-PROJECT-002']);
  });

  test('MST-MANIFEST-002: past a limit, one line and exit 2', () => {
    const r = run('check', path.join(RULE_FIXTURES, 'MST-MANIFEST-002.yaml'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error \[MST-MANIFEST-002\.yaml:5\] MST-MANIFEST-002: the manifest nests lists and mappings more than 32 deep; [^\n]+\.$/);
  });

  test.each(fixtures.filter((f) => f !== 'MST-MANIFEST-002'))('%s: the fixture is refused (or warned) with that rule, naming the path', (ruleId) => {
    const file = path.join(RULE_FIXTURES, `${ruleId}.yaml`);
    const r = run('check', file);
    const level = RULES.find((x) => x.id === ruleId)!.level;
    expect(r.err).toMatch(new RegExp(`^${level} \\[[^\\]]+\\] ${ruleId}: .+\\.$`, 'm'));
    expect(r.code).toBe(level === 'error' ? 1 : 0);
    if (level === 'error') expect(r.err).toMatch(/: [1-9]\d* error\(s\), \d+ warning\(s\)$/);
  });

  test('a manifest with several problems reports all of them at once, sorted by path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-check-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, [
      'project: acme',
      'deployer: ops@acme.example',
      'members:',
      '  - { email: ops@acme.example, role: operator }',
      'services:',
      '  - name: metrics',
      '    users: [{ username: 1st }, { username: postgres }, { username: a, password: secret }]',
    ].join('\n'));
    const r = run('check', file);
    expect(r.code).toBe(1);
    const rules = r.err.split('\n').filter((l) => l.startsWith('error')).map((l) => /MST-[A-Z]+-\d+/.exec(l)![0]);
    expect(rules).toEqual(['MST-MEMBER-001', 'MST-USER-001', 'MST-SEC-001', 'MST-USER-003']);
    expect(r.err).not.toContain('secret');
  });

  test('unknown keys are named with their place in the file', () => {
    const r = run('check', path.join(RULE_FIXTURES, 'MST-MANIFEST-001.yaml'));
    expect(r.err).toContain('[MST-MANIFEST-001.yaml: (top level)] MST-MANIFEST-001: unknown key "servces"');
  });

  test('YAML syntax errors name the line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-check-'));
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, 'project: a\nmembers: [\n');
    const r = run('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[broken\.yaml:3\] MST-MANIFEST-001: not valid YAML: [a-z ]+ \(line 3, column 1\); correct the YAML syntax\./);
  });

  test('a missing file is a finding, not a stack trace', () => {
    const r = run('check', 'no/such/file.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('[no/such/file.yaml] MST-MANIFEST-001: cannot read the manifest (ENOENT); check the path.');
  });

  test('usage errors exit 2', () => {
    expect(run('check').code).toBe(2);
    expect(run('frobnicate').code).toBe(2);
    expect(run().code).toBe(2);
  });

  test('rules prints every rule', () => {
    const r = run('rules');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toHaveLength(RULES.length);
  });

  test('the shipped JSON Schema is the one generated from the zod schema (npm run schema)', () => {
    const shipped = JSON.parse(fs.readFileSync('schema/mst-manifest.schema.json', 'utf8'));
    expect(shipped).toEqual(manifestJsonSchema());
    expect(JSON.parse(run('schema').out)).toEqual(shipped);
  });
});
