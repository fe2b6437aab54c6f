/**
 * The access diff: what changes in access between two versions of the same
 * configuration (the target branch and the pull request), most dangerous
 * first, and the changes the HEAD deployer may not make. Pure: projects and
 * findings in, plain JSON-ready data out.
 *
 * Matching: projects by name, services by name, users by username compared
 * case-insensitively, members and invitations by email compared
 * case-insensitively. What a role gains or loses is read from the one matrix
 * (ProjectRole.lacksFrom).
 */
import { Finding } from '../domain/findings';
import {
  InvitationSpec, MemberSpec, PowerState, ProjectSpec, ServiceSpec, UserSpec,
} from '../domain/model';
import { emailKey } from '../domain/names';
import { Permission, ProjectRole, RoleId } from '../domain/permissions';
import { byText, PasswordInfo, passwordInfo, pathInProject, projectOf } from './common';

/** Identifies the JSON format; bumped when a field changes meaning. */
export const DIFF_FORMAT = 'cdktf-mst/access-diff@1';

/** The two sides of a diff. */
export interface DiffSide {
  readonly projects: readonly ProjectSpec[];
  /** The rules' findings on those projects (only warnings are compared). */
  readonly findings: readonly Finding[];
}

/** Every kind of change, most dangerous first within each group (see {@link ESCALATION_ORDER}, {@link CHANGE_ORDER}). */
export type AccessChange =
  | ProjectAdded | ProjectRemoved
  | MemberAdded | MemberRemoved | RoleChanged
  | InvitationSent | InvitationWithdrawn | InvitationChanged | InvitationAccepted
  | UserAdded | UserRemoved | UserRenamed | ReplicationEnabled | ReplicationDisabled | PasswordRotated
  | ServiceAdded | ServiceRemoved | PowerStateChanged
  | DeployerChanged | BillingChanged
  | WarningRaised | WarningAcknowledged;

export type ChangeKind = AccessChange['kind'];

interface Base<K extends string> {
  readonly kind: K;
  /** True when the change grants more access than before (see docs/reviewing-access.md). */
  readonly escalation: boolean;
  readonly project: string;
}
interface OnService<K extends string> extends Base<K> {
  readonly service: string;
}

/** A project only HEAD declares; its members, invitations, services and users are listed as added too. */
export interface ProjectAdded extends Base<'project-added'> { readonly deployer: string }
/**
 * A project only BASE declares. Its services and users are listed as removed
 * (their roles are dropped); its members and invitations are only counted: the
 * stack stops recording them, nobody gains anything.
 */
export interface ProjectRemoved extends Base<'project-removed'> { readonly members: number; readonly invitations: number }
/** `gained`: what the new member holds beyond viewing service information; an escalation when not empty. */
export interface MemberAdded extends Base<'member-added'> { readonly email: string; readonly role: RoleId; readonly gained: readonly Permission[] }
export interface MemberRemoved extends Base<'member-removed'> { readonly email: string; readonly role: RoleId }
/** An escalation when `gained` is not empty. */
export interface RoleChanged extends Base<'role-changed'> {
  readonly email: string; readonly from: RoleId; readonly to: RoleId;
  readonly gained: readonly Permission[]; readonly lost: readonly Permission[];
}
/** `gained`: what the invitee will hold beyond viewing service information; an escalation when not empty. */
export interface InvitationSent extends Base<'invitation-sent'> {
  readonly email: string; readonly role: RoleId; readonly invitedBy: string; readonly gained: readonly Permission[];
}
export interface InvitationWithdrawn extends Base<'invitation-withdrawn'> { readonly email: string; readonly role: RoleId; readonly invitedBy: string }
/** A pending invitation re-sent with another role or by another member; an escalation when `gained` is not empty. */
export interface InvitationChanged extends Base<'invitation-changed'> {
  readonly email: string; readonly from: RoleId; readonly to: RoleId;
  readonly invitedBy: { readonly from: string; readonly to: string };
  readonly gained: readonly Permission[]; readonly lost: readonly Permission[];
}
/**
 * An email that moved from the invitations to the members. `gained`/`lost`
 * compare the member's role with the invited one; an escalation when `gained`
 * is not empty (the role was raised on the way in).
 */
