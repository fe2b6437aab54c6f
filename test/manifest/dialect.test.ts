/**
 * One meaning per file: what YAML 1.1, a tag, a duplicate key or a number in
 * another base would make mean something else is refused with the tool's own
 * sentence (MST-MANIFEST-001, the line and column), never resolved one way;
 * and a syntax error never repeats the text around it, which can be a password.
 */
import { checkManifestText } from '../../src/manifest/load';
import { formatFinding } from '../../src/domain/findings';

const HEAD = 'project: acme\ndeployer: ci@acme.example\nmembers:\n  - { email: ci@acme.example, role: admin }\n';
const SERVICE = (version: string) => `${HEAD}services:\n  - name: metrics\n    postgresVersion: ${version}\n    users: [{ username: grafana }]\n`;
const JSON_HEAD = '{"project": "acme", "deployer": "ci@acme.example", "members": [{"email": "ci@acme.example", "role": "admin"}]';

/** The one finding `check` prints for `text`, as a line. */
function refusal(text: string, source = 'm.yaml'): string {
  const { spec, findings } = checkManifestText(text, source);
  expect(spec).toBeUndefined();
  expect(findings).toHaveLength(1);
  return formatFinding(findings[0]);
}

describe('the dialect is YAML 1.2, core schema, and nothing else', () => {
  test('the nearest good case: the same manifests without the construct in question are valid', () => {
    for (const text of [SERVICE('16'), `${HEAD}billing: { email: on@acme.example }\n`, `${JSON_HEAD}}`]) {
      const r = checkManifestText(text, text.startsWith('{') ? 'm.json' : 'm.yaml');
      expect(r.findings.filter((f) => f.level === 'error')).toEqual([]);
      expect(r.spec).toBeDefined();
    }
  });

  test.each([
    ['a %YAML 1.1 directive (where 010 is 8 and on is true)', `%YAML 1.1\n---\n${SERVICE('020')}`, /m\.yaml:1\] MST-MANIFEST-001: the manifest has a %YAML or %TAG directive, which can change what the file means \(line 1, column 1\); remove the directive/],
    ['a %TAG directive', `%TAG !e! tag:example.com,2000:\n---\n${HEAD}`, /m\.yaml:1\] MST-MANIFEST-001: the manifest has a %YAML or %TAG directive/],
  ])('%s is refused', (_what, text, says) => {
    expect(refusal(text)).toMatch(says);
  });

  test.each(['!foo', '!!binary', '!!set', '!!omap', '!!str', '!<tag:yaml.org,2002:str>', '!e!x'])('the tag %s is refused, not dropped', (tag) => {
    expect(refusal(`${HEAD}billing: { email: ${tag} ci@acme.example }\n`))
      .toMatch(/m\.yaml:5\] MST-MANIFEST-001: the manifest has a YAML tag \(such as !!binary or !foo\), which this tool does not read \(line 5, column \d+\); remove the tag/);
  });

  test.each([
    ['0x10', 'hex'], ['0o20', 'octal'], ['020', 'a leading zero (octal in YAML 1.1)'], ['.inf', 'infinity'], ['-.Inf', 'minus infinity'],
    ['.nan', 'not a number'], ['1e999', 'out of range'], ['16.0e0', 'an exponent is fine'],
  ])('the number %s (%s)', (written, what) => {
    const r = checkManifestText(SERVICE(written), 'm.yaml');
    if (what === 'an exponent is fine') {
      expect(r.findings.filter((f) => f.level === 'error')).toEqual([]);
      return;
    }
    expect(r.findings.map(formatFinding)).toEqual([expect.stringMatching(
      /^\[m\.yaml:7\] MST-MANIFEST-001: the manifest has a number not written in plain decimal \(hex, octal, \.inf, \.nan or out of range\) at services\[0\]\.postgresVersion \(line 7, column 22\); write the number in plain decimal/)]);
  });

  test('a JSON number out of range is refused too, naming where it is', () => {
    expect(refusal(`${JSON_HEAD}, "services": [{"name": "metrics", "postgresVersion": 1e999}]}`, 'm.json'))
      .toMatch(/m\.json:1\] MST-MANIFEST-001: the manifest has a number too large to be read exactly at services\[0\]\.postgresVersion \(line 1, column \d+\)/);
  });

  test('several YAML documents are refused (a reader could take either)', () => {
    expect(refusal(`${HEAD}---\n${HEAD.replace('admin', 'developer')}`)).toMatch(/m\.yaml:5\] MST-MANIFEST-001: the manifest holds several YAML documents/);
  });

  test('a merge key is an ordinary key, which the schema refuses', () => {
    const r = checkManifestText(`${HEAD}base: &b { email: x@acme.example }\nbilling:\n  <<: *b\n`, 'm.yaml');
    expect(r.findings.map((f) => f.message)).toEqual(expect.arrayContaining(['unknown key "base"', 'unknown key "<<"']));
  });
});

