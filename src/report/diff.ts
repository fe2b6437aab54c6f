/**
 * The access diff: what changes in access between two versions of the same
 * configuration (the target branch, BASE, and the pull request, HEAD), most
 * dangerous first; the changes BASE's deployer may not make with the role it
 * holds in BASE (judged in judge.ts) and HEAD's own rule errors, as findings.
 * Pure: projects and findings in, plain JSON-ready data out.
 *
 * HEAD is written by the author of the pull request, so nothing in it decides
 * how it is judged: the deployer and the permissions are BASE's, and
 * everything that decides who can reach what is compared — members,
 * invitations, the deployer, billing wherever a stack declares it, each
 * service's admin connection and the admin password's source, and every
 * user's password source, including one shared with another user or service.
 *
 * Matching: projects by name, services by name, users by username compared
 * case-insensitively, members and invitations by email compared
 * case-insensitively. What a role gains or loses is read from the one matrix
 * (ProjectRole.lacksFrom).
 */
import { Finding, sortFindings } from '../domain/findings';
import { ConnectionSetting, ProjectSpec, ServiceSpec, UserSpec } from '../domain/model';
import { PowerStateId } from '../domain/power-state';
import { connectionOf, DEFAULT_WRITE_ONLY_PASSWORDS, defaultAdminPassword, emailKey, userKey } from '../domain/conventions';
import { Permission, ProjectRole, RoleId } from '../domain/permissions';
import {
  byText, PasswordInfo, passwordInfo, pathInProject, projectOf, ReportFinding, reportFinding, SecretInfo, secretInfo, settingInfo,
} from './common';
import { judgeChanges } from './judge';
import { diffGrants, GrantGained, GrantLost } from './grants-diff';

/** Identifies the JSON format; bumped when a field changes meaning. */
export const DIFF_FORMAT = 'cdktf-mst/access-diff@3';

/** The two sides of a diff. */
export interface DiffSide {
  readonly projects: readonly ProjectSpec[];
  /** The rules' findings on those projects: warnings are compared; HEAD's errors are reported. */
  readonly findings: readonly Finding[];
}

/** Every kind of change, most dangerous first within each group (see {@link ESCALATION_ORDER}, {@link CHANGE_ORDER}). */
export type AccessChange =
  | ProjectAdded | ProjectRemoved
  | MemberAdded | MemberRemoved | RoleChanged
  | InvitationSent | InvitationWithdrawn | InvitationChanged | InvitationAccepted
  | UserAdded | UserRemoved | UserRenamed | ReplicationEnabled | ReplicationDisabled | PasswordRotated
  | GrantGained | GrantLost
  | ServiceAdded | ServiceRemoved | PowerStateChanged
  | AdminConnectionChanged | TlsChanged | AdminPasswordChanged | PasswordShared | WriteOnlyChanged
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
export interface ServiceAdded extends OnService<'service-added'> { readonly powerState: PowerStateId | null }
export interface ServiceRemoved extends OnService<'service-removed'> { readonly powerState: PowerStateId | null }
/** null: the power state is not managed by the stack. */
export interface PowerStateChanged extends OnService<'power-state-changed'> {
  readonly from: PowerStateId | null; readonly to: PowerStateId | null;
}
/**
 * The admin connection of a service moved (MST-DIFF-005): another host, port,
 * database or admin role receives the admin password. Always an escalation.
 */
export interface AdminConnectionChanged extends OnService<'admin-connection-changed'> {
  readonly rule: 'MST-DIFF-005';
  readonly setting: 'host' | 'port' | 'database' | 'username';
  readonly from: ConnectionSetting; readonly to: ConnectionSetting;
}
/**
 * The TLS mode of a service's admin connection changed (MST-DIFF-006); an
 * escalation (`weakened`) when the new mode does not require TLS
 * (disable, allow, prefer, or a value the diff cannot read) or verifies less
 * than the old one.
 */
