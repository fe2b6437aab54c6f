/**
 * Whole-project validation: the permission table, invitations, services and
 * users, judged together. Data in, findings out; every finding of every
 * project is returned at once, sorted by path.
 */
import { compareText as cmp, Finding, finding, quote, sortFindings, usernameCollision } from './findings';
import { Acknowledgement, ConnectionSpec, ProjectSpec, ServiceSpec } from './model';
import {
  GOVERNING, Permission, PERMISSION_LABELS, PERMISSIONS, permissionLabels, ProjectRole, rolesHolding, withArticle,
} from './permissions';
import { findRule } from './rules';
import { visible } from './visible';
import {
  checkAdminSecret, checkConnectionStrings, checkEmail, checkOrganizationId, checkPasswordVersion, checkPostgresVersion,
  checkProjectName, checkSecret, checkServiceName, checkUsername, checkVariableName,
} from './checks';
import { MST_API_USER_LIMIT } from './backend';
import { connectionOf, emailKey, serviceVariablePrefix, userKey } from './conventions';
import { grantFindings, membershipCycleFindings } from './grant-checks';

/** The first PostgreSQL major version in which a non-superuser with CREATEROLE may create REPLICATION roles. */
export const NON_SUPERUSER_REPLICATION_SINCE = 16;

/** Validates the projects of one stack together (service names share one address space). */
export function validateProjects(projects: readonly ProjectSpec[]): Finding[] {
  const findings: Finding[] = [];
  for (const project of projects) findings.push(...projectFindings(project));
  findings.push(...duplicateServices(projects));
  findings.push(...connectionVariableFindings(projects));
  const acknowledgements = projects.flatMap((p) => p.acknowledgements);
  return sortFindings(applyAcknowledgements(findings, acknowledgements));
}

/** Checks an acknowledgement on its own: the rule exists, is a warning, and a reason is given. */
export function checkAcknowledgement(ack: Acknowledgement): Finding[] {
  const rule = findRule(ack.ruleId);
  const fix = 'fix the error instead, or name a warning rule and give a reason';
  if (!rule) return [finding('MST-ACK-002', ack.path, `acknowledgement names unknown rule ${quote(ack.ruleId)}`, fix, ack.ruleId)];
  if (rule.level !== 'warning') {
    return [finding('MST-ACK-002', ack.path, `${ack.ruleId} is an ${rule.level} and cannot be acknowledged`, fix, ack.ruleId)];
  }
  if (ack.reason.trim() === '') {
    return [finding('MST-ACK-002', ack.path, `acknowledgement of ${ack.ruleId} gives no reason`, 'write why the warning is accepted', ack.ruleId)];
  }
  if (visible(ack.reason) !== ack.reason) {
    return [finding('MST-ACK-002', ack.path, `the reason given for ${ack.ruleId} holds control or invisible characters (${quote(ack.reason)})`,
      'write the reason as plain text on one line', ack.ruleId)];
  }
  return [];
}

function projectFindings(project: ProjectSpec): Finding[] {
  const out: Finding[] = [];
  const members = new Map<string, ProjectRole>();
  const seen = new Map<string, string>(); // email key -> what first claimed it
  out.push(...checkProjectName(project.path, project.name));

  for (const m of project.members) {
    out.push(...checkEmail(m.path, m.email, 'member email'));
    claim(m.path, m.email, 'a member');
    if (!members.has(emailKey(m.email))) members.set(emailKey(m.email), m.role);
  }
  for (const inv of project.invitations) {
    out.push(...checkEmail(inv.path, inv.email, 'invitation email'));
    claim(inv.path, inv.email, 'an invitation');
    out.push(...inviterFindings(inv.path, inv.invitedBy, inv.role, inv.email, members));
  }
  if (project.billing?.email !== undefined) {
    out.push(...checkEmail(project.billing.path, project.billing.email, 'billing email'));
  }
  if (![...members.values()].some((r) => r === ProjectRole.ADMIN)) {
    out.push(finding('MST-MEMBER-001', project.path,
      `project ${quote(project.name)} has no Admin among its ${project.members.length} member(s)`,
      'make at least one member an Admin'));
  }
  out.push(...deployerFindings(project, members));
  out.push(...grantDeployerFindings(project, members));
  for (const ack of project.acknowledgements) out.push(...checkAcknowledgement(ack));
  for (const service of project.services) out.push(...serviceFindings(service));
  out.push(...mstApiFindings(project));
  return out;

  function claim(path: string, email: string, what: string): void {
    const key = emailKey(email);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, `${what} at ${path}`);
    } else {
      out.push(finding('MST-MEMBER-003', path,
        `email ${quote(email)} is already used by ${first} (emails are compared case-insensitively)`,
        'remove one of them; an accepted invitation moves to the members', email));
    }
  }
}