export interface InvitationAccepted extends Base<'invitation-accepted'> {
  readonly email: string; readonly invited: RoleId; readonly role: RoleId;
  readonly gained: readonly Permission[]; readonly lost: readonly Permission[];
}
/** An escalation when the new user may replicate. */
export interface UserAdded extends OnService<'user-added'> { readonly username: string; readonly replication: boolean }
export interface UserRemoved extends OnService<'user-removed'> { readonly username: string; readonly replication: boolean }
/** Same user, other letter case: the PostgreSQL role is renamed, and clients must log in with the new name. */
export interface UserRenamed extends OnService<'user-renamed'> { readonly from: string; readonly to: string }
/** Always an escalation: a replication user can read every row of the service. */
export interface ReplicationEnabled extends OnService<'replication-enabled'> { readonly username: string }
export interface ReplicationDisabled extends OnService<'replication-disabled'> { readonly username: string }
/** `passwordVersion` bumped, or the password source changed: a new password is set. */
export interface PasswordRotated extends OnService<'password-rotated'> {
  readonly username: string; readonly from: PasswordInfo; readonly to: PasswordInfo;
}
export interface ServiceAdded extends OnService<'service-added'> { readonly powerState: PowerState | null }
export interface ServiceRemoved extends OnService<'service-removed'> { readonly powerState: PowerState | null }
/** null: the power state is not managed by the stack. */
export interface PowerStateChanged extends OnService<'power-state-changed'> {
  readonly from: PowerState | null; readonly to: PowerState | null;
}
export interface DeployerChanged extends Base<'deployer-changed'> { readonly from: string; readonly to: string }
/** null: billing details are not managed by the stack. */
export interface BillingChanged extends Base<'billing-changed'> {
  readonly from: { readonly email?: string } | null; readonly to: { readonly email?: string } | null;
}
/**
 * A warning HEAD raises unacknowledged that BASE did not (or that BASE had
 * acknowledged). `path` is below the project (`metrics/users/replicator`), so
 * a manifest and its synthesized stack read the same.
 */
export interface WarningRaised extends Base<'warning-raised'> { readonly ruleId: string; readonly path: string; readonly message: string }
/** A warning HEAD acknowledges with a reason BASE did not give. */
export interface WarningAcknowledged extends Base<'warning-acknowledged'> {
  readonly ruleId: string; readonly path: string; readonly message: string; readonly reason: string;
}

/** Escalations, most dangerous first. */
export const ESCALATION_ORDER: readonly ChangeKind[] = [
  'role-changed', 'invitation-accepted', 'replication-enabled', 'user-added', 'member-added',
  'invitation-sent', 'invitation-changed',
];

/** Every other change, in reading order. */
export const CHANGE_ORDER: readonly ChangeKind[] = [
  'project-added', 'project-removed',
  'member-added', 'member-removed', 'role-changed',
  'invitation-sent', 'invitation-withdrawn', 'invitation-changed', 'invitation-accepted',
  'user-added', 'user-removed', 'user-renamed', 'password-rotated', 'replication-disabled',
  'service-added', 'service-removed', 'power-state-changed',
  'deployer-changed', 'billing-changed',
  'warning-raised', 'warning-acknowledged',
];

/** A change the HEAD deployer may not make. */
export type DiffError = DeployerCannotChangeMembers | SelfRoleChange | GrantBeyondDeployer;

/**
 * Changing a member's role, removing a member or withdrawing (or re-sending)
 * an invitation needs the HEAD deployer to hold Invite more users.
 */
