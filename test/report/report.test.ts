import { PERMISSIONS, ProjectRole } from '../../src/domain/permissions';
import { parseRole } from '../../src/domain/checks';
import { readAccessInput } from '../../src/report/input';
import { buildAccessReport } from '../../src/report/report';
import { expectGolden, fixture, run } from './golden';

describe('report goldens', () => {
  it.each(['acme', 'invalid'])('%s.yaml (markdown and JSON)', (name) => {
    const file = fixture('report', `${name}.yaml`);
    const md = run('report', file);
    const json = run('report', file, '--format=json');
    expect(md.code).toBe(0);
    expect(json.code).toBe(0);
    expectGolden(`report/${name}.md`, md.out);
    expectGolden(`report/${name}.json`, json.out);
  });
});

describe('report content', () => {
  const input = readAccessInput(fixture('report', 'acme.yaml'));
  const report = buildAccessReport(input.projects, input.findings);
  const [project] = report.projects;

  it('reads every cell of the members table from the matrix', () => {
    expect(report.permissions.map((p) => p.id)).toEqual(PERMISSIONS);
    for (const m of project.members) {
      const role = parseRole(m.role);
      for (const p of PERMISSIONS) expect(m.permissions[p]).toBe(role.can(p));
    }
    // Each of the four roles appears, so all twenty cells are shown.
    expect(new Set(project.members.map((m) => m.role))).toEqual(new Set(ProjectRole.ALL.map((r) => r.id)));
  });

  it('prints ✅ and ❌ in the console table order', () => {
    const md = run('report', fixture('report', 'acme.yaml')).out;
    expect(md).toContain('| Member | Role | Invite more users | Modify billing information | Manage services | Start and stop services | View service information |');
    expect(md).toContain('| `dev@acme.example` | Developer | ✅ | ❌ | ✅ | ❌ | ✅ |');
    expect(md).toContain('| `ops@acme.example` | Operator | ❌ | ❌ | ✅ | ✅ | ✅ |');
    expect(md).toContain('| `viewer@acme.example` | Read-only | ❌ | ❌ | ❌ | ❌ | ✅ |');
    expect(md).toContain('| `ci-bot@acme.example` (deployer) | Admin | ✅ | ✅ | ✅ | ✅ | ✅ |');
  });

  it('lists invitations with their inviter, services with their power state, users with replication and password source', () => {
    // In canonical order (emails, names, usernames), not declaration order.
    expect(project.invitations.map((i) => [i.email, i.role, i.invitedBy])).toEqual([
      ['auditor@acme.example', 'read-only', 'ana@acme.example'],
      ['new@acme.example', 'developer', 'dev@acme.example'],
    ]);
    expect(project.services.map((s) => [s.name, s.powerState])).toEqual([
      ['archive', 'powered-off'], ['events', null], ['metrics', 'running'],
    ]);
    const users = project.services.flatMap((s) => s.users.map((u) => [s.name, u.username, u.replication, u.password]));
    expect(users).toEqual([
      ['events', 'cdc', true, { source: 'generated', length: 32, version: 1 }],
      ['events', 'ingest', false, { source: 'generated', length: 40, version: 2 }],
      ['metrics', 'grafana', false, { source: 'generated', length: 32, version: 1 }],
      ['metrics', 'loader', false, { source: 'variable', variable: 'loader_password', version: 3 }],
      ['metrics', 'replicator', true, { source: 'generated', length: 32, version: 1 }],
    ]);
  });

  it('shows warnings and acknowledgements with their reasons', () => {
    expect(report.findings.map((f) => [f.ruleId, f.path, f.acknowledged ?? null])).toEqual([
      ['MST-USER-005', 'acme-prod/events/users/cdc', null],
      ['MST-USER-006', 'acme-prod/events/users/cdc', 'change data capture into the warehouse'],
      ['MST-USER-006', 'acme-prod/metrics/users/replicator', 'feeds the analytics read replica'],
    ]);
    expect(report.summary).toMatchObject({ warnings: 3, acknowledged: 2, errors: 0, replicationUsers: 2 });
  });

  it('never prints a secret: only where passwords come from', () => {
    const json = run('report', fixture('report', 'acme.yaml'), '--format', 'json').out;
    expect(json).not.toMatch(/"(value|result|secret)"/);
  });

  it('reports a manifest that breaks rules with its errors, on top', () => {
    const md = run('report', fixture('report', 'invalid.yaml')).out;
    expect(md).toContain('> **4 errors**');
    expect(md.indexOf('### Errors (4)')).toBeLessThan(md.indexOf('### Warnings (1)'));
  });
});
