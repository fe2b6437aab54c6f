/**
 * Markdown for pull-request comments, from the report and diff data. Role and
 * permission names are the console's labels; cells are ✅ / ❌ as in the spec's
 * table. Nothing here decides anything: it only words what report.ts and
 * diff.ts found.
 *
 * Every string that came from the input leaves through {@link code} (a code
 * span no value can close early) or {@link text} (Markdown punctuation and
 * HTML escaped), after {@link visible}: no value can end a line, open a
 * heading, inject HTML or hide characters from the reviewer.
 */
import { Permission, PERMISSION_LABELS, RoleId } from '../domain/permissions';
import { parseRole } from '../domain/checks';
import { PowerStateId } from '../domain/power-state';
import { PasswordInfo, ReportFinding, SecretInfo } from './common';
import { ConnectionSetting } from '../domain/model';
import { visible } from '../domain/visible';
import { AccessChange, AccessDiff } from './diff';
import { GrantObject } from './grants-diff';
import { AccessReport, PermissionCells, ProjectReport } from './report';

// ---------------------------------------------------------------------------
// report

export function reportToMarkdown(report: AccessReport): string {
  const s = report.summary;
  const lines: string[] = ['## MST access report', ''];
  lines.push([
    count(s.projects, 'project'),
    count(s.members, 'member'),
    count(s.invitations, 'pending invitation'),
    count(s.services, 'service'),
    `${count(s.users, 'service user')}${s.replicationUsers > 0 ? ` (${s.replicationUsers} with replication)` : ''}`,
    findingsSummary(s.errors, s.warnings, s.acknowledged),
  ].join(' · '));
  if (s.errors > 0) {
    lines.push('', `> **${count(s.errors, 'error')}**: \`cdktf synth\` refuses this configuration; see Errors below.`);
  }
  for (const p of report.projects) lines.push('', ...projectSection(p, report));
  lines.push('', ...findingsSection(report.findings));
  return `${lines.join('\n')}\n`;
}

function projectSection(p: ProjectReport, report: AccessReport): string[] {
  const billing = p.billing === null ? 'not managed' : p.billing.email !== undefined ? `managed (${code(p.billing.email)})` : 'managed';
  const lines = [`### Project ${code(p.name)}`, '', `Deployer: ${code(p.deployer)} · Billing details: ${billing}`, ''];

  lines.push('#### Members', '');
  const labels = report.permissions.map((x) => x.label);
  if (p.members.length === 0) {
    lines.push('No members.');
  } else {
    lines.push(row(['Member', 'Role', ...labels]), row([':--', ':--', ...labels.map(() => ':-:')]));
    for (const m of p.members) {
      lines.push(row([`${code(m.email)}${m.deployer ? ' (deployer)' : ''}`, roleLabel(m.role), ...marks(m.permissions, report)]));
    }
  }

  lines.push('', '#### Pending invitations', '');
  if (p.invitations.length === 0) {
    lines.push('No pending invitations.');
  } else {
    lines.push(row(['Email', 'Role', 'Invited by', ...labels]), row([':--', ':--', ':--', ...labels.map(() => ':-:')]));
    for (const i of p.invitations) {
      lines.push(row([code(i.email), roleLabel(i.role), code(i.invitedBy), ...marks(i.permissions, report)]));
    }
  }

  lines.push('', '#### Services', '');
  if (p.services.length === 0) {
    lines.push('No services.');
    return lines;
  }
  lines.push(row(['Service', 'Power state', 'PostgreSQL', 'Users']), row([':--', ':--', ':--', '--:']));
  for (const svc of p.services) {
    lines.push(row([code(svc.name), powerState(svc.powerState), svc.postgresVersion === null ? 'not declared' : String(svc.postgresVersion), String(svc.users.length)]));
  }
  lines.push('', '#### Admin connections', '');
  lines.push(row(['Service', 'Host', 'Port', 'Database', 'Admin role', 'sslmode', 'Admin password', 'User passwords in the state']),
    row([':--', ':--', ':--', ':--', ':--', ':--', ':--', ':-:']));
  for (const svc of p.services) {
    const c = svc.connection;
    lines.push(row([code(svc.name), setting(c.host), setting(c.port), setting(c.database), setting(c.username), setting(c.sslmode),
      secretSource(svc.adminPassword), svc.writeOnlyPasswords ? 'no (write-only)' : 'yes']));
  }
  const users = p.services.flatMap((svc) => svc.users.map((u) => ({ service: svc.name, ...u })));
  lines.push('', '#### Service users', '');
  if (users.length === 0) {
    lines.push('No service users.');
  } else {
    lines.push(row(['Service', 'User', 'Replication', 'Password']), row([':--', ':--', ':-:', ':--']));
    for (const u of users) {
      lines.push(row([code(u.service), code(u.username), u.replication ? '**on**' : 'off', password(u.password)]));
    }
  }
  const granted = users.flatMap((u) => (u.grants ?? []).map((g) => ({ service: u.service, username: u.username, ...g })));
  if (granted.length > 0) {
    lines.push('', '#### Privileges', '', 'Who may read and who may write what; a user not listed may log in and nothing else.', '');
    lines.push(row(['Service', 'User', 'Access', 'On', 'Privileges']), row([':--', ':--', ':--', ':--', ':--']));
    for (const g of granted) {
      lines.push(row([code(g.service), code(g.username), g.access === 'write' ? '**write**' : g.access, grantObject(g.on), privilegeList(g.privileges)]));
    }
  }
  return lines;
}