/** The MST API backend: the project's connection, and what MST's API limits. */
function mstApiFindings(project: ProjectSpec): Finding[] {
  const out: Finding[] = [];
  if (project.mstApi) {
    out.push(...checkOrganizationId(project.mstApi.path, project.mstApi.organizationId));
    if (project.mstApi.apiToken) out.push(...checkSecret(project.mstApi.path, project.mstApi.apiToken, () => 'MST API token'));
  }
  for (const service of project.services) {
    if (service.backend !== 'mst-api') continue;
    if (!project.mstApi) {
      out.push(finding('MST-BACKEND-001', service.path,
        `service ${quote(service.name)} is on the MST API backend, but project ${quote(project.name)} has no mstApi connection`,
        'give the project mstApi: { organizationId }, or keep the service on the PostgreSQL-role backend', service.name));
    }
    if (service.users.length > MST_API_USER_LIMIT) {
      out.push(finding('MST-USER-009', service.path,
        `service ${quote(service.name)} declares ${service.users.length} users on the MST API backend, past MST's default limit of ${MST_API_USER_LIMIT}`,
        'acknowledge MST-USER-009 when the project\'s limit was raised, or keep the service\'s users as PostgreSQL roles (backend postgres-roles)',
        String(service.users.length)));
    }
  }
  return out;
}

function inviterFindings(
  path: string, invitedBy: string, role: ProjectRole, email: string, members: Map<string, ProjectRole>,
): Finding[] {
  const emailFindings = checkEmail(path, invitedBy, 'invitedBy');
  if (emailFindings.length > 0) return emailFindings;
  const inviterRole = members.get(emailKey(invitedBy));
  if (!inviterRole) {
    return [finding('MST-INVITE-001', path, `inviter ${quote(invitedBy)} of ${quote(email)} is not a project member`,
      'set invitedBy to the email of an accepted member', invitedBy)];
  }
  const invite = GOVERNING.membership.permission;
  if (!inviterRole.can(invite)) {
    return [finding('MST-INVITE-002', path,
      `inviter ${quote(invitedBy)} is ${article(inviterRole)}, which may not ${PERMISSION_LABELS[invite].toLowerCase()}`,
      `have ${rolesHolding(invite).map(withArticle).join(' or ')} send the invitation`, invitedBy)];
  }
  const lacking = inviterRole.lacksFrom(role);
  if (lacking.length > 0) {
    return [finding('MST-INVITE-003', path,
      `inviter ${quote(invitedBy)} is ${article(inviterRole)} and cannot invite ${quote(email)} as ${article(role)}: it lacks ${labels(lacking)}`,
      `have ${rolesCovering([...role.permissions, invite]).map(withArticle).join(' or ')} send the invitation or choose a role within the inviter's own`, role.id)];
  }
  return [];
}

