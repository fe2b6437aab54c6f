import { readAccessInput } from '../../src/report/input';
import { AccessChange, AccessDiff, CHANGE_ORDER, diffAccess, ESCALATION_ORDER } from '../../src/report/diff';
import { RULES } from '../../src/domain/rules';
import { DIFF_CASES, expectGolden, fixture, run } from './golden';

function diffOf(name: string): AccessDiff {
  return diffAccess(readAccessInput(fixture(name, 'base.yaml')), readAccessInput(fixture(name, 'head.yaml')));
}

/** `kind subject`, or `kind! subject` for escalations: a compact view to assert on. */
function brief(c: AccessChange): string {
  const subject = 'email' in c ? c.email
    : 'username' in c && c.username !== null ? `${c.service}/${c.username}`
      : c.kind === 'user-renamed' ? `${c.service}/${c.from}->${c.to}`
        : 'service' in c ? c.service
          : 'ruleId' in c ? `${c.ruleId} ${c.path}`
            : c.project;
  return `${c.kind}${c.escalation ? '!' : ''} ${subject}`;
}

describe('diff goldens', () => {
  it.each(DIFF_CASES)('%s (markdown and JSON)', (name) => {
    const base = fixture(name, 'base.yaml');
    const head = fixture(name, 'head.yaml');
    const md = run('diff', base, head);
    const json = run('diff', base, head, '--format', 'json');
    expect(md.code).toBe(0);
    expect(json.code).toBe(0);
    expect(md.err).toBe('');
    expectGolden(`diff/${name}.md`, md.out);
    expectGolden(`diff/${name}.json`, json.out);
  });
});