export interface DeployerCannotChangeMembers {
  readonly kind: 'deployer-cannot-change-members';
  readonly ruleId: 'MST-DIFF-001';
  readonly project: string;
  readonly deployer: string;
  /** The deployer's role in HEAD, or null when it is not a member there. */
  readonly deployerRole: RoleId | null;
  readonly needs: Permission;
  readonly changes: readonly { readonly kind: ChangeKind; readonly email: string }[];
}

/** Nobody may change their own role: the deployer's role differs between BASE and HEAD. */
export interface SelfRoleChange {
  readonly kind: 'self-role-change';
  readonly ruleId: 'MST-DIFF-002';
  readonly project: string;
  readonly deployer: string;
  readonly from: RoleId;
  readonly to: RoleId;
}

/** The deployer gives a member a role holding permissions it lacks itself (as MST-INVITE-003 for inviters). */
export interface GrantBeyondDeployer {
  readonly kind: 'grant-beyond-deployer';
  readonly ruleId: 'MST-DIFF-003';
  readonly project: string;
  readonly deployer: string;
  readonly deployerRole: RoleId;
  readonly email: string;
  readonly role: RoleId;
  readonly lacks: readonly Permission[];
}

export interface AccessDiff {
  readonly format: typeof DIFF_FORMAT;
  /** Every project either side declares, by name. */
  readonly projects: readonly string[];
  /** Escalations first (in {@link ESCALATION_ORDER}), then every other change (in {@link CHANGE_ORDER}). */
  readonly changes: readonly AccessChange[];
  readonly errors: readonly DiffError[];
  readonly summary: { readonly escalations: number; readonly errors: number; readonly changes: number };
}

/** The permission the deployer needs to edit or remove members and withdraw invitations. */
export const MEMBER_CHANGE_PERMISSION: Permission = 'invite-users';

/** Compares BASE with HEAD. */
export function diffAccess(base: DiffSide, head: DiffSide): AccessDiff {
  const changes: AccessChange[] = [];
  const errors: DiffError[] = [];
  const baseProjects = projectsByName(base.projects);
  const headProjects = projectsByName(head.projects);
  for (const key of union(baseProjects, headProjects)) {
    const b = baseProjects.get(key);
    const h = headProjects.get(key);
    if (b && h) {
      const found = diffProject(b, h);
      changes.push(...found.changes);
      errors.push(...found.errors);
    } else if (h) {
      changes.push({ kind: 'project-added', escalation: false, project: h.name, deployer: h.deployer });
      changes.push(...diffProject(emptyLike(h), h).changes);
    } else if (b) {
      changes.push({
        kind: 'project-removed', escalation: false, project: b.name,
        members: b.members.length, invitations: b.invitations.length,
      });
      changes.push(...diffServices(b.name, b.services, []));
    }
  }
  changes.push(...diffWarnings(base, head));
  const sorted = sortChanges(changes);
  const escalations = sorted.filter((c) => c.escalation).length;
  return {
    format: DIFF_FORMAT,
    projects: [...new Set([...base.projects, ...head.projects].map((p) => p.name))].sort(byText),
    changes: sorted,
    errors,
    summary: { escalations, errors: errors.length, changes: sorted.length },
  };
}