function deployerFindings(project: ProjectSpec, members: Map<string, ProjectRole>): Finding[] {
  const emailFindings = checkEmail(project.path, project.deployer, 'deployer');
  if (emailFindings.length > 0) return emailFindings;
  const role = members.get(emailKey(project.deployer));
  if (!role) {
    const invited = project.invitations.some((i) => emailKey(i.email) === emailKey(project.deployer));
    return [finding('MST-DEPLOY-001', project.path,
      `deployer ${quote(project.deployer)} is ${invited ? 'only invited, not yet a member' : 'not a project member'}`,
      'add the deployer to the members or set deployer to a member\'s email', project.deployer)];
  }
  const out: Finding[] = [];
  for (const [permission, causes] of neededPermissions(project)) {
    if (role.can(permission)) continue;
    const shown = causes.slice(0, 3).join(', ') + (causes.length > 3 ? ` and ${causes.length - 3} more` : '');
    out.push(finding('MST-DEPLOY-002', project.path,
      `deployer ${quote(project.deployer)} is ${article(role)}, which lacks ${PERMISSION_LABELS[permission]} needed for ${shown}`,
      `give the deployer a role that holds it (${rolesCovering(PERMISSIONS).map((r) => r.label).join(', ')} holds all) or remove that change`, role.id));
  }
  return out;
}

/**
 * Grants on a service whose users the deployer may not manage (MST-GRANT-004),
 * one finding per user with grants. A deployer that is not a member is
 * MST-DEPLOY-001 alone.
 */
function grantDeployerFindings(project: ProjectSpec, members: Map<string, ProjectRole>): Finding[] {
  const role = members.get(emailKey(project.deployer));
  const permission = GOVERNING['service-users'].permission;
  if (!role || role.can(permission)) return [];
  return project.services.flatMap((s) => s.users.filter((u) => (u.grants ?? []).length > 0).map((u) => finding('MST-GRANT-004', u.path,
    `deployer ${quote(project.deployer)} is ${article(role)}, which lacks ${PERMISSION_LABELS[permission]} needed to grant user ${quote(u.username)} on service ${quote(s.name)} its ${(u.grants ?? []).length} grant(s)`,
    `give the deployer a role that holds ${PERMISSION_LABELS[permission]} or remove the grants`, role.id)));
}

/** Each kind of change the stack carries, mapped to the permission it needs and what carries it. */
function neededPermissions(project: ProjectSpec): Map<Permission, string[]> {
  const needs = new Map<Permission, string[]>();
  const need = (p: Permission, cause: string) => {
    const list = needs.get(p);
    if (list) list.push(cause); else needs.set(p, [cause]);
  };
  // In canonical order, so the message does not move when declarations are reordered.
  const invitations = [...project.invitations].sort((a, b) => cmp(emailKey(a.email), emailKey(b.email)) || cmp(a.email, b.email));
  for (const inv of invitations) need(GOVERNING.membership.permission, `the invitation of ${quote(inv.email)}`);
  if (project.billing) need(GOVERNING.billing.permission, 'the billing details');
  for (const s of [...project.services].sort((a, b) => cmp(a.name, b.name))) {
    if (s.users.length > 0) need(GOVERNING['service-users'].permission, `the users of service ${quote(s.name)}`);
    if (s.state !== undefined) need(GOVERNING['power-state'].permission, `the power state of service ${quote(s.name)}`);
  }
  return needs;
}

