/**
 * Grants in review: the report's Privileges, the diff's gained and lost
 * privileges (a gain of write access is an escalation), what the deployer
 * needs for them, and the access document carrying them.
 */
import { GrantSpec } from '../../src/domain/grants';
import { ProjectSpec, UserSpec } from '../../src/domain/model';
import { ProjectRole } from '../../src/domain/permissions';
import { fromDocument, toDocument } from '../../src/domain/document';
import { diffAccess } from '../../src/report/diff';
import { diffGrants, grantRows } from '../../src/report/grants-diff';
import { buildAccessReport } from '../../src/report/report';
import { reportToMarkdown } from '../../src/report/markdown';
import { fixture, run } from './golden';

function user(username: string, grants?: GrantSpec[], allowReplication = false): UserSpec {
  return {
    path: `acme/metrics/users/${username}`, username, allowReplication, password: { kind: 'generated', length: 32 }, passwordVersion: 1,
    ...(grants ? { grants } : {}),
  };
}

function project(users: UserSpec[], deployerRole = ProjectRole.ADMIN): ProjectSpec {
  return {
    path: 'acme', name: 'acme', deployer: 'ci@acme.example',
    members: [{ path: 'acme/members/ana@acme.example', email: 'ana@acme.example', role: ProjectRole.ADMIN },
      { path: 'acme/members/ci@acme.example', email: 'ci@acme.example', role: deployerRole }],
    invitations: [],
    services: [{
      path: 'acme/metrics', name: 'metrics', postgresVersion: 15, adminIsSuperuser: false,
      adminPassword: { kind: 'variable', name: 'metrics_admin_password', sensitive: true }, writeOnlyPasswords: false, users,
    }],
    acknowledgements: [],
  };
}

const brief = (changes: ReturnType<typeof diffGrants>) => changes.map((c) => `${c.kind}${c.escalation ? '!' : ''} ${c.username} ${c.on.type}:${'name' in c.on ? c.on.name : 'schema' in c.on ? c.on.schema : 'role' in c.on ? c.on.role : c.on.database} ${c.privileges.join(',')}`);

describe('diffGrants', () => {
  const read: GrantSpec = { kind: 'read', schema: 'public' };
  const write: GrantSpec = { kind: 'write', schema: 'public' };

  test('a reader turned writer gains write access on the tables (an escalation) and the sequences (not one)', () => {
    expect(brief(diffGrants('acme', 'metrics', [user('grafana', [read])], [user('grafana', [write])]))).toEqual([
      'grant-gained! grafana tables:public DELETE,INSERT,UPDATE',
      'grant-gained grafana sequences:public SELECT,USAGE',
    ]);
  });

  test('a writer turned reader loses what it no longer has; nothing is an escalation', () => {
    expect(brief(diffGrants('acme', 'metrics', [user('grafana', [write])], [user('grafana', [read])]))).toEqual([
      'grant-lost grafana tables:public DELETE,INSERT,UPDATE',
      'grant-lost grafana sequences:public SELECT,USAGE',
    ]);
  });

  test('more to read is not an escalation; the same grants in another order are no change', () => {
    const before = [user('r', [{ kind: 'read', schema: 'public', tables: ['a'] }, { kind: 'connect', database: 'x' }])];
    expect(brief(diffGrants('acme', 'metrics', before, [user('R', [{ kind: 'connect', database: 'x' }, { kind: 'read', schema: 'public', tables: ['a', 'b'] }])])))
      .toEqual(['grant-gained R table:b SELECT']);
    expect(diffGrants('acme', 'metrics', before, [user('r', [...before[0].grants!].reverse())])).toEqual([]);
  });

  test('memberships: a writing predefined role, or a user of the service who writes, is an escalation', () => {
    const head = [user('ingest', [write]), user('ops', [{ kind: 'role', role: 'pg_write_all_data' }, { kind: 'role', role: 'pg_monitor' }, { kind: 'role', role: 'ingest', service: 'metrics' }])];
    expect(brief(diffGrants('acme', 'metrics', [user('ingest', [write]), user('ops')], head))).toEqual([
      'grant-gained ops role:pg_monitor MEMBER',
      'grant-gained! ops role:pg_write_all_data MEMBER',
      'grant-gained! ops role:ingest MEMBER',
    ]);
  });

  test('a new user gains all of its grants; a removed one loses them', () => {
    expect(brief(diffGrants('acme', 'metrics', [], [user('ingest', [{ kind: 'write', schema: 'm', tables: ['t'], privileges: ['INSERT'] }])])))
      .toEqual(['grant-gained! ingest table:t INSERT']);
    expect(brief(diffGrants('acme', 'metrics', [user('grafana', [read])], []))).toEqual(['grant-lost grafana tables:public SELECT']);
  });
});

