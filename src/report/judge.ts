/**
 * The diff's judgement: every change of a project is weighed against BASE's
 * deployer and the permissions it holds in BASE. HEAD is the pull request's
 * word, so nothing it states, its deployer least of all, decides how it is
 * judged; a change of deployer is itself a change of the members (it decides
 * whose credentials apply every later change). What each kind of change
 * needs is read from the permission table (GOVERNING, ProjectRole); a change
 * BASE's deployer may not make is a finding of the catalogue (MST-DIFF-001 to
 * 004), an error.
 */
import { Finding, finding } from '../domain/findings';
import { ProjectSpec } from '../domain/model';
import { parseRole } from '../domain/checks';
import { emailKey } from '../domain/conventions';
import {
  Governed, GOVERNING, holdersText, Permission, PERMISSION_LABELS, permissionLabels, ProjectRole, withArticle,
} from '../domain/permissions';
import type { AccessChange } from './diff';

/** Causes named in one finding; the rest are counted. */
const SHOWN = 3;

export interface Judged {
  /** The project's name; finding paths are below it. */
  readonly project: string;
  /** The project in BASE (its declarations together): whose credentials deploy the change, and what they hold. */
  readonly base: ProjectSpec;
  /**
   * The project's declarations in HEAD (several stacks may declare it; they
   * must agree, MST-PROJECT-002): the deployer's own role after the change.
   */
  readonly heads: readonly ProjectSpec[];
  /** Set when BASE does not declare the project: `base` is then an empty one, where nobody holds anything. */
  readonly added?: boolean;
}

/** The changes of one project BASE's deployer may not make, as findings. */
export function judgeChanges(changes: readonly AccessChange[], { project, base, heads, added }: Judged): Finding[] {
  const deployer = base.deployer;
  const key = emailKey(deployer);
  const role = base.members.find((m) => emailKey(m.email) === key)?.role;
  const invited = base.invitations.find((i) => emailKey(i.email) === key)?.role;
  const who = added ? 'deploys a project base does not declare, so holds nothing in it and lacks'
    : role ? `is ${withArticle(role)} in base, which lacks`
    : invited ? 'is only invited in base, so holds nothing and lacks'
      : 'is not a member in base, so holds nothing and lacks';
  const holds = (p: Permission) => role?.can(p) ?? false;
  const out: Finding[] = [];

  // MST-DIFF-001: every edit of the members and invitations needs the membership permission.
  const membership = GOVERNING.membership.permission;
  const edits = changes.flatMap((c) => {
    const verb = memberVerb(c);
    if (verb && c.kind === 'deployer-changed') return [`${verb} "${c.to}"`];
    return verb && 'email' in c ? [`${verb} "${c.email}"`] : [];
  });
  if (edits.length > 0 && !holds(membership)) {
    out.push(finding('MST-DIFF-001', project,
      `deployer "${deployer}" ${who} ${PERMISSION_LABELS[membership]}, needed to ${shown(edits)}`,
      `deploy this change as a member holding ${PERMISSION_LABELS[membership]} in base (${holdersText(membership)})`, deployer));
  }

  // MST-DIFF-002: nobody changes their own role.
  const before = role ?? invited;
  const afters = heads.flatMap((h) => h.members.filter((m) => emailKey(m.email) === key));
  const after = afters.find((m) => m.role !== before);
  if (before && after) {
    out.push(finding('MST-DIFF-002', `${project}/members/${after.email}`,
      `deployer "${deployer}" changes its own role ${before.label} → ${after.role.label}`,
      'nobody may change their own role: have another member make this change', after.role.id));
  }

  // MST-DIFF-003: nobody hands out a permission it lacks (as MST-INVITE-003 for inviters).
  if (role && holds(membership)) {
    for (const c of changes) {
      const grant = granted(c);
      if (!grant || emailKey(grant.email) === key) continue; // the deployer's own role: MST-DIFF-002
      const lacks = role.lacksFrom(grant.role);
      if (lacks.length === 0) continue;
      out.push(finding('MST-DIFF-003', `${project}/${grant.where}/${grant.email}`,
        `deployer "${deployer}" is ${withArticle(role)} in base and cannot ${grant.verb}: it lacks ${permissionLabels(lacks)}`,
        'have a member who holds them deploy this change, or choose a role within the deployer\'s own', grant.role.id));
    }
  }

  // MST-DIFF-004: everything else needs the permission that governs it, as MST-DEPLOY-002 for a stack.
  const needs = new Map<Permission, string[]>();
  for (const c of changes) {
    const need = otherNeed(c);
    if (!need) continue;
    const permission = GOVERNING[need.governed].permission;
    const list = needs.get(permission) ?? [];
    if (!list.includes(need.cause)) list.push(need.cause);
    needs.set(permission, list);
  }
  for (const [permission, causes] of needs) {
    if (holds(permission)) continue;
    out.push(finding('MST-DIFF-004', project,
      `deployer "${deployer}" ${who} ${PERMISSION_LABELS[permission]}, needed for ${shown(causes)}`,
      `deploy this change as a member holding ${PERMISSION_LABELS[permission]} in base (${holdersText(permission)})`, deployer));
  }
  return out;
}

