/**
 * The diff's judgement on cases the fixture pairs do not show, built in code:
 * each error beside the nearest case that is not one.
 */
import { ProjectSpec } from '../../src/domain/model';
import { manifestToSpec } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';
import { checkDeclarationsAgree } from '../../src/domain/agreement';
import { validateProjects } from '../../src/domain/validate';
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

/** A side as read from a stack at `root`: the projects and every finding of the rules. */
function readSide(m: Manifest, root = ''): { projects: ProjectSpec[]; findings: ReturnType<typeof validateProjects> } {
  const projects = [spec(m, root)];
  return { projects, findings: validateProjects(projects) };
}

/** Several stacks' declarations read as one side: each stack's rules and their agreement. */
function readSides(ms: Manifest[], roots: string[]): { projects: ProjectSpec[]; findings: ReturnType<typeof validateProjects> } {
  const projects = ms.map((m, i) => spec(m, roots[i]));
  return { projects, findings: [...projects.flatMap((p) => validateProjects([p])), ...checkDeclarationsAgree(projects)] };
}

function withMembers(m: Manifest, members: Manifest['members'], extra: Partial<Manifest> = {}): Manifest {
  return { ...m, members, ...extra };
}

const rules = (d: AccessDiff) => d.errors.map((e) => e.ruleId);