describe('the diff with grants', () => {
  test('turning a reader into a writer fails --fail-on escalation; the rest of the pair alone does not', () => {
    const r = run('diff', fixture('grants', 'base.yaml'), fixture('grants', 'head.yaml'), '--fail-on', 'escalation');
    expect(r.code).toBe(1);
    expect(r.err).toBe('cdktf-mst diff: 1 escalation(s) (--fail-on escalation)\n');
    expect(r.out).toContain('### Escalations (1)\n\n- **Write access granted**: `ingest` on `metrics` gains DELETE, INSERT, UPDATE on table `metrics.samples`');
    const readerStays = [user('grafana', [{ kind: 'read', schema: 'public' }])];
    const more = [user('grafana', [{ kind: 'read', schema: 'public' }, { kind: 'connect', database: 'analytics' }])];
    const d = diffAccess({ projects: [project(readerStays)], findings: [] }, { projects: [project(more)], findings: [] });
    expect(d.summary).toEqual({ escalations: 0, errors: 0, changes: 1 });
  });

  test('a grant changed by a deployer who may not manage services is MST-DIFF-004', () => {
    const base = project([user('grafana', [{ kind: 'read', schema: 'public' }])], ProjectRole.READ_ONLY);
    const head = project([user('grafana', [{ kind: 'write', schema: 'public' }])], ProjectRole.READ_ONLY);
    const d = diffAccess({ projects: [base], findings: [] }, { projects: [head], findings: [] });
    expect(d.errors.map((e) => [e.ruleId, e.message])).toEqual([
      ['MST-DIFF-004', 'deployer "ci@acme.example" is a Read-only in base, which lacks Manage services, needed for the users of service "metrics"'],
    ]);
  });
});

describe('the report with grants', () => {
  test('lists who may read and who may write what, per service; users without grants carry no grants field', () => {
    const p = project([
      user('grafana', [{ kind: 'read', schema: 'public' }]),
      user('ingest', [{ kind: 'write', schema: 'metrics', tables: ['samples'], sequences: ['samples_id_seq'] }]),
      user('plain'),
    ]);
    const report = buildAccessReport([p], []);
    const users = report.projects[0].services[0].users;
    expect(users.map((u) => [u.username, u.grants?.map((g) => g.access)])).toEqual([
      ['grafana', ['read']], ['ingest', ['write', 'write']], ['plain', undefined],
    ]);
    expect('grants' in users[2]).toBe(false);
    const md = reportToMarkdown(report);
    expect(md).toContain([
      '#### Privileges', '',
      'Who may read and who may write what; a user not listed may log in and nothing else.', '',
      '| Service | User | Access | On | Privileges |',
      '| :-- | :-- | :-- | :-- | :-- |',
      '| `metrics` | `grafana` | read | every table of schema `public`, present and future | SELECT |',
      '| `metrics` | `ingest` | **write** | table `metrics.samples` | DELETE, INSERT, SELECT, UPDATE |',
      '| `metrics` | `ingest` | **write** | sequence `metrics.samples_id_seq` | SELECT, USAGE |',
    ].join('\n'));
  });

  test('a project without grants has no Privileges section', () => {
    expect(reportToMarkdown(buildAccessReport([project([user('plain')])], []))).not.toContain('Privileges');
  });

  test('grantRows joins what two grants give on one object', () => {
    expect(grantRows([{ kind: 'read', schema: 's', tables: ['t'] }, { kind: 'write', schema: 's', tables: ['t'], privileges: ['INSERT'] }]))
      .toEqual([{ access: 'write', on: { type: 'table', schema: 's', name: 't' }, privileges: ['INSERT', 'SELECT'] }]);
  });
});

describe('the access document', () => {
  test('records each user\'s grants, in canonical order, and reads them back', () => {
    const grants: GrantSpec[] = [{ kind: 'role', role: 'pg_monitor' }, { kind: 'read', schema: 'public' }, { kind: 'connect', database: 'analytics' }];
    const doc = toDocument([project([user('grafana', grants), user('plain')])]);
    const users = doc.projects[0].services[0].users;
    expect(users[0]).toMatchObject({ username: 'grafana', grants: [grants[2], grants[1], grants[0]] });
    // A user with nothing but its name is written as its name.
    expect(users[1]).toBe('plain');
    const [back] = fromDocument(JSON.parse(JSON.stringify(doc)));
    expect(back.services[0].users[0].grants).toEqual([grants[2], grants[1], grants[0]]);
    expect(back.services[0].users[1].grants).toBeUndefined();
    const reordered = toDocument([project([user('grafana', [...grants].reverse()), user('plain')])]);
    expect(JSON.stringify(reordered)).toBe(JSON.stringify(doc));
  });

  test('a malformed grant is MST-INPUT-002, naming the field', () => {
    const doc = JSON.parse(JSON.stringify(toDocument([project([user('grafana', [{ kind: 'read', schema: 'public' }])])])));
    doc.projects[0].services[0].users[0].grants[0] = { kind: 'read' };
    expect(() => fromDocument(doc)).toThrow(/MST-INPUT-002: the access document is malformed at projects\[0\]\.services\[0\]\.users\[0\]\.grants\[0\]/);
  });
});