function diffProject(b: ProjectSpec, h: ProjectSpec): { changes: AccessChange[]; errors: DiffError[] } {
  const project = h.name;
  const changes: AccessChange[] = [];
  const baseMembers = byKey(b.members, (m) => emailKey(m.email));
  const headMembers = byKey(h.members, (m) => emailKey(m.email));
  const baseInvites = byKey(b.invitations, (i) => emailKey(i.email));
  const headInvites = byKey(h.invitations, (i) => emailKey(i.email));

  for (const key of union(baseMembers, headMembers)) {
    const bm = baseMembers.get(key);
    const hm = headMembers.get(key);
    if (bm && hm) {
      if (bm.role !== hm.role) changes.push(roleChange('role-changed', project, hm.email, bm.role, hm.role));
    } else if (hm) {
      const invited = baseInvites.get(key);
      if (invited) {
        const gained = invited.role.lacksFrom(hm.role);
        changes.push({
          kind: 'invitation-accepted', escalation: gained.length > 0, project, email: hm.email,
          invited: invited.role.id, role: hm.role.id, gained, lost: hm.role.lacksFrom(invited.role),
        });
      } else {
        const gained = beyondView(hm.role);
        changes.push({ kind: 'member-added', escalation: gained.length > 0, project, email: hm.email, role: hm.role.id, gained });
      }
    } else if (bm) {
      changes.push({ kind: 'member-removed', escalation: false, project, email: bm.email, role: bm.role.id });
    }
  }

  for (const key of union(baseInvites, headInvites)) {
    const bi = baseInvites.get(key);
    const hi = headInvites.get(key);
    if (bi && hi) {
      if (bi.role !== hi.role || emailKey(bi.invitedBy) !== emailKey(hi.invitedBy)) {
        const gained = bi.role.lacksFrom(hi.role);
        changes.push({
          kind: 'invitation-changed', escalation: gained.length > 0, project, email: hi.email,
          from: bi.role.id, to: hi.role.id, invitedBy: { from: bi.invitedBy, to: hi.invitedBy },
          gained, lost: hi.role.lacksFrom(bi.role),
        });
      }
    } else if (hi) {
      const gained = beyondView(hi.role);
      changes.push({
        kind: 'invitation-sent', escalation: gained.length > 0, project, email: hi.email,
        role: hi.role.id, invitedBy: hi.invitedBy, gained,
      });
    } else if (bi && !headMembers.has(key)) {
      changes.push({ kind: 'invitation-withdrawn', escalation: false, project, email: bi.email, role: bi.role.id, invitedBy: bi.invitedBy });
    }
  }

  changes.push(...diffServices(project, b.services, h.services));

  if (emailKey(b.deployer) !== emailKey(h.deployer)) {
    changes.push({ kind: 'deployer-changed', escalation: false, project, from: b.deployer, to: h.deployer });
  }
  const billingFrom = billing(b);
  const billingTo = billing(h);
  if ((billingFrom === null) !== (billingTo === null)
    || emailKey(billingFrom?.email ?? '') !== emailKey(billingTo?.email ?? '')) {
    changes.push({ kind: 'billing-changed', escalation: false, project, from: billingFrom, to: billingTo });
  }

  return { changes, errors: deployerErrors(h, changes, headMembers, baseMembers, baseInvites) };
}

function roleChange(kind: 'role-changed', project: string, email: string, from: ProjectRole, to: ProjectRole): RoleChanged {
  const gained = from.lacksFrom(to);
  return { kind, escalation: gained.length > 0, project, email, from: from.id, to: to.id, gained, lost: to.lacksFrom(from) };
}

function diffServices(project: string, base: readonly ServiceSpec[], head: readonly ServiceSpec[]): AccessChange[] {
  const changes: AccessChange[] = [];
  const baseServices = byKey(base, (s) => s.name);
  const headServices = byKey(head, (s) => s.name);
  for (const key of union(baseServices, headServices)) {
    const bs = baseServices.get(key);
    const hs = headServices.get(key);
    const service = (hs ?? bs)!.name;
    if (hs && !bs) changes.push({ kind: 'service-added', escalation: false, project, service, powerState: hs.state ?? null });
    if (bs && !hs) changes.push({ kind: 'service-removed', escalation: false, project, service, powerState: bs.state ?? null });
    if (bs && hs && (bs.state ?? null) !== (hs.state ?? null)) {
      changes.push({ kind: 'power-state-changed', escalation: false, project, service, from: bs.state ?? null, to: hs.state ?? null });
    }
    changes.push(...diffUsers(project, service, bs?.users ?? [], hs?.users ?? []));
  }
  return changes;
}