describe('duplicate keys are refused in every format, at every depth', () => {
  test.each([
    ['YAML, top level', `${HEAD}deployer: ana@acme.example\n`, 'm.yaml', /m\.yaml:5\] MST-MANIFEST-001: the manifest has the key deployer twice \(line 5, column 1\)/],
    ['YAML, in a flow mapping', `${HEAD}billing: { email: a@acme.example, email: b@acme.example }\n`, 'm.yaml', /the manifest has the key billing\.email twice \(line 5/],
    ['YAML, a quoted and a plain spelling', `${HEAD}"project": other\n`, 'm.yaml', /the manifest has the key project twice/],
    ['YAML, deep', `${HEAD}services:\n  - name: metrics\n    users:\n      - username: a\n        allowReplication: false\n        allowReplication: true\n`, 'm.yaml',
      /m\.yaml:10\] MST-MANIFEST-001: the manifest has the key services\[0\]\.users\[0\]\.allowReplication twice/],
    ['JSON, top level', `${JSON_HEAD}, "deployer": "ana@acme.example"}`, 'm.json', /m\.json:1\] MST-MANIFEST-001: the manifest has the key deployer twice \(line 1, column \d+\)/],
    ['JSON, deep', `${JSON_HEAD}, "services": [{"name": "metrics", "users": [{"username": "a", "allowReplication": false, "allowReplication": true}]}]}`, 'm.json',
      /the manifest has the key services\[0\]\.users\[0\]\.allowReplication twice/],
  ])('%s', (_what, text, source, says) => {
    expect(refusal(text, source)).toMatch(says);
  });

  test('a duplicate key inside a password is named only down to the password', () => {
    expect(refusal(`${HEAD}services:\n  - name: metrics\n    users:\n      - username: a\n        password: { variable: x, variable: hunter2 }\n`))
      .toMatch(/the manifest has the key services\[0\]\.users\[0\]\.password twice/);
  });
});

describe('a syntax error names the line, the column and what was expected, never the text there', () => {
  const SECRET = 'hunter2-Secret-Value';
  test.each([
    ['JSON, an unquoted value', `${JSON_HEAD}, "services": [{"name": "metrics", "users": [{"username": "a", "password": ${SECRET}}]}]}`, 'm.json',
      /^\[m\.json:1\] MST-MANIFEST-001: not valid JSON: has an unexpected character where a value was expected \(line 1, column \d+\); correct the JSON syntax\.$/],
    ['JSON, a string never closed', `${JSON_HEAD}, "services": [{"name": "metrics", "users": [{"username": "a", "password": "${SECRET}}]}]}`, 'm.json',
      /^\[m\.json:1\] MST-MANIFEST-001: not valid JSON: ends inside a string \(line 1, column \d+\); close the string/],
    ['JSON, a trailing comma', `${JSON_HEAD}, "x": ["${SECRET}",]}`, 'm.json', /not valid JSON: has an unexpected character where a value was expected/],
    ['YAML, a quote never closed', `${HEAD}services:\n  - name: metrics\n    users: [{ username: a, password: "${SECRET} }]\n`, 'm.yaml',
      /^\[m\.yaml:\d+\] MST-MANIFEST-001: not valid YAML: [a-z ,()]+ \(line \d+, column \d+\); correct the YAML syntax\.$/],
    ['YAML, bad indentation', `${HEAD}services:\n  - name: metrics\n   users: ${SECRET}\n`, 'm.yaml', /^\[m\.yaml:\d+\] MST-MANIFEST-001: not valid YAML: /],
  ])('%s', (_what, text, source, says) => {
    const line = refusal(text, source);
    expect(line).toMatch(says);
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('Secret');
  });
});