function serviceFindings(service: ServiceSpec): Finding[] {
  const nameFindings = checkServiceName(service.path, service.name);
  const out: Finding[] = [
    ...nameFindings,
    ...checkPostgresVersion(service.path, service.postgresVersion),
    ...checkAdminSecret(service.path, service.adminPassword, service.name),
    // An invalid service name makes its default variable names invalid too: MST-SVC-002 says it once.
    ...(service.adminPassword.kind === 'variable' && nameFindings.length === 0
      ? checkVariableName(service.path, service.adminPassword.name, `admin password of service ${quote(service.name)}`) : []),
    ...checkConnectionStrings(service.path, writtenValues(connectionOf(service)), service.name),
  ];
  if (service.state === 'powered-off' && service.users.length > 0) {
    out.push(finding('MST-SVC-001', service.path,
      `service ${quote(service.name)} is powered off but declares ${service.users.length} user(s)`,
      'set its state to running, or remove its users', service.state));
  }
  const byKey = new Map<string, string>();
  for (const user of service.users) {
    const nameFindings = checkUsername(user.path, user.username);
    out.push(...nameFindings);
    out.push(...checkSecret(user.path, user.password, () => `password of user ${quote(user.username)}`));
    if (user.password.kind === 'variable') {
      out.push(...checkVariableName(user.path, user.password.name, `password of user ${quote(user.username)}`));
    }
    out.push(...checkPasswordVersion(user.path, user.passwordVersion, user.username));
    if (service.writeOnlyPasswords && user.password.kind === 'generated') {
      out.push(finding('MST-SEC-003', user.path,
        `user ${quote(user.username)} has a generated password on service ${quote(service.name)}, whose passwords are write-only`,
        'give the user a password from a sensitive variable, or turn writeOnlyPasswords off'));
    }
    const key = userKey(user.username);
    const first = byKey.get(key);
    if (first !== undefined) {
      out.push(usernameCollision(user.path, user.username, first, service.name));
    } else {
      byKey.set(key, user.username);
    }
    if (user.allowReplication) out.push(...replicationFindings(service, user.path, user.username));
    out.push(...grantFindings(service, user));
  }
  out.push(...membershipCycleFindings(service));
  return out;
}

/** The settings of a connection written in the configuration (variables and typed expressions are the engine's own). */
function writtenValues(c: ConnectionSpec): Partial<Record<'host' | 'database' | 'username' | 'sslmode', unknown>> {
  const out: Partial<Record<'host' | 'database' | 'username' | 'sslmode', unknown>> = {};
  for (const key of ['host', 'database', 'username', 'sslmode'] as const) {
    const setting = c[key];
    if ('literal' in setting) out[key] = setting.literal;
  }
  return out;
}

function replicationFindings(service: ServiceSpec, path: string, username: string): Finding[] {
  const out: Finding[] = [finding('MST-USER-006', path,
    `replication user ${quote(username)} can read every row of service ${quote(service.name)}`,
    'acknowledge MST-USER-006 with the reason it is needed, or turn allowReplication off', username)];
  // MST's API creates its service users itself, whatever the admin connection may do.
  if (service.adminIsSuperuser || service.backend === 'mst-api') return out;
  if (service.postgresVersion === undefined) {
    out.push(finding('MST-USER-005', path,
      `replication user ${quote(username)} on service ${quote(service.name)}, whose PostgreSQL version is not declared, needs PostgreSQL ${NON_SUPERUSER_REPLICATION_SINCE}+ (the admin is not a superuser)`,
      'declare postgresVersion on the service', username));
  } else if (service.postgresVersion < NON_SUPERUSER_REPLICATION_SINCE) {
    out.push(finding('MST-USER-004', path,
      `replication user ${quote(username)} needs PostgreSQL ${NON_SUPERUSER_REPLICATION_SINCE}+ on service ${quote(service.name)}, which runs ${service.postgresVersion} with a non-superuser admin`,
      'upgrade the service, turn allowReplication off, or connect as a superuser', String(service.postgresVersion)));
  }
  return out;
}