function diffUsers(project: string, service: string, base: readonly UserSpec[], head: readonly UserSpec[]): AccessChange[] {
  const changes: AccessChange[] = [];
  const baseUsers = byKey(base, (u) => u.username.toLowerCase());
  const headUsers = byKey(head, (u) => u.username.toLowerCase());
  for (const key of union(baseUsers, headUsers)) {
    const bu = baseUsers.get(key);
    const hu = headUsers.get(key);
    if (hu && !bu) {
      changes.push({ kind: 'user-added', escalation: hu.allowReplication, project, service, username: hu.username, replication: hu.allowReplication });
      continue;
    }
    if (bu && !hu) {
      changes.push({ kind: 'user-removed', escalation: false, project, service, username: bu.username, replication: bu.allowReplication });
      continue;
    }
    if (!bu || !hu) continue;
    const username = hu.username;
    if (bu.username !== hu.username) {
      changes.push({ kind: 'user-renamed', escalation: false, project, service, from: bu.username, to: hu.username });
    }
    if (!bu.allowReplication && hu.allowReplication) {
      changes.push({ kind: 'replication-enabled', escalation: true, project, service, username });
    }
    if (bu.allowReplication && !hu.allowReplication) {
      changes.push({ kind: 'replication-disabled', escalation: false, project, service, username });
    }
    const from = passwordInfo(bu);
    const to = passwordInfo(hu);
    if (JSON.stringify(from) !== JSON.stringify(to)) {
      changes.push({ kind: 'password-rotated', escalation: false, project, service, username, from, to });
    }
  }
  return changes;
}

/**
 * Warnings are matched by project, rule and message (paths differ between a
 * manifest and a synthesized stack; messages name the service and user).
 */
function diffWarnings(base: DiffSide, head: DiffSide): AccessChange[] {
  const key = (f: Finding, projects: readonly ProjectSpec[]) =>
    `${projectOf(f.path, projects)?.name ?? ''}\u0000${f.ruleId}\u0000${f.message}`;
  const before = new Map<string, Finding>();
  for (const f of base.findings) if (f.level === 'warning') before.set(key(f, base.projects), f);
  const changes: AccessChange[] = [];
  for (const f of head.findings) {
    if (f.level !== 'warning') continue;
    const was = before.get(key(f, head.projects));
    const owner = projectOf(f.path, head.projects);
    const common = {
      escalation: false, project: owner?.name ?? '', ruleId: f.ruleId, path: pathInProject(f.path, owner), message: f.message,
    };
    if (f.acknowledged === undefined) {
      if (!was || was.acknowledged !== undefined) changes.push({ kind: 'warning-raised', ...common });
    } else if (!was || was.acknowledged !== f.acknowledged) {
      changes.push({ kind: 'warning-acknowledged', ...common, reason: f.acknowledged });
    }
  }
  return changes;
}

/**
 * The changes the HEAD deployer may not make: editing or removing members and
 * withdrawing or re-sending invitations without Invite more users; changing
 * its own role; raising a member to a role holding permissions it lacks.
 */