/** How a change of the members or invitations reads in MST-DIFF-001; undefined for other changes. */
function memberVerb(c: AccessChange): string | undefined {
  switch (c.kind) {
    case 'member-added': return 'add';
    case 'invitation-sent': return 'invite';
    case 'role-changed': return 'change the role of';
    case 'member-removed': return 'remove';
    case 'invitation-withdrawn': return 'withdraw the invitation of';
    case 'invitation-changed': return 're-send the invitation of';
    // Accepted as invited: the invitee did it in the console. With another role: someone edited it.
    case 'invitation-accepted': return c.invited !== c.role ? 'change the accepted role of' : undefined;
    case 'deployer-changed': return 'hand the deploys to';
    default: return undefined;
  }
}

/** The role a change hands someone, when they gain a permission by it. */
function granted(c: AccessChange): { email: string; role: ProjectRole; verb: string; where: string } | undefined {
  const role = (id: string) => parseRole(id);
  switch (c.kind) {
    case 'role-changed':
      return c.gained.length > 0 ? { email: c.email, role: role(c.to), verb: `make "${c.email}" ${withArticle(role(c.to))}`, where: 'members' } : undefined;
    case 'invitation-accepted':
      return c.gained.length > 0 ? { email: c.email, role: role(c.role), verb: `make "${c.email}" ${withArticle(role(c.role))}`, where: 'members' } : undefined;
    case 'member-added':
      return c.gained.length > 0 ? { email: c.email, role: role(c.role), verb: `add "${c.email}" as ${withArticle(role(c.role))}`, where: 'members' } : undefined;
    case 'invitation-sent':
      return c.gained.length > 0 ? { email: c.email, role: role(c.role), verb: `invite "${c.email}" as ${withArticle(role(c.role))}`, where: 'invitations' } : undefined;
    case 'invitation-changed':
      return c.gained.length > 0 ? { email: c.email, role: role(c.to), verb: `re-send the invitation of "${c.email}" as ${withArticle(role(c.to))}`, where: 'invitations' } : undefined;
    default:
      return undefined;
  }
}

/** What a change of services, users or billing needs, and how MST-DIFF-004 names it. */
function otherNeed(c: AccessChange): { governed: Governed; cause: string } | undefined {
  switch (c.kind) {
    case 'user-added':
    case 'user-removed':
    case 'user-renamed':
    case 'replication-enabled':
    case 'replication-disabled':
    case 'password-rotated':
    case 'grant-gained':
    case 'grant-lost':
      return { governed: 'service-users', cause: `the users of service "${c.service}"` };
    case 'password-shared':
      return { governed: 'service-users', cause: c.username === null ? `the admin password of service "${c.service}"` : `the users of service "${c.service}"` };
    case 'admin-connection-changed':
    case 'tls-changed':
      return { governed: 'service-users', cause: `the admin connection of service "${c.service}"` };
    case 'admin-password-changed':
      return { governed: 'service-users', cause: `the admin password of service "${c.service}"` };
    case 'write-only-changed':
      return { governed: 'service-users', cause: `the users of service "${c.service}"` };
    case 'service-added':
      return c.powerState !== null ? { governed: 'power-state', cause: `the power state of service "${c.service}"` } : undefined;
    case 'power-state-changed':
      // No longer managed: the stack stops recording it, nothing is started or stopped.
      return c.to !== null ? { governed: 'power-state', cause: `the power state of service "${c.service}"` } : undefined;
    case 'billing-changed':
      return c.to !== null ? { governed: 'billing', cause: 'the billing details' } : undefined;
    default:
      return undefined;
  }
}

function shown(items: readonly string[]): string {
  return items.slice(0, SHOWN).join(', ') + (items.length > SHOWN ? ` and ${items.length - SHOWN} more` : '');
}