describe('errors: each change judged against the deployer\'s role in BASE', () => {
  it('a deployer of BASE that is not a member of BASE holds nothing', () => {
    const base = { ...BASE, deployer: 'ghost@x.example' };
    const head = withMembers(base, [...BASE.members.slice(0, 2), { email: 'ghost@x.example', role: 'admin' }]);
    expect(diff(base, head).errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-001', path: 'p',
      message: 'deployer "ghost@x.example" is not a member in base, so holds nothing and lacks Invite more users, needed to add "ghost@x.example", remove "ro@x.example"',
    })]);
  });

  it('a HEAD naming another deployer is judged with BASE\'s, and the change of deployer needs Invite more users', () => {
    // The Operator ops deploys in BASE; HEAD names the Admin boss and adds an Admin.
    const base = { ...BASE, deployer: 'ops@x.example', invitations: [], members: [...BASE.members, { email: 'ops@x.example', role: 'operator' as const }] };
    const head = withMembers(base, [...base.members, { email: 'new@x.example', role: 'admin' }], { deployer: 'boss@x.example' });
    const d = diff(base, head);
    expect(d.errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-001',
      message: 'deployer "ops@x.example" is an Operator in base, which lacks Invite more users, needed to hand the deploys to "boss@x.example", add "new@x.example"',
    })]);
    expect(d.changes.find((c) => c.kind === 'deployer-changed')).toEqual({
      kind: 'deployer-changed', escalation: true, project: 'p', from: 'ops@x.example', to: 'boss@x.example', gained: ['invite-users', 'modify-billing'],
    });
    // Only the change of deployer, by a deployer that may make it: an escalation, not an error.
    const dev = { ...BASE, deployer: 'dev@x.example' };
    const handed = diff(dev, { ...dev, deployer: 'boss@x.example' });
    expect(handed.errors).toEqual([]);
    expect(handed.changes).toEqual([expect.objectContaining({ kind: 'deployer-changed', escalation: true, gained: ['modify-billing', 'start-stop-services'] })]);
    expect(diff({ ...BASE, deployer: 'boss@x.example' }, dev).changes).toEqual([expect.objectContaining({ kind: 'deployer-changed', escalation: false, gained: [] })]);
  });

  it('adding a member within the deployer\'s role is fine; beyond it is MST-DIFF-003, as an invitation would be MST-INVITE-003', () => {
    const base = { ...BASE, deployer: 'dev@x.example' };
    const lesser = withMembers(base, [...BASE.members, { email: 'new@x.example', role: 'read-only' }]);
    expect(diff(base, lesser).errors).toEqual([]);
    const admin = withMembers(base, [...BASE.members, { email: 'boss2@x.example', role: 'admin' }]);
    expect(diff(base, admin).errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-003', path: 'p/members/boss2@x.example',
      message: 'deployer "dev@x.example" is a Developer in base and cannot add "boss2@x.example" as an Admin: it lacks Modify billing information and Start and stop services',
    })]);
  });

  it('a deployer that may not invite may not add a member either, not even a Read-only one', () => {
    const base = withMembers(BASE, [...BASE.members, { email: 'ops@x.example', role: 'operator' }], { deployer: 'ops@x.example', invitations: [] });
    const head = withMembers(base, [...base.members, { email: 'new@x.example', role: 'read-only' }]);
    expect(rules(diff(base, head))).toEqual(['MST-DIFF-001']);
  });

  it('a deployer accepted with another role than invited changed its own role', () => {
    const base: Manifest = { ...BASE, deployer: 'ci@x.example', invitations: [{ email: 'ci@x.example', role: 'developer', invitedBy: 'boss@x.example' }] };
    const head = withMembers(BASE, [...BASE.members, { email: 'ci@x.example', role: 'admin' }], { deployer: 'ci@x.example', invitations: [] });
    const d = diff(base, head);
    // Only invited in BASE: it holds nothing, so changing the accepted role is MST-DIFF-001 too.
    expect(rules(d)).toEqual(['MST-DIFF-001', 'MST-DIFF-002']);
    expect(d.errors[1]).toMatchObject({ path: 'p/members/ci@x.example', message: 'deployer "ci@x.example" changes its own role Developer → Admin' });
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
    expect(rules(diff(BASE, head))).toEqual(['MST-DIFF-002']);
    // Judged with the deployer's BASE role (Admin): promoting another to Admin is within it.
    const swap = withMembers(head, [head.members[0], { email: 'dev@x.example', role: 'admin' }, head.members[2]]);
    expect(rules(diff(BASE, swap))).toEqual(['MST-DIFF-002']);
    const other = withMembers(BASE, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'developer' }]);
    expect(diff(BASE, other).errors).toEqual([]);
  });

  it('a deployer that raises itself cannot use the raised role for its other changes', () => {
    const base = { ...BASE, deployer: 'dev@x.example', invitations: [] };
    const head = withMembers(base, [BASE.members[0], { email: 'dev@x.example', role: 'admin' }, { email: 'ro@x.example', role: 'admin' }]);
    expect(rules(diff(base, head))).toEqual(['MST-DIFF-002', 'MST-DIFF-003']);
  });

  it('a Developer deployer may raise a member to Developer, not to Admin', () => {
    const base = { ...BASE, deployer: 'dev@x.example', invitations: [] };
    const toDeveloper = withMembers(base, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'developer' }]);
    expect(diff(base, toDeveloper).errors).toEqual([]);
    const toAdmin = withMembers(base, [...BASE.members.slice(0, 2), { email: 'ro@x.example', role: 'admin' }]);
    expect(diff(base, toAdmin).errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-003', path: 'p/members/ro@x.example',
      message: 'deployer "dev@x.example" is a Developer in base and cannot make "ro@x.example" an Admin: it lacks Modify billing information and Start and stop services',
    })]);
  });

  it('an invitation sent or re-sent beyond the deployer\'s role is MST-DIFF-003, whoever the inviter', () => {
    const base = withMembers(BASE, BASE.members, { deployer: 'dev@x.example' });
    const sent = { ...base, invitations: [...BASE.invitations!, { email: 'cfo@x.example', role: 'admin' as const, invitedBy: 'boss@x.example' }] };
    expect(diff(base, sent).errors).toEqual([expect.objectContaining({ ruleId: 'MST-DIFF-003', path: 'p/invitations/cfo@x.example' })]);
    const resent = { ...base, invitations: [{ email: 'inv@x.example', role: 'operator' as const, invitedBy: 'boss@x.example' }] };
    expect(diff(base, resent).errors).toEqual([expect.objectContaining({
      ruleId: 'MST-DIFF-003', message: expect.stringContaining('cannot re-send the invitation of "inv@x.example" as an Operator'),
    })]);
  });

  it('HEAD\'s own rule errors are errors of the diff, with paths below the project', () => {
    const head: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 15, users: [{ username: 'app', allowReplication: true }] }] };
    const d = diffAccess({ projects: [spec(BASE)], findings: [] }, readSide(head, 'stack/acme'));
    expect(d.errors.map((e) => [e.ruleId, e.path])).toEqual([['MST-USER-004', 'p/db/users/app']]);
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

  it('a project declared in two HEAD stacks: a grant or a self-promotion in either one is judged', () => {
    const a: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'app' }] }] };
    const b: Manifest = { ...BASE, services: [{ name: 'cache', postgresVersion: 16, users: [{ username: 'worker' }] }] };
    // The Developer dev deploys; the second stack alone makes ro an Admin and dev itself an Admin.
    const dev = (m: Manifest): Manifest => ({ ...m, deployer: 'dev@x.example' });
    const promoted = (m: Manifest): Manifest => withMembers(dev(m), [
      BASE.members[0], { email: 'dev@x.example', role: 'admin' }, { email: 'ro@x.example', role: 'admin' },
    ]);
    const d = diffAccess({ projects: [spec(dev(a), 'one'), spec(dev(b), 'two')], findings: [] }, readSides([dev(a), promoted(b)], ['one', 'two']));
    expect(d.changes.filter((c) => c.escalation).map((c) => 'email' in c && c.email)).toEqual(['dev@x.example', 'ro@x.example']);
    expect(rules(d)).toEqual(['MST-PROJECT-002', 'MST-DIFF-002', 'MST-DIFF-003']);
  });

  it('the password source matters, not how the spec spells the default', () => {
    const explicit: Manifest = { ...BASE, services: [{ name: 'db', postgresVersion: 16, users: [{ username: 'app', passwordVersion: 1, password: { generated: {} } }] }] };
    expect(diff(BASE, explicit).changes).toEqual([]);
  });
});
