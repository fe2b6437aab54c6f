/**
 * The access report: who holds which permission, who is invited by whom, which
 * services are managed and who may log in to them, and what the rules said.
 * Pure: projects and findings in, plain JSON-ready data out. The permission
 * cells are read from the one matrix (ProjectRole.can).
 */
import { Finding } from '../domain/findings';
import { ProjectSpec } from '../domain/model';
import { PowerStateId } from '../domain/power-state';
import { sortBy } from '../domain/document';
import { connectionOf, emailKey, userKey } from '../domain/conventions';
import { Permission, PERMISSION_LABELS, PERMISSIONS, ProjectRole, RoleId } from '../domain/permissions';
import { PasswordInfo, passwordInfo, ReportFinding, reportFinding, SecretInfo, secretInfo, settingInfo } from './common';
import { GrantRow, grantRows } from './grants-diff';
import { ConnectionSetting } from '../domain/model';

/** Identifies the JSON format; bumped when a field changes meaning. */
export const REPORT_FORMAT = 'cdktf-mst/access-report@1';

export interface AccessReport {
  readonly format: typeof REPORT_FORMAT;
  /** The columns of the permission table, in the console's order, with their labels. */
  readonly permissions: readonly { readonly id: Permission; readonly label: string }[];
  readonly projects: readonly ProjectReport[];
  /** Every finding: errors (manifests only), warnings, and acknowledged warnings with their reasons. */
  readonly findings: readonly ReportFinding[];
  readonly summary: ReportSummary;
}

export interface ReportSummary {
  readonly projects: number;
  readonly members: number;
  readonly invitations: number;
  readonly services: number;
  readonly users: number;
  readonly replicationUsers: number;
  readonly errors: number;
  readonly warnings: number;
  readonly acknowledged: number;
}

/** A role and what it grants, cell by cell. */
export type PermissionCells = Readonly<Record<Permission, boolean>>;

export interface ProjectReport {
  readonly name: string;
  readonly deployer: string;
  /** Billing details the stack manages, or null when billing is left as it is. */
  readonly billing: { readonly email?: string } | null;
  readonly members: readonly {
    readonly email: string;
    readonly role: RoleId;
    /** Whether this member's credentials run `cdktf deploy`. */
    readonly deployer: boolean;
    readonly permissions: PermissionCells;
  }[];
  readonly invitations: readonly {
    readonly email: string;
    readonly role: RoleId;
    readonly invitedBy: string;
    /** What the invitee holds once the invitation is accepted. */
    readonly permissions: PermissionCells;
  }[];
  readonly services: readonly {
    readonly name: string;
    /** The managed power state, or null when the stack leaves it as it is. */
    readonly powerState: PowerStateId | null;
    readonly postgresVersion: number | null;
    /** How the provider reaches the service as its admin: where the admin password is sent. */
    readonly connection: Readonly<Record<'host' | 'port' | 'database' | 'username' | 'sslmode', ConnectionSetting>>;
    /** Where the admin password comes from. */
    readonly adminPassword: SecretInfo;
    /** Whether user passwords stay out of the Terraform state. */
    readonly writeOnlyPasswords: boolean;
    readonly users: readonly {
      readonly username: string;
      readonly replication: boolean;
      readonly password: PasswordInfo;
      /** What the user may do besides logging in, object by object; absent when nothing. */
      readonly grants?: readonly GrantRow[];
    }[];
  }[];
}

