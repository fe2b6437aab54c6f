/**
 * Property-based tests of the gate (issue 11), over generated BASE/HEAD pairs
 * of one project: six people, each absent, a member or invited with any role
 * (emails in either letter case), any deployer, up to two services with users
 * and replication, a managed power state or not, billing or not.
 *
 * The expectations are an oracle written from the documented rules
 * (docs/reviewing-access.md) and the permission table, not from diff.ts:
 * - every permission a member or invitee gains is an escalation naming it;
 * - the MST-DIFF errors are exactly the changes beyond the role BASE's
 *   deployer holds in BASE (whichever deployer HEAD names); every rule error
 *   of HEAD is an error of the diff too;
 * - reordering the declarations changes neither the diff nor the bytes.
 * Seeded, so a failure reproduces; 1,000 pairs per property.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { App, TerraformStack } from 'cdktf';
import { Acknowledgements } from '../../src/constructs/acknowledgements';
import { MstProject } from '../../src/constructs/project';
import { PowerState } from '../../src/domain/power-state';
import { toDocument } from '../../src/domain/document';
import { Finding } from '../../src/domain/findings';
import { ProjectSpec } from '../../src/domain/model';
import { Permission, PERMISSIONS, ProjectRole, RoleId } from '../../src/domain/permissions';
import { parseRole } from '../../src/domain/checks';
import { validateProjects } from '../../src/domain/validate';
import { manifestToSpec } from '../../src/manifest/load';
import { Manifest } from '../../src/manifest/schema';
import { AccessDiff, diffAccess } from '../../src/report/diff';

const RUNS = { numRuns: 1000, seed: 20261129 };
const PEOPLE = ['ana', 'bob', 'cy', 'dee', 'eve', 'fay'].map((n) => `${n}@x.example`);
const ROLES: RoleId[] = ['admin', 'operator', 'developer', 'read-only'];

type Person = { kind: 'absent' } | { kind: 'member'; role: RoleId } | { kind: 'invited'; role: RoleId; by: number };
interface User { username: string; replication: boolean; version: number }
interface Service { name: string; state?: 'running' | 'powered-off'; users: User[] }
interface Side { people: Person[]; upper: boolean[]; deployer: number; services: Service[]; billing: boolean }

const role = fc.constantFrom(...ROLES);
const person: fc.Arbitrary<Person> = fc.oneof(
  fc.constant({ kind: 'absent' as const }),
  fc.record({ kind: fc.constant('member' as const), role }),
  fc.record({ kind: fc.constant('invited' as const), role, by: fc.nat(PEOPLE.length - 1) }),
);
const users = fc.uniqueArray(
  fc.record({ username: fc.constantFrom('app', 'etl', 'cdc', 'bi'), replication: fc.boolean(), version: fc.integer({ min: 1, max: 2 }) }),
  { maxLength: 3, selector: (u) => u.username },
);
const service = fc.record({
  name: fc.constantFrom('metrics', 'events'),
  state: fc.constantFrom(undefined, 'running' as const, 'powered-off' as const),
  users,
}).map(({ state, ...rest }): Service => (state === undefined ? rest : { ...rest, state }));
const side: fc.Arbitrary<Side> = fc.record({
  people: fc.array(person, { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  upper: fc.array(fc.boolean(), { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  deployer: fc.nat(PEOPLE.length - 1),
  services: fc.uniqueArray(service, { maxLength: 2, selector: (s) => s.name }),
  billing: fc.boolean(),
});
/** HEAD mostly close to BASE: each person, the deployer and the services kept or redrawn. */
const pair: fc.Arbitrary<[Side, Side]> = side.chain((base) => fc.record({
  people: fc.tuple(...base.people.map((p) => fc.oneof({ arbitrary: fc.constant(p), weight: 2 }, { arbitrary: person, weight: 1 }))),
  upper: fc.array(fc.boolean(), { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  deployer: fc.oneof({ arbitrary: fc.constant(base.deployer), weight: 3 }, { arbitrary: fc.nat(PEOPLE.length - 1), weight: 1 }),
  services: fc.oneof({ arbitrary: fc.constant(base.services), weight: 1 }, { arbitrary: fc.uniqueArray(service, { maxLength: 2, selector: (s) => s.name }), weight: 2 }),
  billing: fc.boolean(),
}).map((head): [Side, Side] => [base, head]));

function email(side: Side, i: number): string {
  return side.upper[i] ? PEOPLE[i].charAt(0).toUpperCase() + PEOPLE[i].slice(1) : PEOPLE[i];
}

function manifest(s: Side): Manifest {
  return {
    project: 'p',
    deployer: email(s, s.deployer),
    ...(s.billing ? { billing: { email: 'billing@x.example' } } : {}),
    members: s.people.flatMap((p, i) => (p.kind === 'member' ? [{ email: email(s, i), role: p.role }] : [])),
    invitations: s.people.flatMap((p, i) => (p.kind === 'invited' ? [{ email: email(s, i), role: p.role, invitedBy: PEOPLE[p.by] }] : [])),
    services: s.services.map((svc) => ({
      name: svc.name, postgresVersion: 16, ...(svc.state ? { state: svc.state } : {}),
      users: svc.users.map((u) => ({ username: u.username, allowReplication: u.replication, passwordVersion: u.version })),
    })),
  };
}

function read(m: Manifest): { projects: ProjectSpec[]; findings: Finding[] } {
  const projects = [manifestToSpec(m)];
  return { projects, findings: validateProjects(projects) };
}

const diffOf = (base: Side, head: Side): AccessDiff => diffAccess(read(manifest(base)), read(manifest(head)));
const perms = (r: RoleId) => parseRole(r).permissions;
const minus = (a: readonly Permission[], b: readonly Permission[]) => a.filter((p) => !b.includes(p));
const VIEW = perms('read-only');

/** What person `i` gains between the sides, per the documented matching (empty when nothing). */
function gained(b: Person, h: Person): Permission[] {
  if (h.kind === 'absent') return [];
  if (b.kind === 'absent') return minus(perms(h.role), VIEW);
  if (b.kind === 'member' && h.kind === 'invited') return minus(perms(h.role), VIEW); // removed, then invited anew
  return minus(perms(h.role), perms(b.role));
}

function changed(b: Person, h: Person): boolean {
  if (b.kind !== h.kind) return !(b.kind === 'invited' && h.kind === 'member' && b.role === h.role) || false;
  if (b.kind === 'absent') return false;
  if (b.role !== (h as { role: RoleId }).role) return true;
  return b.kind === 'invited' && h.kind === 'invited' && b.by !== h.by;
}

/** The MST-DIFF errors the rules call for: `RULE` or `RULE email`, sorted. BASE's deployer judges, whatever HEAD names. */
function expectedErrors(base: Side, head: Side): string[] {
  const d = base.deployer;
  const before = base.people[d];
  const deployerRole = before.kind === 'member' ? parseRole(before.role) : undefined;
  const holds = (p: Permission) => deployerRole?.can(p) ?? false;
  const out: string[] = [];
  // Handing the deploys to another member is a change of the members too.
  const members = base.people.some((b, i) => changed(b, head.people[i])) || head.deployer !== base.deployer;
  if (members && !holds('invite-users')) out.push('MST-DIFF-001');
  const after = head.people[d];
  if (before.kind !== 'absent' && after.kind === 'member' && before.role !== after.role) out.push('MST-DIFF-002');
  if (deployerRole && holds('invite-users')) {
    base.people.forEach((b, i) => {
      const h = head.people[i];
      if (i === d || h.kind === 'absent' || gained(b, h).length === 0) return;
      if (deployerRole.lacksFrom(parseRole(h.role)).length > 0) out.push(`MST-DIFF-003 ${PEOPLE[i]}`);
    });
  }
  // Users, a managed power state and billing details: the permission that governs each.
  const svc = (s: Side, name: string) => s.services.find((x) => x.name === name);
  const names = [...new Set([...base.services, ...head.services].map((s) => s.name))];
  const usersChange = names.some((n) => {
    const bu = svc(base, n)?.users ?? [];
    const hu = svc(head, n)?.users ?? [];
    const key = (list: User[]) => JSON.stringify([...list].sort((x, y) => (x.username < y.username ? -1 : 1)));
    return key(bu) !== key(hu);
  });
  if (usersChange && !holds('manage-services')) out.push('MST-DIFF-004 manage-services');
  const power = names.some((n) => (svc(head, n)?.state !== undefined && svc(head, n)?.state !== svc(base, n)?.state));
  if (power && !holds('start-stop-services')) out.push('MST-DIFF-004 start-stop-services');
  if (head.billing && !base.billing && !holds('modify-billing')) out.push('MST-DIFF-004 modify-billing');
  return out.sort();
}

function actualErrors(d: AccessDiff): string[] {
  return d.errors.filter((e) => e.ruleId.startsWith('MST-DIFF-')).map((e) => {
    if (e.ruleId === 'MST-DIFF-003') return `${e.ruleId} ${e.path.split('/').pop()!.toLowerCase()}`;
    if (e.ruleId === 'MST-DIFF-004') {
      const p = PERMISSIONS.find((x) => e.message.includes(`lacks ${({ 'invite-users': 'Invite more users', 'modify-billing': 'Modify billing information', 'manage-services': 'Manage services', 'start-stop-services': 'Start and stop services', 'view-services': 'View service information' })[x]}`));
      return `${e.ruleId} ${p}`;
    }
    return e.ruleId;
  }).sort();
}

function shuffled<T>(items: readonly T[], order: readonly number[]): T[] {
  return items.map((item, i) => ({ item, k: order[i % order.length] ?? i })).sort((a, b) => a.k - b.k).map((x) => x.item);
}

function reorder(m: Manifest, order: readonly number[]): Manifest {
  return {
    ...m,
    members: shuffled(m.members, order),
    invitations: shuffled(m.invitations ?? [], [...order].reverse()),
    services: shuffled(m.services ?? [], order).map((s) => ({ ...s, users: shuffled(s.users ?? [], [...order].reverse()) })),
  };
}

describe('the diff of generated BASE/HEAD pairs', () => {
  it('lists every permission a member or invitee gains as an escalation naming it', () => {
    fc.assert(fc.property(pair, ([base, head]) => {
      const d = diffOf(base, head);
      base.people.forEach((b, i) => {
        const expected = gained(b, head.people[i]);
        const listed = d.changes.filter((c) => c.escalation && 'email' in c && c.email.toLowerCase() === PEOPLE[i]);
        if (expected.length === 0) {
          expect(listed).toEqual([]);
        } else {
          expect(listed.map((c) => ('gained' in c ? c.gained : []))).toEqual([expected]);
        }
      });
      // Replication: every user that may replicate in HEAD and did not in BASE.
      for (const s of head.services) {
        for (const u of s.users.filter((x) => x.replication)) {
          const was = base.services.find((x) => x.name === s.name)?.users.find((x) => x.username === u.username);
          if (was?.replication) continue;
          expect(d.changes.some((c) => c.escalation && 'username' in c && c.username === u.username && c.service === s.name)).toBe(true);
        }
      }
    }), RUNS);
  });

  it('reports as errors exactly the changes beyond the deployer\'s role in BASE, and every rule error of HEAD', () => {
    fc.assert(fc.property(pair, ([base, head]) => {
      const d = diffOf(base, head);
      expect(actualErrors(d)).toEqual(expectedErrors(base, head));
      const headErrors = read(manifest(head)).findings.filter((f) => f.level === 'error');
      for (const f of headErrors) expect(d.errors.some((e) => e.ruleId === f.ruleId && e.message === f.message)).toBe(true);
      expect(d.summary.errors).toBe(d.errors.length);
    }), RUNS);
  });

  it('is the same, and so are the access document\'s bytes, whatever the order of the declarations', () => {
    fc.assert(fc.property(pair, fc.array(fc.nat(100), { minLength: 1, maxLength: 8 }), ([base, head], order) => {
      const [b, h] = [manifest(base), manifest(head)];
      const [rb, rh] = [reorder(b, order), reorder(h, order)];
      expect(JSON.stringify(diffAccess(read(rb), read(rh)))).toBe(JSON.stringify(diffAccess(read(b), read(h))));
      expect(JSON.stringify(toDocument([manifestToSpec(rh)]))).toBe(JSON.stringify(toDocument([manifestToSpec(h)])));
    }), RUNS);
  });
});

describe('synthesized bytes of generated projects', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdktf-mst-order-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let n = 0;

  /** cdk.tf.json of `s` declared through the typed API in `order`. */
  function synth(s: Side, order: readonly number[]): string {
    const outdir = path.join(tmp, String(n++));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'access');
    const project = new MstProject(stack, 'p', { deployer: 'ana@x.example' });
    project.addMember('ana@x.example', ProjectRole.ADMIN);
    const people = shuffled(s.people.map((p, i) => ({ p, i })).filter(({ i }) => i > 0), order);
    for (const { p, i } of people) {
      if (p.kind === 'member') project.addMember(email(s, i), parseRole(p.role));
      if (p.kind === 'invited') project.addInvitation(email(s, i), { role: parseRole(p.role), invitedBy: 'ana@x.example' });
    }
    for (const svc of shuffled(s.services, order)) {
      const service = project.addService(svc.name, { postgresVersion: 16, ...(svc.state === 'running' ? { powerState: PowerState.RUNNING } : {}) });
      for (const u of shuffled(svc.users, [...order].reverse())) {
        const user = service.addUser(u.username, { allowReplication: u.replication, passwordVersion: u.version });
        if (u.replication) Acknowledgements.of(user).add('MST-USER-006', `${u.username} replicates`);
      }
    }
    app.synth();
    return fs.readFileSync(path.join(outdir, 'stacks', 'access', 'cdk.tf.json'), 'utf8');
  }

  it('do not move when members, invitations, services and users are declared in another order', () => {
    fc.assert(fc.property(side, fc.array(fc.nat(100), { minLength: 2, maxLength: 8 }), (s, order) => {
      expect(synth(s, order)).toBe(synth(s, [...order].reverse()));
    }), { numRuns: 25, seed: 20261129 });
  });
});