function deployerErrors(
  h: ProjectSpec,
  changes: readonly AccessChange[],
  headMembers: ReadonlyMap<string, MemberSpec>,
  baseMembers: ReadonlyMap<string, MemberSpec>,
  baseInvites: ReadonlyMap<string, InvitationSpec>,
): DiffError[] {
  const project = h.name;
  const deployerKey = emailKey(h.deployer);
  const deployerRole = headMembers.get(deployerKey)?.role;
  const errors: DiffError[] = [];

  const needing = changes.flatMap((c): { kind: ChangeKind; email: string }[] => {
    switch (c.kind) {
      case 'role-changed':
      case 'member-removed':
      case 'invitation-withdrawn':
      case 'invitation-changed':
        return [{ kind: c.kind, email: c.email }];
      case 'invitation-accepted':
        // Accepted as another role than the one invited: someone edited the role.
        return c.invited !== c.role ? [{ kind: c.kind, email: c.email }] : [];
      default:
        return [];
    }
  });
  if (needing.length > 0 && !deployerRole?.can(MEMBER_CHANGE_PERMISSION)) {
    errors.push({
      kind: 'deployer-cannot-change-members', ruleId: 'MST-DIFF-001', project, deployer: h.deployer,
      deployerRole: deployerRole?.id ?? null, needs: MEMBER_CHANGE_PERMISSION, changes: needing,
    });
  }

  const before = baseMembers.get(deployerKey)?.role ?? baseInvites.get(deployerKey)?.role;
  if (before && deployerRole && before !== deployerRole) {
    errors.push({ kind: 'self-role-change', ruleId: 'MST-DIFF-002', project, deployer: h.deployer, from: before.id, to: deployerRole.id });
  }

  if (deployerRole?.can(MEMBER_CHANGE_PERMISSION)) {
    for (const c of changes) {
      if ((c.kind !== 'role-changed' && c.kind !== 'invitation-accepted') || c.gained.length === 0) continue;
      if (emailKey(c.email) === deployerKey) continue; // reported as a self role change
      const role = ProjectRole.of(c.kind === 'role-changed' ? c.to : c.role);
      const lacks = deployerRole.lacksFrom(role);
      if (lacks.length > 0) {
        errors.push({
          kind: 'grant-beyond-deployer', ruleId: 'MST-DIFF-003', project, deployer: h.deployer, deployerRole: deployerRole.id,
          email: c.email, role: role.id, lacks,
        });
      }
    }
  }
  return errors;
}

/** What `role` holds beyond viewing service information (what every role holds). */
function beyondView(role: ProjectRole): Permission[] {
  return ProjectRole.READ_ONLY.lacksFrom(role);
}

function billing(p: ProjectSpec): { email?: string } | null {
  if (!p.billing) return null;
  return p.billing.email !== undefined ? { email: p.billing.email } : {};
}

function emptyLike(p: ProjectSpec): ProjectSpec {
  return { ...p, members: [], invitations: [], services: [], acknowledgements: [], billing: undefined };
}

function sortChanges(changes: AccessChange[]): AccessChange[] {
  const rank = (c: AccessChange) => (c.escalation
    ? ESCALATION_ORDER.indexOf(c.kind)
    : ESCALATION_ORDER.length + CHANGE_ORDER.indexOf(c.kind));
  return changes
    .map((c, i) => ({ c, i }))
    .sort((x, y) => rank(x.c) - rank(y.c)
      || byText(x.c.project, y.c.project)
      || byText('service' in x.c ? x.c.service : '', 'service' in y.c ? y.c.service : '')
      || byText(subject(x.c), subject(y.c))
      || x.i - y.i)
    .map(({ c }) => c);
}

/** The email, username or rule a change is about, for sorting. */
function subject(c: AccessChange): string {
  if ('email' in c) return c.email;
  if ('username' in c) return c.username;
  if (c.kind === 'user-renamed') return c.to;
  if ('ruleId' in c) return `${c.ruleId} ${c.message}`;
  return '';
}

/**
 * Projects by name. A project declared in several stacks (say one stack per
 * service) is compared as one: its members, invitations and services together,
 * the first declaration's deployer and billing details.
 */
function projectsByName(projects: readonly ProjectSpec[]): Map<string, ProjectSpec> {
  const map = new Map<string, ProjectSpec>();
  for (const p of projects) {
    const first = map.get(p.name);
    map.set(p.name, first ? {
      ...first,
      members: [...byKey([...first.members, ...p.members], (m) => emailKey(m.email)).values()],
      invitations: [...byKey([...first.invitations, ...p.invitations], (i) => emailKey(i.email)).values()],
      services: [...first.services, ...p.services],
      acknowledgements: [...first.acknowledgements, ...p.acknowledgements],
    } : p);
  }
  return map;
}

/** First item per key, in declaration order (duplicates are a validation error, reported elsewhere). */
function byKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(key(item))) map.set(key(item), item);
  return map;
}

/** Keys of both maps: BASE's in its order, then HEAD's new ones. */
function union<T>(a: ReadonlyMap<string, T>, b: ReadonlyMap<string, T>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])];
}