describe('what each pair changes (the goldens must be right, not only stable)', () => {
  it('unchanged: order and the letter case of emails are not changes', () => {
    const d = diffOf('unchanged');
    expect(d.changes).toEqual([]);
    expect(d.errors).toEqual([]);
    expect(run('diff', fixture('unchanged', 'base.yaml'), fixture('unchanged', 'head.yaml')).out).toContain('No access changes');
  });

  it('escalations: every escalation, most dangerous first, each beside its harmless twin', () => {
    const d = diffOf('escalations');
    expect(d.changes.map(brief)).toEqual([
      'role-changed! dev@acme.example',
      'role-changed! ops@acme.example',
      'invitation-accepted! auditor@acme.example',
      'replication-enabled! metrics/grafana',
      'user-added! metrics/cdc',
      'member-added! lead@acme.example',
      'invitation-sent! cfo@acme.example',
      'invitation-changed! new@acme.example',
      'member-added viewer@acme.example',
      'invitation-sent intern@acme.example',
      'warning-raised MST-USER-006 metrics/users/grafana',
      'warning-acknowledged MST-USER-006 metrics/users/cdc',
    ]);
    expect(d.changes[0]).toMatchObject({ from: 'developer', to: 'operator', gained: ['start-stop-services'], lost: ['invite-users'] });
    expect(d.changes[1]).toMatchObject({ from: 'operator', to: 'admin', gained: ['invite-users', 'modify-billing'], lost: [] });
    expect(d.changes[2]).toMatchObject({ invited: 'read-only', role: 'operator', gained: ['manage-services', 'start-stop-services'] });
    expect(d.changes[7]).toMatchObject({
      from: 'developer', to: 'admin', invitedBy: { from: 'dev@acme.example', to: 'ana@acme.example' },
      gained: ['modify-billing', 'start-stop-services'], lost: [],
    });
    expect(d.summary).toEqual({ escalations: 8, errors: 0, changes: 12 });
    expect(d.errors).toEqual([]);
  });

  it('members: removals, a lowered role, a withdrawal, a re-sent invitation and an acceptance as one entry', () => {
    const d = diffOf('members');
    expect(d.changes.map(brief)).toEqual([
      'member-removed ops@acme.example',
      'role-changed dev@acme.example',
      'invitation-withdrawn auditor@acme.example',
      'invitation-changed contractor@acme.example',
      'invitation-accepted new@acme.example',
    ]);
    // Accepted: one entry, neither "withdrawn" nor "member added".
    expect(d.changes.filter((c) => 'email' in c && c.email === 'new@acme.example')).toHaveLength(1);
    expect(d.errors).toEqual([]);
  });

  it('services: users, passwords, replication off, services, power states, deployer and billing', () => {
    const d = diffOf('services');
    expect(d.changes.map(brief)).toEqual([
      'user-added metrics/alerts',
      'user-removed legacy/etl',
      'user-renamed events/reporting->Reporting',
      'password-rotated events/ingest',
      'password-rotated events/Reporting',
      'password-rotated metrics/grafana',
      'replication-disabled metrics/replicator',
      'service-added archive',
      'service-removed legacy',
      'power-state-changed events',
      'power-state-changed metrics',
      // ana holds no more than ci-bot (both Admins): not an escalation.
      'deployer-changed acme-prod',
      'billing-changed acme-prod',
    ]);
    expect(d.summary.escalations).toBe(0);
    // The rule's own acknowledgement went with the replication: no "new warning".
    expect(d.changes.some((c) => c.kind === 'warning-raised')).toBe(false);
  });

  it('deployer-lacks-invite: a role change and a removal need Invite more users, which the Operator lacks in base', () => {
    const d = diffOf('deployer-lacks-invite');
    expect(d.errors).toEqual([{
      ruleId: 'MST-DIFF-001', level: 'error', path: 'acme-ops',
      message: 'deployer "ops@acme.example" is an Operator in base, which lacks Invite more users, needed to remove "old@acme.example", change the role of "dev@acme.example"',
      fix: 'deploy this change as a member holding Invite more users in base (Admin or Developer)',
    }]);
  });

  it('self-role-change: the deployer may not edit its own role, even downwards', () => {
    const d = diffOf('self-role-change');
    expect(d.errors).toEqual([{
      ruleId: 'MST-DIFF-002', level: 'error', path: 'acme-apps/members/ci-bot@acme.example',
      message: 'deployer "ci-bot@acme.example" changes its own role Admin → Developer',
      fix: 'nobody may change their own role: have another member make this change',
    }]);
  });

  it('beyond-deployer: a Developer may not hand out Start and stop services; an acceptance within its role is fine', () => {
    const d = diffOf('beyond-deployer');
    expect(d.errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-003', level: 'error', path: 'acme-lab/members/bob@acme.example',
      message: 'deployer "dev@acme.example" is a Developer in base and cannot make "bob@acme.example" an Operator: it lacks Start and stop services',
    })]);
    expect(d.changes.map(brief)).toEqual(['role-changed! bob@acme.example', 'invitation-accepted! carol@acme.example']);
  });

  it('deployer-lacks-permission: a HEAD naming an Admin as deployer is judged with the Developer deployer of BASE', () => {
    const d = diffOf('deployer-lacks-permission');
    expect(d.errors.map((e) => [e.ruleId, e.path, e.message])).toEqual([
      ['MST-DIFF-004', 'acme-svc', 'deployer "dev@acme.example" is a Developer in base, which lacks Modify billing information, needed for the billing details'],
      ['MST-DIFF-004', 'acme-svc', 'deployer "dev@acme.example" is a Developer in base, which lacks Start and stop services, needed for the power state of service "metrics"'],
    ]);
    expect(d.changes.map(brief)).toEqual(['deployer-changed! acme-svc', 'power-state-changed metrics', 'billing-changed acme-svc']);
    expect(d.changes[0]).toMatchObject({ from: 'dev@acme.example', to: 'ana@acme.example', gained: ['modify-billing', 'start-stop-services'] });
    // HEAD itself passes every rule: only the judgement against BASE refuses it.
    expect(readAccessInput(fixture('deployer-lacks-permission', 'head.yaml')).findings.filter((f) => f.level === 'error')).toEqual([]);
  });

  it('projects: a project removed (its users dropped) and one added (its grants listed, and judged as one where nobody holds anything)', () => {
    const d = diffOf('projects');
    expect(d.projects).toEqual(['acme-dev', 'acme-staging']);
    expect(d.changes.map(brief)).toEqual([
      'user-added! dev-db/debezium',
      'member-added! ana@acme.example',
      'member-added! dev@acme.example',
      'project-added acme-dev',
      'project-removed acme-staging',
      'member-added intern@acme.example',
      'invitation-sent qa@acme.example',
      'user-added dev-db/app',
      'user-removed staging-db/app',
      'service-added dev-db',
      'service-removed staging-db',
      'warning-acknowledged MST-USER-006 dev-db/users/debezium',
    ]);
    expect(d.errors.map((e) => [e.ruleId, e.message.replace(/, needed.*/, '')])).toEqual([
      ['MST-DIFF-001', 'deployer "ana@acme.example" deploys a project base does not declare, so holds nothing in it and lacks Invite more users'],
      ['MST-DIFF-004', 'deployer "ana@acme.example" deploys a project base does not declare, so holds nothing in it and lacks Manage services'],
      ['MST-DIFF-004', 'deployer "ana@acme.example" deploys a project base does not declare, so holds nothing in it and lacks Start and stop services'],
    ]);
  });

  it('connections: the admin connection, its TLS mode, the admin password\'s source, shared password variables, passwords in the state', () => {
    const d = diffOf('connections');
    expect(d.changes.map(brief)).toEqual([
      'admin-connection-changed! metrics',
      'admin-connection-changed! metrics',
      'tls-changed! metrics',
      'admin-password-changed! events',
      'password-shared! events',
      'password-shared! metrics',
      'password-shared! metrics/app',
      'password-shared! metrics/grafana',
      'write-only-changed! events',
      'password-rotated metrics/app',
      'tls-changed archive',
      'write-only-changed archive',
    ]);
    expect(d.changes.slice(0, 4)).toEqual([
      expect.objectContaining({ setting: 'host', from: { literal: 'metrics.acme.example' }, to: { literal: 'metrics.elsewhere.example' } }),
      expect.objectContaining({ setting: 'port', from: { literal: 5432 }, to: { literal: 6432 } }),
      expect.objectContaining({ rule: 'MST-DIFF-006', from: { literal: 'require' }, to: { literal: 'disable' }, weakened: true }),
      expect.objectContaining({ rule: 'MST-DIFF-007', from: { source: 'variable', variable: 'events_admin_password' }, to: { source: 'variable', variable: 'metrics_admin_password' } }),
    ]);
    expect(d.changes[4]).toMatchObject({ username: null, variable: 'metrics_admin_password', with: ['the admin of service "metrics"'] });
    expect(d.changes[6]).toMatchObject({ username: 'app', variable: 'grafana_password', with: ['user "grafana" of service "metrics"'] });
    expect(d.errors).toEqual([]);
  });

  it('covers every kind of change and error across the pairs', () => {
    const diffs = DIFF_CASES.map(diffOf);
    const kinds = new Set(diffs.flatMap((d) => d.changes.map((c) => `${c.kind}${c.escalation ? '!' : ''}`)));
    const expected = [
      ...ESCALATION_ORDER.map((k) => `${k}!`),
      ...CHANGE_ORDER.filter((k) => !['replication-enabled'].includes(k)),
    ];
    expect([...kinds].sort()).toEqual([...new Set(expected)].sort());
    expect(new Set(diffs.flatMap((d) => d.errors.map((e) => e.ruleId))))
      .toEqual(new Set(RULES.filter((r) => r.id.startsWith('MST-DIFF-') && r.level === 'error').map((r) => r.id)));
    // Each escalation rule names the kind of change that carries it.
    expect(new Set(diffs.flatMap((d) => d.changes.flatMap((c) => ('rule' in c ? [c.rule] : [])))))
      .toEqual(new Set(RULES.filter((r) => r.level === 'escalation').map((r) => r.id)));
  });

  it('escalations come before everything else in the Markdown, errors next', () => {
    const md = run('diff', fixture('beyond-deployer', 'base.yaml'), fixture('beyond-deployer', 'head.yaml')).out;
    expect(md.indexOf('### Escalations')).toBeGreaterThan(0);
    expect(md.indexOf('### Escalations')).toBeLessThan(md.indexOf('### Errors'));
    expect(md.split('\n')[2]).toBe('**2 escalations** · **1 error** · 0 other changes — project `acme-lab`');
  });
});