export interface TlsChanged extends OnService<'tls-changed'> {
  readonly rule: 'MST-DIFF-006';
  readonly from: ConnectionSetting; readonly to: ConnectionSetting; readonly weakened: boolean;
}
/** Another source for the admin password of a service (MST-DIFF-007). Always an escalation. */
export interface AdminPasswordChanged extends OnService<'admin-password-changed'> {
  readonly rule: 'MST-DIFF-007';
  readonly from: SecretInfo; readonly to: SecretInfo;
}
/**
 * A password now comes from a variable that another user or another
 * service's admin reads too (MST-DIFF-008): whoever holds one holds the other.
 * `username` null: the service's admin password. Always an escalation.
 */
export interface PasswordShared extends OnService<'password-shared'> {
  readonly rule: 'MST-DIFF-008';
  readonly username: string | null; readonly variable: string;
  /** The first other holders that did not share it in BASE, as `user "app" of service "metrics"` or `the admin of service "events"`. */
  readonly with: readonly string[];
  /** How many more such holders there are. */
  readonly more: number;
}
/**
 * Whether the users' passwords of a service stay out of the Terraform state
 * changed (MST-DIFF-009); an escalation when turned off: the passwords are
 * then written into the state, for whoever can read it.
 */
export interface WriteOnlyChanged extends OnService<'write-only-changed'> {
  readonly rule: 'MST-DIFF-009'; readonly from: boolean; readonly to: boolean;
}
/**
 * Another member deploys. Needs Invite more users from BASE's deployer (it
 * decides whose credentials apply every later change); an escalation when
 * the new deployer's role holds more than the old one's.
 */
export interface DeployerChanged extends Base<'deployer-changed'> {
  readonly from: string; readonly to: string; readonly gained: readonly Permission[];
}
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
  'admin-connection-changed', 'tls-changed', 'admin-password-changed', 'password-shared', 'write-only-changed', 'deployer-changed',
  'role-changed', 'invitation-accepted', 'replication-enabled', 'grant-gained', 'user-added', 'member-added',
  'invitation-sent', 'invitation-changed',
];

/** Every other change, in reading order (a kind that is always an escalation is not among them). */
export const CHANGE_ORDER: readonly ChangeKind[] = [
  'project-added', 'project-removed',
  'member-added', 'member-removed', 'role-changed',
  'invitation-sent', 'invitation-withdrawn', 'invitation-changed', 'invitation-accepted',
  'user-added', 'user-removed', 'user-renamed', 'password-rotated', 'replication-disabled',
  'grant-gained', 'grant-lost',
  'service-added', 'service-removed', 'power-state-changed', 'tls-changed', 'write-only-changed',
  'deployer-changed', 'billing-changed',
  'warning-raised', 'warning-acknowledged',
];

export interface AccessDiff {
  readonly format: typeof DIFF_FORMAT;
  /** Every project either side declares, by name. */
  readonly projects: readonly string[];
  /** Escalations first (in {@link ESCALATION_ORDER}), then every other change (in {@link CHANGE_ORDER}). */
  readonly changes: readonly AccessChange[];
  /**
   * Findings of the catalogue, errors only: the changes BASE's deployer may
   * not make (MST-DIFF-001 to 004), and every rule error of HEAD (a HEAD that
   * `cdktf-mst check` refuses is never approved). Paths are below the
   * project's name (`acme-prod/members/ana@acme.example`), so a manifest and
   * its synthesized stack read the same.
   */
  readonly errors: readonly ReportFinding[];
  readonly summary: { readonly escalations: number; readonly errors: number; readonly changes: number };
}

