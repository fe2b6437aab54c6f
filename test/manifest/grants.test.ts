import { checkManifestText, manifestToSpec, parseManifest } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';

const HEAD = 'project: acme\ndeployer: ci@acme.example\nmembers:\n  - { email: ci@acme.example, role: admin }\nservices:\n  - name: metrics\n    postgresVersion: 15\n    users:\n';

describe('grants in a manifest', () => {
  test('map onto the model: read, write, connect, a predefined role, a user of this service by default', () => {
    const parsed = parseManifest(`${HEAD}      - username: grafana
      - username: ops
        grants:
          - read: { schema: public }
          - write: { schema: metrics, tables: [samples], sequences: [samples_id_seq], privileges: [INSERT], database: tsdb }
          - connect: analytics
          - role: pg_monitor
          - role: { user: grafana }
`, 'm.yaml');
    expect(parsed.ok).toBe(true);
    const spec = manifestToSpec((parsed as { manifest: Manifest }).manifest);
    expect(spec.services[0].users[0].grants).toBeUndefined();
    expect(spec.services[0].users[1].grants).toEqual([
      { kind: 'read', schema: 'public' },
      { kind: 'write', schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'], privileges: ['INSERT'], database: 'tsdb' },
      { kind: 'connect', database: 'analytics' },
      { kind: 'role', role: 'pg_monitor' },
      { kind: 'role', role: 'grafana', service: 'metrics' },
    ]);
  });

  test('a grant that is none of the forms is named with the keys received and the forms expected', () => {
    const { findings } = checkManifestText(`${HEAD}      - username: ops\n        grants: [{ reed: { schema: public } }, { role: { usr: x } }]\n`, 'm.yaml');
    expect(findings.map((f) => `${f.path}: ${f.message}; ${f.fix}`)).toEqual([
      'm.yaml: services[0].users[0].grants[0]: is not a grant (received an object with key(s) "reed"); write exactly one of read: { schema }, write: { schema }, connect: DATABASE, role: NAME or role: { user: NAME }',
      'm.yaml: services[0].users[0].grants[1]: is not a grant (received an object with key(s) "role"); write exactly one of read: { schema }, write: { schema }, connect: DATABASE, role: NAME or role: { user: NAME }',
    ]);
  });

  test('a privilege tables do not take is the rule\'s finding, not a schema error', () => {
    const { findings } = checkManifestText(`${HEAD}      - username: ops\n        grants: [{ write: { schema: m, privileges: [CONNECT] } }]\n`, 'm.yaml');
    expect(findings.map((f) => f.ruleId)).toEqual(['MST-GRANT-001']);
    expect(findings[0].path).toBe('acme/metrics/users/ops');
  });
});