/** Builds the report of `projects`; `findings` are the rules' findings on them. */
export function buildAccessReport(projects: readonly ProjectSpec[], findings: readonly Finding[]): AccessReport {
  const reported = findings.map(reportFinding);
  const projectReports = byName(projects).map(projectReport);
  const users = projectReports.flatMap((p) => p.services.flatMap((s) => s.users));
  return {
    format: REPORT_FORMAT,
    permissions: PERMISSIONS.map((id) => ({ id, label: PERMISSION_LABELS[id] })),
    projects: projectReports,
    findings: reported,
    summary: {
      projects: projectReports.length,
      members: projectReports.reduce((n, p) => n + p.members.length, 0),
      invitations: projectReports.reduce((n, p) => n + p.invitations.length, 0),
      services: projectReports.reduce((n, p) => n + p.services.length, 0),
      users: users.length,
      replicationUsers: users.filter((u) => u.replication).length,
      errors: reported.filter((f) => f.level === 'error').length,
      warnings: reported.filter((f) => f.level === 'warning').length,
      acknowledged: reported.filter((f) => f.acknowledged !== undefined).length,
    },
  };
}

/**
 * One report section per project, whatever number of stacks declares it:
 * declarations of the same name are shown together. A member whose role
 * differs between them is listed once per role (beside MST-PROJECT-002).
 * Everything is in canonical order, so declaration order changes nothing.
 */
function byName(projects: readonly ProjectSpec[]): ProjectSpec[] {
  const groups = new Map<string, ProjectSpec[]>();
  for (const p of projects) groups.set(p.name, [...(groups.get(p.name) ?? []), p]);
  return [...groups.values()].map((all) => {
    const unique = <T>(items: T[], key: (x: T) => string): T[] => {
      const seen = new Set<string>();
      return items.filter((x) => !seen.has(key(x)) && Boolean(seen.add(key(x))));
    };
    const members = unique(all.flatMap((p) => p.members), (m) => `${emailKey(m.email)}|${m.role.id}`);
    const invitations = unique(all.flatMap((p) => p.invitations), (i) => `${emailKey(i.email)}|${i.role.id}|${emailKey(i.invitedBy)}`);
    return {
      ...all[0],
      members: sortBy(members, (m) => [m.email.toLowerCase(), m.email, m.role.id]),
      invitations: sortBy(invitations, (i) => [i.email.toLowerCase(), i.email, i.role.id]),
      services: sortBy(all.flatMap((p) => p.services), (svc) => [svc.name, svc.path])
        .map((svc) => ({ ...svc, users: sortBy(svc.users, (u) => [userKey(u.username), u.username]) })),
    };
  });
}

function projectReport(p: ProjectSpec): ProjectReport {
  const deployer = emailKey(p.deployer);
  return {
    name: p.name,
    deployer: p.deployer,
    billing: p.billing ? (p.billing.email !== undefined ? { email: p.billing.email } : {}) : null,
    members: p.members.map((m) => ({
      email: m.email,
      role: m.role.id,
      deployer: emailKey(m.email) === deployer,
      permissions: cells(m.role),
    })),
    invitations: p.invitations.map((i) => ({
      email: i.email,
      role: i.role.id,
      invitedBy: i.invitedBy,
      permissions: cells(i.role),
    })),
    services: p.services.map((s) => ({
      name: s.name,
      powerState: s.state ?? null,
      postgresVersion: s.postgresVersion ?? null,
      connection: connectionReport(s),
      adminPassword: secretInfo(s.adminPassword),
      writeOnlyPasswords: s.writeOnlyPasswords,
      users: s.users.map((u) => ({
        username: u.username,
        replication: u.allowReplication,
        password: passwordInfo(u),
        ...(u.grants && u.grants.length > 0 ? { grants: grantRows(u.grants) } : {}),
      })),
    })),
  };
}

function connectionReport(s: Parameters<typeof connectionOf>[0]): ProjectReport['services'][number]['connection'] {
  const c = connectionOf(s);
  return {
    host: settingInfo(c.host), port: settingInfo(c.port), database: settingInfo(c.database),
    username: settingInfo(c.username), sslmode: settingInfo(c.sslmode),
  };
}

/** One row of the permission table, read from the matrix. */
export function cells(role: ProjectRole): PermissionCells {
  return Object.fromEntries(PERMISSIONS.map((p) => [p, role.can(p)])) as Record<Permission, boolean>;
}