/** Compares BASE with HEAD. */
export function diffAccess(base: DiffSide, head: DiffSide): AccessDiff {
  const changes: AccessChange[] = [];
  const errors: Finding[] = [];
  const baseProjects = declarationsByName(base.projects);
  const headProjects = declarationsByName(head.projects);
  const shared = sharedPasswords(base.projects, head.projects);
  for (const key of union(baseProjects, headProjects)) {
    const bs = baseProjects.get(key);
    const hs = headProjects.get(key);
    if (bs && hs) {
      const b = merged(bs);
      const found = sortChanges([...diffProject(b, hs), ...(shared.get(key) ?? [])]);
      changes.push(...found);
      errors.push(...judgeChanges(found, { project: key, base: b, heads: hs }));
    } else if (hs) {
      // A project BASE does not declare: nobody holds anything in it yet, so every change that
      // needs a permission is an error (a renamed project would otherwise carry its services'
      // users past the gate), and every grant is listed as an escalation for a reviewer.
      const h = merged(hs);
      const empty = emptyLike(h);
      const found = sortChanges([...diffProject(empty, hs), ...(shared.get(key) ?? [])]);
      changes.push({ kind: 'project-added', escalation: false, project: h.name, deployer: h.deployer }, ...found);
      errors.push(...judgeChanges(found, { project: key, base: empty, heads: hs, added: true }));
    } else if (bs) {
      const b = merged(bs);
      changes.push({
        kind: 'project-removed', escalation: false, project: b.name,
        members: b.members.length, invitations: b.invitations.length,
      });
      const dropped = sortChanges(diffServices(b.name, b.services, []));
      changes.push(...dropped);
      errors.push(...judgeChanges(dropped, { project: key, base: b, heads: [b] }));
    }
  }
  changes.push(...diffWarnings(base, head));
  const headErrors = head.findings
    .filter((f) => f.level === 'error')
    .map((f) => ({ ...f, path: projectPath(f.path, head.projects) }));
  const sorted = sortChanges(changes);
  const allErrors = uniqueFindings([...errors, ...headErrors]).map(reportFinding);
  return {
    format: DIFF_FORMAT,
    projects: [...new Set([...base.projects, ...head.projects].map((p) => p.name))].sort(byText),
    changes: sorted,
    errors: allErrors,
    summary: { escalations: sorted.filter((c) => c.escalation).length, errors: allErrors.length, changes: sorted.length },
  };
}

/**
 * The changes of one project. Members and invitations are compared with each
 * HEAD declaration of the project (a stack per service each declares it), so
 * a grant made in any one of them is listed; services, the deployer and the
 * billing details with all of them together.
 */
function diffProject(b: ProjectSpec, hs: readonly ProjectSpec[]): AccessChange[] {
  const h = merged(hs);
  const seen = new Set<string>();
  const changes: AccessChange[] = [];
  for (const declaration of hs) {
    for (const c of diffMembers(b, declaration)) {
      const key = JSON.stringify(c);
      if (!seen.has(key)) {
        seen.add(key);
        changes.push(c);
      }
    }
  }
  changes.push(...diffServices(h.name, b.services, h.services));
  const project = h.name;
  if (emailKey(b.deployer) !== emailKey(h.deployer)) {
    const before = roleOf(b, b.deployer);
    const after = roleOf(h, h.deployer);
    const gained = after ? (before ? before.lacksFrom(after) : [...after.permissions]) : [];
    changes.push({ kind: 'deployer-changed', escalation: gained.length > 0, project, from: b.deployer, to: h.deployer, gained });
  }
  const billingFrom = billing(b);
  const billingTo = billing(h);
  if ((billingFrom === null) !== (billingTo === null)
    || emailKey(billingFrom?.email ?? '') !== emailKey(billingTo?.email ?? '')) {
    changes.push({ kind: 'billing-changed', escalation: false, project, from: billingFrom, to: billingTo });
  }
  return changes;
}

function diffMembers(b: ProjectSpec, h: ProjectSpec): AccessChange[] {
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
  return changes;
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
    // A service only HEAD declares is compared with MST's defaults: it reaches an existing service too.
    if (hs) changes.push(...diffAdmin(project, service, bs ?? defaultsLike(hs), hs));
    changes.push(...diffUsers(project, service, bs?.users ?? [], hs?.users ?? []));
    changes.push(...diffGrants(project, service, bs?.users ?? [], hs?.users ?? []));
  }
  return changes;
}