function findingsSection(findings: readonly ReportFinding[]): string[] {
  const errors = findings.filter((f) => f.level === 'error');
  const open = findings.filter((f) => f.level === 'warning' && f.acknowledged === undefined);
  const acknowledged = findings.filter((f) => f.acknowledged !== undefined);
  const lines: string[] = [];
  if (errors.length > 0) {
    lines.push(`### Errors (${errors.length})`, '', ...errors.map((f) => `- ${findingLine(f)}`), '');
  }
  lines.push(`### Warnings (${open.length})`, '');
  lines.push(...(open.length === 0 ? ['No unacknowledged warnings.'] : open.map((f) => `- ${findingLine(f)}`)));
  lines.push('', `### Acknowledged warnings (${acknowledged.length})`, '');
  lines.push(...(acknowledged.length === 0
    ? ['No acknowledgements.']
    : acknowledged.map((f) => `- ${ruleRef(f)}: ${text(f.message)}. Acknowledged: ${quote(f.acknowledged!)}`)));
  return lines;
}

// ---------------------------------------------------------------------------
// diff

export function diffToMarkdown(diff: AccessDiff): string {
  const lines: string[] = ['## MST access changes', ''];
  const where = diff.projects.length === 0 ? ''
    : ` — ${diff.projects.length === 1 ? 'project' : 'projects'} ${diff.projects.map(code).join(', ')}`;
  if (diff.changes.length === 0 && diff.errors.length === 0) {
    lines.push(`No access changes${where}.`);
    return `${lines.join('\n')}\n`;
  }
  const escalations = diff.changes.filter((c) => c.escalation);
  const others = diff.changes.filter((c) => !c.escalation);
  const summary = [
    escalations.length > 0 ? `**${count(escalations.length, 'escalation')}**` : count(0, 'escalation'),
    diff.errors.length > 0 ? `**${count(diff.errors.length, 'error')}**` : count(0, 'error'),
    count(others.length, 'other change'),
  ];
  lines.push(`${summary.join(' · ')}${where}`);
  const many = diff.projects.length > 1;
  if (escalations.length > 0) {
    lines.push('', `### Escalations (${escalations.length})`, '', ...escalations.map((c) => `- ${changeLine(c, many)}`));
  }
  if (diff.errors.length > 0) {
    lines.push('', `### Errors (${diff.errors.length})`, '', ...diff.errors.map((f) => `- ${findingLine(f)}`));
  }
  if (others.length > 0) {
    lines.push('', `### Other changes (${others.length})`, '', ...others.map((c) => `- ${changeLine(c, many)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** One change as a sentence: a bold label, then what changed. */
export function changeLine(c: AccessChange, withProject: boolean): string {
  const [label, text] = describeChange(c);
  const named = c.kind === 'project-added' || c.kind === 'project-removed';
  return `**${label}**${withProject && c.project && !named ? ` (${code(c.project)})` : ''}: ${text}`;
}

function describeChange(c: AccessChange): [string, string] {
  const on = (svc: string) => `on ${code(svc)}`;
  switch (c.kind) {
    case 'project-added':
      return ['Project added', `${code(c.project)}, deployed by ${code(c.deployer)}`];
    case 'project-removed':
      return ['Project removed', `${code(c.project)}: its services and users are removed (listed here); its ${count(c.members, 'member')} and ${count(c.invitations, 'invitation')} are no longer recorded`];
    case 'member-added':
      return ['Member added', `${code(c.email)} as ${roleLabel(c.role)}${gains(c.gained)}`];
    case 'member-removed':
      return ['Member removed', `${code(c.email)} (was ${roleLabel(c.role)})`];
    case 'role-changed':
      return ['Role changed', `${code(c.email)} ${roleLabel(c.from)} → ${roleLabel(c.to)}${gainsAndLosses(c.gained, c.lost)}`];
    case 'invitation-sent':
      return ['Invitation sent', `${code(c.email)} as ${roleLabel(c.role)} by ${code(c.invitedBy)}${c.gained.length > 0 ? `, on accepting gains ${permissions(c.gained)}` : ''}`];
    case 'invitation-withdrawn':
      return ['Invitation withdrawn', `${code(c.email)} (was invited as ${roleLabel(c.role)} by ${code(c.invitedBy)})`];
    case 'invitation-changed': {
      const inviter = c.invitedBy.from.toLowerCase() === c.invitedBy.to.toLowerCase()
        ? `invited by ${code(c.invitedBy.to)}` : `invited by ${code(c.invitedBy.from)} → ${code(c.invitedBy.to)}`;
      const role = c.from === c.to ? `as ${roleLabel(c.to)}` : `${roleLabel(c.from)} → ${roleLabel(c.to)}`;
      return ['Invitation changed', `${code(c.email)} ${role}, ${inviter}${gainsAndLosses(c.gained, c.lost)}`];
    }
    case 'invitation-accepted':
      return ['Invitation accepted', c.invited === c.role
        ? `${code(c.email)} is now a member as ${roleLabel(c.role)}`
        : `${code(c.email)} is now a member as ${roleLabel(c.role)}, invited as ${roleLabel(c.invited)}${gainsAndLosses(c.gained, c.lost)}`];
    case 'user-added':
      return c.replication
        ? ['New replication user', `${code(c.username)} ${on(c.service)} can read every row of the service`]
        : ['User added', `${code(c.username)} ${on(c.service)}`];
    case 'user-removed':
      return ['User removed', `${code(c.username)} ${on(c.service)}${c.replication ? ' (had replication)' : ''}: its PostgreSQL role is dropped`];
    case 'user-renamed':
      return ['User renamed', `${code(c.from)} → ${code(c.to)} ${on(c.service)}: clients log in with the new name`];
    case 'replication-enabled':
      return ['Replication turned on', `${code(c.username)} ${on(c.service)} can now read every row of the service`];
    case 'replication-disabled':
      return ['Replication turned off', `${code(c.username)} ${on(c.service)}`];
    case 'grant-gained':
      return [c.escalation ? 'Write access granted' : 'Privileges granted', `${code(c.username)} ${on(c.service)} gains ${privilegeList(c.privileges)} on ${grantObject(c.on)}`];
    case 'grant-lost':
      return ['Privileges revoked', `${code(c.username)} ${on(c.service)} loses ${privilegeList(c.privileges)} on ${grantObject(c.on)}`];
    case 'password-rotated':
      return ['Password rotated', `${code(c.username)} ${on(c.service)}: ${rotation(c.from, c.to)}`];
    case 'service-added':
      return ['Service added', `${code(c.service)}, power state ${powerState(c.powerState)}`];
    case 'service-removed':
      return ['Service removed', `${code(c.service)}: no longer managed by this stack`];
    case 'power-state-changed':
      return ['Power state changed', `${code(c.service)}: ${powerState(c.from)} → ${powerState(c.to)}`];
    case 'admin-connection-changed':
      return [`Admin connection moved (${c.rule})`, `${code(c.service)}: ${CONNECTION_LABELS[c.setting]} ${setting(c.from)} → ${setting(c.to)}: the admin password goes there`];
    case 'tls-changed':
      return [c.weakened ? `TLS weakened (${c.rule})` : `TLS mode changed (${c.rule})`,
        `${code(c.service)}: sslmode ${setting(c.from)} → ${setting(c.to)}${c.weakened ? ': the admin password may cross the network unprotected' : ''}`];
    case 'admin-password-changed':
      return [`Admin password source changed (${c.rule})`, `${code(c.service)}: ${secretSource(c.from)} → ${secretSource(c.to)}`];
    case 'password-shared':
      return [`Password shared (${c.rule})`, `${c.username === null ? `the admin password of ${code(c.service)}` : `the password of ${code(c.username)} ${on(c.service)}`} comes from variable ${code(c.variable)}, which ${c.with.map(text).join(', ')}${c.more > 0 ? ` and ${c.more} more` : ''} also ${c.with.length + c.more === 1 ? 'reads' : 'read'}: whoever holds one password holds the other`];
    case 'write-only-changed':
      return c.to
        ? [`Passwords kept out of the state (${c.rule})`, `${code(c.service)}: user passwords are now write-only`]
        : [`Passwords written into the state (${c.rule})`, `${code(c.service)}: user passwords are no longer write-only; whoever reads the Terraform state reads them`];
    case 'deployer-changed':
      return ['Deployer changed', `${code(c.from)} → ${code(c.to)}${c.gained.length > 0 ? `, who holds more: ${permissions(c.gained)}` : ''}`];
    case 'billing-changed':
      return ['Billing details changed', `${billingText(c.from)} → ${billingText(c.to)}`];
    case 'warning-raised':
      return ['New warning', `${code(c.ruleId)} at ${code(c.path)}: ${text(c.message)}`];
    case 'warning-acknowledged':
      return ['Warning acknowledged', `${code(c.ruleId)} at ${code(c.path)}: ${text(c.message)}. Reason: ${quote(c.reason)}`];
  }
}

/** A finding as one list item: `**RULE** \`path\`: message; fix.` */
export function findingLine(f: ReportFinding): string {
  return `${ruleRef(f)}: ${text(f.message)}; ${text(f.fix)}.`;
}

// ---------------------------------------------------------------------------
// words

function roleLabel(id: RoleId): string {
  return parseRole(id).label;
}

function permissions(list: readonly Permission[]): string {
  return list.map((p) => PERMISSION_LABELS[p]).join(', ');
}

function gains(gained: readonly Permission[]): string {
  return gained.length > 0 ? `, gains ${permissions(gained)}` : '';
}

function gainsAndLosses(gained: readonly Permission[], lost: readonly Permission[]): string {
  const parts = [
    ...(gained.length > 0 ? [`gains ${permissions(gained)}`] : []),
    ...(lost.length > 0 ? [`loses ${permissions(lost)}`] : []),
  ];
  return parts.length > 0 ? `, ${parts.join('; ')}` : '';
}

function marks(cells: PermissionCells, report: AccessReport): string[] {
  return report.permissions.map((p) => (cells[p.id] ? '✅' : '❌'));
}

function powerState(state: PowerStateId | null): string {
  return state === null ? 'not managed' : state === 'powered-off' ? 'powered off' : state;
}

function password(p: PasswordInfo): string {
  return `${passwordSource(p)}, version ${p.version}`;
}

function passwordSource(p: PasswordInfo): string {
  switch (p.source) {
    case 'generated':
      return `generated (${p.length} characters)`;
    case 'variable':
      return `variable ${code(p.variable)}`;
    case 'literal':
      return 'plaintext (refused, MST-SEC-001)';
  }
}

const CONNECTION_LABELS = { host: 'host', port: 'port', database: 'database', username: 'admin role' } as const;

function setting(s: ConnectionSetting): string {
  if ('literal' in s) return code(String(s.literal));
  if ('variable' in s) return `variable ${code(s.variable)}`;
  return `expression ${code(s.expression)}`;
}

function secretSource(s: SecretInfo): string {
  return passwordSource({ ...s, version: 1 } as PasswordInfo);
}

function rotation(from: PasswordInfo, to: PasswordInfo): string {
  const source = passwordSource(from) === passwordSource(to) ? '' : `${passwordSource(from)} → ${passwordSource(to)}`;
  const version = from.version === to.version ? '' : `version ${from.version} → ${to.version}`;
  return [source, version].filter(Boolean).join(', ');
}

/** An object a grant applies to, in words; the service's database unless one is named. */
function grantObject(o: GrantObject): string {
  const db = 'database' in o && o.database !== undefined && o.type !== 'database' ? ` in database ${code(o.database)}` : '';
  switch (o.type) {
    case 'tables':
      return `every table of schema ${code(o.schema)}${db}, present and future`;
    case 'sequences':
      return `every sequence of schema ${code(o.schema)}${db}, present and future`;
    case 'table':
    case 'sequence':
      return `${o.type} ${code(`${o.schema}.${o.name}`)}${db}`;
    case 'database':
      return `database ${code(o.database)}`;
    case 'role':
      return o.service !== undefined ? `role ${code(o.role)} (a user of the service)` : `role ${code(o.role)}`;
  }
}

function privilegeList(privileges: readonly string[]): string {
  return privileges.map((p) => text(p)).join(', ');
}

function billingText(b: { readonly email?: string } | null): string {
  return b === null ? 'not managed' : b.email !== undefined ? code(b.email) : 'managed, no email';
}

function findingsSummary(errors: number, warnings: number, acknowledged: number): string {
  const parts = [
    ...(errors > 0 ? [count(errors, 'error')] : []),
    `${count(warnings, 'warning')}${acknowledged > 0 ? ` (${acknowledged} acknowledged)` : ''}`,
  ];
  return parts.join(', ');
}

function ruleRef(f: ReportFinding): string {
  return `**${text(f.ruleId)}** ${code(f.path)}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * A code span holding `s` exactly as {@link visible} shows it: fenced by one
 * backtick more than the longest run inside, padded when it starts or ends
 * with a backtick or a space (CommonMark strips one space from each side), so
 * no value can close it early.
 */
export function code(s: string): string {
  const shown = visible(s);
  if (shown === '') return '` `';
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // CommonMark strips one space from each side unless the content is only spaces.
  const pad = shown.trim() !== '' && /^[` ]|[` ]$/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * Text from the input, shown literally: every Markdown punctuation character
 * that could start emphasis, a link, a code span, HTML or an entity is
 * backslash-escaped, after {@link visible} has taken out line breaks.
 */
export function text(s: string): string {
  return visible(s).replace(/[\\`*_[\]<>&|~!#]/g, (c) => `\\${c}`);
}

function quote(s: string): string {
  return `“${text(s.replace(/\s+/g, ' ').trim())}”`;
}

/**
 * A table row. A pipe ends a GFM cell, even inside a code span, unless
 * escaped; a backslash just before it would consume that escape, so it is
 * shown as \x5c there.
 */
function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\\(?=\|)/g, '\\x5c').replace(/\|/g, '\\|')).join(' | ')} |`;
}