function duplicateServices(projects: readonly ProjectSpec[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, string>();
  for (const s of projects.flatMap((p) => p.services)) {
    const first = seen.get(s.name);
    if (first === undefined) seen.set(s.name, s.path);
    else out.push(finding('MST-SVC-003', s.path, `service name ${quote(s.name)} is already used at ${first}`,
      'rename one of the services', s.name));
  }
  return out;
}

/**
 * Passwords from a service's connection variables (MST-SEC-005). Variables are
 * stack-wide, so every service of every project of the stack is considered:
 * a user's password must not be any admin password, host or port variable, and
 * an admin password must not be any host or port variable.
 */
function connectionVariableFindings(projects: readonly ProjectSpec[]): Finding[] {
  const services = projects.flatMap((p) => p.services);
  const admin = new Map<string, string>();
  const address = new Map<string, string>();
  for (const s of services) {
    const prefix = serviceVariablePrefix(s.name);
    if (!address.has(`${prefix}_host`)) address.set(`${prefix}_host`, `the host variable of service ${quote(s.name)}`);
    if (!address.has(`${prefix}_port`)) address.set(`${prefix}_port`, `the port variable of service ${quote(s.name)}`);
    if (s.adminPassword.kind === 'variable' && !admin.has(s.adminPassword.name)) {
      admin.set(s.adminPassword.name, `the admin password of service ${quote(s.name)}`);
    }
  }
  const out: Finding[] = [];
  for (const s of services) {
    const a = s.adminPassword;
    const taken = a.kind === 'variable' ? address.get(a.name) : undefined;
    if (a.kind === 'variable' && taken) {
      out.push(finding('MST-SEC-005', s.path, `admin password of service ${quote(s.name)} comes from variable ${quote(a.name)}, ${taken}`,
        'give the admin password a sensitive variable of its own', a.name));
    }
    for (const u of s.users) {
      const pw = u.password;
      const what = pw.kind === 'variable' ? admin.get(pw.name) ?? address.get(pw.name) : undefined;
      if (pw.kind === 'variable' && what) {
        out.push(finding('MST-SEC-005', u.path, `password of user ${quote(u.username)} comes from variable ${quote(pw.name)}, ${what}`,
          'give the user a sensitive variable of its own', pw.name));
      }
    }
  }
  return out;
}

/**
 * Finds the acknowledgement of a warning: the first made for its rule at its
 * path or an ancestor's, up to the root (path "", where one made on the App sits).
 */
export function acknowledgementMatcher(acks: readonly Acknowledgement[]): (f: Finding) => Acknowledgement | undefined {
  const key = (ruleId: string, path: string) => `${ruleId}|${path}`;
  const byKey = new Map<string, Acknowledgement>();
  for (const a of acks) if (!byKey.has(key(a.ruleId, a.path))) byKey.set(key(a.ruleId, a.path), a);
  return (f) => {
    if (f.level !== 'warning' || byKey.size === 0) return undefined;
    for (let p = f.path; ; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') {
      const ack = byKey.get(key(f.ruleId, p));
      if (ack || p === '') return ack;
    }
  };
}

/** Marks acknowledged warnings and reports acknowledgements that matched nothing. */
function applyAcknowledgements(findings: Finding[], acks: readonly Acknowledgement[]): Finding[] {
  if (acks.length === 0) return findings;
  const match = acknowledgementMatcher(acks);
  const used = new Set<Acknowledgement>();
  const out = findings.map((f) => {
    const ack = match(f);
    if (!ack) return f;
    used.add(ack);
    return { ...f, acknowledged: ack.reason };
  });
  // One per rule and path: a repeated acknowledgement is not called stale.
  const seen = new Set<string>();
  for (const a of acks) {
    const k = `${a.ruleId}|${a.path}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (!used.has(a) && findRule(a.ruleId)?.level === 'warning' && a.reason.trim() !== '') {
      out.push(finding('MST-ACK-001', a.path, `acknowledgement of ${a.ruleId} matches no finding at or below this path`,
        'remove the stale acknowledgement', a.ruleId));
    }
  }
  return out;
}

const article = withArticle;

function labels(permissions: readonly Permission[]): string {
  return permissionLabels(permissions);
}

/** The roles holding every one of `permissions`, read from the matrix. */
function rolesCovering(permissions: readonly Permission[]): ProjectRole[] {
  return ProjectRole.ALL.filter((r) => permissions.every((p) => r.can(p)));
}