function diffUsers(project: string, service: string, base: readonly UserSpec[], head: readonly UserSpec[]): AccessChange[] {
  const changes: AccessChange[] = [];
  const baseUsers = byKey(base, (u) => userKey(u.username));
  const headUsers = byKey(head, (u) => userKey(u.username));
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

/** What changes in how the provider reaches a service as its admin, and with which password. */
function diffAdmin(project: string, service: string, b: ServiceSpec, h: ServiceSpec): AccessChange[] {
  const changes: AccessChange[] = [];
  const from = connectionOf(b);
  const to = connectionOf(h);
  for (const setting of ['host', 'port', 'database', 'username'] as const) {
    const [x, y] = [settingInfo(from[setting]), settingInfo(to[setting])];
    if (!sameSetting(x, y)) {
      changes.push({ kind: 'admin-connection-changed', rule: 'MST-DIFF-005', escalation: true, project, service, setting, from: x, to: y });
    }
  }
  const [x, y] = [settingInfo(from.sslmode), settingInfo(to.sslmode)];
  if (!sameSetting(x, y)) {
    const weakened = tlsRank(y) < TLS_REQUIRED || tlsRank(y) < tlsRank(x);
    changes.push({ kind: 'tls-changed', rule: 'MST-DIFF-006', escalation: weakened, project, service, from: x, to: y, weakened });
  }
  if (b.writeOnlyPasswords !== h.writeOnlyPasswords) {
    changes.push({
      kind: 'write-only-changed', rule: 'MST-DIFF-009', escalation: !h.writeOnlyPasswords, project, service,
      from: b.writeOnlyPasswords, to: h.writeOnlyPasswords,
    });
  }
  const [pa, pb] = [secretInfo(b.adminPassword), secretInfo(h.adminPassword)];
  if (JSON.stringify(pa) !== JSON.stringify(pb)) {
    changes.push({ kind: 'admin-password-changed', rule: 'MST-DIFF-007', escalation: true, project, service, from: pa, to: pb });
  }
  return changes;
}

function sameSetting(a: ConnectionSetting, b: ConnectionSetting): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** libpq's sslmodes, weakest first; `require` is the first that refuses a connection without TLS. */
const SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const TLS_REQUIRED = SSLMODES.indexOf('require');

/** How much a setting of sslmode protects; -1 when the diff cannot read it (a variable, an expression, an unknown mode). */
function tlsRank(s: ConnectionSetting): number {
  return 'literal' in s && typeof s.literal === 'string' ? SSLMODES.indexOf(s.literal) : -1;
}

/** A service as MST's defaults have it, to compare a service only HEAD declares with. */
function defaultsLike(s: ServiceSpec): ServiceSpec {
  return {
    ...s, connection: undefined, adminPassword: defaultAdminPassword(s.name), writeOnlyPasswords: DEFAULT_WRITE_ONLY_PASSWORDS, users: [],
  };
}

/** Who reads a password variable: a user of a service, or a service's admin. */
interface Holder { readonly project: string; readonly service: string; readonly username: string | null }

const holderKey = (h: Holder) => `${h.project}\u0000${h.service}\u0000${h.username === null ? '' : userKey(h.username)}`;
const holderText = (h: Holder) => (h.username === null
  ? `the admin of service "${h.service}"` : `user "${h.username}" of service "${h.service}"`);

/** Holders a *Password shared* change names; the rest are counted. */
const SHOWN_HOLDERS = 3;

/**
 * Passwords HEAD takes from a variable another holder reads too, where BASE
 * did not share one between the two: one change per holder, naming the first
 * new others and counting the rest, by project name. Variables are a stack's:
 * holders are grouped by the stack (the first segment of the path) they are
 * declared in; holders are compared by who they are, so a manifest and a
 * synthesized stack compare alike. Linear in the holders, however many share
 * one variable.
 */
function sharedPasswords(base: readonly ProjectSpec[], head: readonly ProjectSpec[]): Map<string, AccessChange[]> {
  // Each BASE holder's group for a variable: the holders it shared that variable with.
  const before = new Map<string, ReadonlyMap<string, Holder>>();
  for (const [key, group] of readers(base)) {
    const variable = key.slice(key.indexOf('\u0000') + 1);
    for (const k of group.keys()) before.set(`${variable}\u0000${k}`, group);
  }
  const out = new Map<string, AccessChange[]>();
  for (const [key, group] of readers(head)) {
    if (group.size < 2) continue;
    const variable = key.slice(key.indexOf('\u0000') + 1);
    const holders = [...group.values()];
    // The holders of this group outside each BASE group, computed once per BASE group.
    const outside = new Map<ReadonlyMap<string, Holder> | undefined, Holder[]>();
    for (const [k, h] of group) {
      const was = before.get(`${variable}\u0000${k}`);
      let fresh = outside.get(was);
      if (!fresh) outside.set(was, fresh = was ? holders.filter((o) => !was.has(holderKey(o))) : holders);
      const others = was ? fresh : fresh.filter((o) => o !== h);
      if (others.length === 0) continue;
      const list = out.get(h.project) ?? [];
      list.push({
        kind: 'password-shared', rule: 'MST-DIFF-008', escalation: true, project: h.project, service: h.service,
        username: h.username, variable, with: others.slice(0, SHOWN_HOLDERS).map(holderText), more: Math.max(0, others.length - SHOWN_HOLDERS),
      });
      out.set(h.project, list);
    }
  }
  return out;
}

/** Each password variable of a side (keyed by stack and name) and who reads it, by holder key. */
function readers(projects: readonly ProjectSpec[]): Map<string, Map<string, Holder>> {
  const map = new Map<string, Map<string, Holder>>();
  const add = (stack: string, name: string, h: Holder) => {
    const key = `${stack}\u0000${name}`;
    let group = map.get(key);
    if (!group) map.set(key, group = new Map());
    if (!group.has(holderKey(h))) group.set(holderKey(h), h);
  };
  for (const p of projects) {
    const stack = p.path.split('/')[0];
    for (const s of p.services) {
      if (s.adminPassword.kind === 'variable') add(stack, s.adminPassword.name, { project: p.name, service: s.name, username: null });
      for (const u of s.users) {
        if (u.password.kind === 'variable') add(stack, u.password.name, { project: p.name, service: s.name, username: u.username });
      }
    }
  }
  return map;
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

/** What `role` holds beyond viewing service information (what every role holds). */
function beyondView(role: ProjectRole): Permission[] {
  return ProjectRole.READ_ONLY.lacksFrom(role);
}

/** `email`'s role among the members of `p`, if a member. */
function roleOf(p: ProjectSpec, email: string): ProjectRole | undefined {
  return p.members.find((m) => emailKey(m.email) === emailKey(email))?.role;
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
  if ('username' in c) return c.username ?? '';
  if (c.kind === 'admin-connection-changed') return c.setting;
  if (c.kind === 'user-renamed') return c.to;
  if ('ruleId' in c) return `${c.ruleId} ${c.message}`;
  return '';
}

/** The declarations of each project, by name (a project may be declared in several stacks). */
function declarationsByName(projects: readonly ProjectSpec[]): Map<string, ProjectSpec[]> {
  const map = new Map<string, ProjectSpec[]>();
  for (const p of projects) {
    const list = map.get(p.name);
    if (list) list.push(p); else map.set(p.name, [p]);
  }
  return map;
}

/**
 * The declarations of one project as one: members, invitations and services
 * together, the first declaration's deployer, and the billing details of the
 * first declaration that states any (they must agree, MST-PROJECT-002; a
 * stack that states billing while another does not is still billing).
 */
function merged(declarations: readonly ProjectSpec[]): ProjectSpec {
  const [first, ...rest] = declarations;
  if (rest.length === 0) return first;
  const all = declarations;
  return {
    ...first,
    billing: all.find((p) => p.billing)?.billing,
    members: [...byKey(all.flatMap((p) => p.members), (m) => emailKey(m.email)).values()],
    invitations: [...byKey(all.flatMap((p) => p.invitations), (i) => emailKey(i.email)).values()],
    services: all.flatMap((p) => p.services),
    acknowledgements: all.flatMap((p) => p.acknowledgements),
  };
}

/** `path` below its project's name: the same for a manifest and for its synthesized stack. */
function projectPath(path: string, projects: readonly ProjectSpec[]): string {
  const owner = projectOf(path, projects);
  if (!owner) return path;
  const rel = pathInProject(path, owner);
  return rel === '.' ? owner.name : `${owner.name}/${rel}`;
}

function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return sortFindings(findings.filter((f) => {
    const key = `${f.path}\u0000${f.ruleId}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }));
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
