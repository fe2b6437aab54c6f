/**
 * The diff's judgement on cases the fixture pairs do not show, built in code:
 * each error beside the nearest case that is not one.
 */
import { ProjectSpec } from '../../src/domain/model';
import { manifestToSpec } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';
import { AccessDiff, diffAccess } from '../../src/report/diff';

const BASE: Manifest = {
  project: 'p',
  deployer: 'boss@x.example',
  members: [
    { email: 'boss@x.example', role: 'admin' },
    { email: 'dev@x.example', role: 'developer' },
    { email: 'ro@x.example', role: 'read-only' },
  ],
  invitations: [{ email: 'inv@x.example', role: 'read-only', invitedBy: 'boss@x.example' }],
  services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'app' }] }],
};

function spec(m: Manifest, root = ''): ProjectSpec {
  return manifestToSpec(m, root);
}

function diff(base: Manifest, head: Manifest): AccessDiff {
  return diffAccess({ projects: [spec(base)], findings: [] }, { projects: [spec(head)], findings: [] });
}

function withMembers(m: Manifest, members: Manifest['members'], extra: Partial<Manifest> = {}): Manifest {
  return { ...m, members, ...extra };
}

describe('errors', () => {
  it('a HEAD deployer that is not a member cannot edit members', () => {
    const head = withMembers(BASE, [{ email: 'boss@x.example', role: 'admin' }, { email: 'dev@x.example', role: 'developer' }],
      { deployer: 'ghost@x.example' });
    expect(diff(BASE, head).errors).toEqual([expect.objectContaining({
      kind: 'deployer-cannot-change-members', ruleId: 'MST-DIFF-001', deployer: 'ghost@x.example', deployerRole: null,
      changes: [{ kind: 'member-removed', email: 'ro@x.example' }],
    })]);
  });

  it('adding members or sending invitations is not a member edit (Invite is checked by the rules)', () => {
    const head = withMembers(BASE, [...BASE.members, { email: 'new@x.example', role: 'read-only' }], { deployer: 'dev@x.example' });
    expect(diff(BASE, head).errors).toEqual([]);
  });

  it('a deployer accepted with another role than invited changed its own role', () => {
    const base: Manifest = { ...BASE, invitations: [{ email: 'ci@x.example', role: 'developer', invitedBy: 'boss@x.example' }] };
    const head = withMembers(BASE, [...BASE.members, { email: 'ci@x.example', role: 'admin' }], { deployer: 'ci@x.example', invitations: [] });
    const d = diff(base, head);
    expect(d.errors).toEqual([{ kind: 'self-role-change', ruleId: 'MST-DIFF-002', project: 'p', deployer: 'ci@x.example', from: 'developer', to: 'admin' }]);
    expect(d.changes[0]).toMatchObject({ kind: 'invitation-accepted', escalation: true, gained: ['modify-billing', 'start-stop-services'] });
  });

  it('a deployer accepted as invited did not', () => {
    const base: Manifest = { ...BASE, invitations: [{ email: 'ci@x.example', role: 'admin', invitedBy: 'boss@x.example' }] };
    const head = withMembers(BASE, [...BASE.members, { email: 'CI@x.example', role: 'admin' }], { deployer: 'ci@x.example', invitations: [] });
    expect(diff(base, head).errors).toEqual([]);
  });

  it('a deployer whose role stays may change others\' roles; its own email in another case is still itself', () => {
    const head = withMembers(BASE, [
      { email: 'BOSS@x.example', role: 'developer' }, { email: 'dev@x.example', role: 'developer' }, { email: 'ro@x.example', role: 'read-only' },
    ]);
    expect(diff(BASE, head).errors.map((e) => e.kind)).toEqual(['self-role-change']);
    // Judged with the deployer's HEAD role: demoting itself and promoting another to Admin is both.
    const swap = withMembers(head, [head.members[0], { email: 'dev@x.example', role: 'admin' }, head.members[2]]);
    expect(diff(BASE, swap).errors.map((e) => e.kind)).toEqual(['self-role-change', 'grant-beyond-deployer']);
    const other = withMembers(BASE, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'developer' }]);
    expect(diff(BASE, other).errors).toEqual([]);
  });

  it('a Developer deployer may raise a member to Developer, not to Admin', () => {
    const base = { ...BASE, deployer: 'dev@x.example', invitations: [] };
    const toDeveloper = withMembers(base, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'developer' }]);
    expect(diff(base, toDeveloper).errors).toEqual([]);
    const toAdmin = withMembers(base, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'admin' }]);
    expect(diff(base, toAdmin).errors).toEqual([expect.objectContaining({
      kind: 'grant-beyond-deployer', ruleId: 'MST-DIFF-003', email: 'ro@x.example', role: 'admin', lacks: ['modify-billing', 'start-stop-services'],
    })]);
  });
});

describe('matching', () => {
  it('users by username case-insensitively: a case change is a rename, not a drop and a create', () => {
    const head: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'App' }] }] };
    expect(diff(BASE, head).changes).toEqual([
      { kind: 'user-renamed', escalation: false, project: 'p', service: 'db', from: 'app', to: 'App' },
    ]);
  });

  it('a member that becomes an invitation again is removed and invited', () => {
    const head = withMembers(BASE, BASE.members.slice(0, 2), {
      invitations: [...BASE.invitations!, { email: 'ro@x.example', role: 'read-only', invitedBy: 'boss@x.example' }],
    });
    expect(diff(BASE, head).changes.map((c) => c.kind)).toEqual(['member-removed', 'invitation-sent']);
  });

  it('a project declared in two stacks is compared as one', () => {
    const a: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'app' }] }] };
    const b: Manifest = { ...BASE, services: [{ name: 'cache', postgresVersion: 16, users: [{ username: 'worker' }] }] };
    const b2: Manifest = { ...b, services: [{ name: 'cache', postgresVersion: 16, users: [{ username: 'worker', allowReplication: true }] }] };
    const d = diffAccess(
      { projects: [spec(a, 'one'), spec(b, 'two')], findings: [] },
      { projects: [spec(a, 'one'), spec(b2, 'two')], findings: [] },
    );
    expect(d.changes).toEqual([{ kind: 'replication-enabled', escalation: true, project: 'p', service: 'cache', username: 'worker' }]);
  });

  it('the password source matters, not how the spec spells the default', () => {
    const explicit: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'app', passwordVersion: 1, password: { generated: {} } }] }] };
    expect(diff(BASE, explicit).changes).toEqual([]);
  });
});
