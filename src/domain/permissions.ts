/**
 * The permission table of the MST console's "Project members" page, held once
 * as data. Validation, reports, diffs, the README table and the tests all read
 * it from here; nothing else in the code base compares role names.
 */

/** A permission a project role may hold, in the order of the console's table. */
export type Permission =
  | 'invite-users'
  | 'modify-billing'
  | 'manage-services'
  | 'start-stop-services'
  | 'view-services';

/** Every permission, in the console table's column order. */
export const PERMISSIONS: readonly Permission[] = [
  'invite-users',
  'modify-billing',
  'manage-services',
  'start-stop-services',
  'view-services',
];

/** The console's column headings. */
export const PERMISSION_LABELS: Readonly<Record<Permission, string>> = {
  'invite-users': 'Invite more users',
  'modify-billing': 'Modify billing information',
  'manage-services': 'Manage services',
  'start-stop-services': 'Start and stop services',
  'view-services': 'View service information',
};

/** The manifest spelling of each role. */
export type RoleId = 'admin' | 'operator' | 'developer' | 'read-only';

/** Rows of the console table: which permissions each role grants. */
const MATRIX: Readonly<Record<RoleId, Readonly<Record<Permission, boolean>>>> = {
  admin: {
    'invite-users': true,
    'modify-billing': true,
    'manage-services': true,
    'start-stop-services': true,
    'view-services': true,
  },
  operator: {
    'invite-users': false,
    'modify-billing': false,
    'manage-services': true,
    'start-stop-services': true,
    'view-services': true,
  },
  developer: {
    'invite-users': true,
    'modify-billing': false,
    'manage-services': true,
    'start-stop-services': false,
    'view-services': true,
  },
  'read-only': {
    'invite-users': false,
    'modify-billing': false,
    'manage-services': false,
    'start-stop-services': false,
    'view-services': true,
  },
};

/**
 * A project member's role. Use the constants (`ProjectRole.ADMIN`, …); the
 * manifest maps its strings onto them with `ProjectRole.of`.
 */
export class ProjectRole {
  /** Every permission. */
  public static readonly ADMIN = new ProjectRole('admin', 'Admin');
  /** Manages, starts and stops services; cannot invite or touch billing. */
  public static readonly OPERATOR = new ProjectRole('operator', 'Operator');
  /** Invites and manages services; cannot start or stop them or touch billing. */
  public static readonly DEVELOPER = new ProjectRole('developer', 'Developer');
  /** Views service information only. */
  public static readonly READ_ONLY = new ProjectRole('read-only', 'Read-only');

  /** Every role, from most to least privileged (the console table's row order). */
  public static readonly ALL: readonly ProjectRole[] = [
    ProjectRole.ADMIN,
    ProjectRole.OPERATOR,
    ProjectRole.DEVELOPER,
    ProjectRole.READ_ONLY,
  ];

  /** The role spelled `id` (`admin`, `operator`, `developer`, `read-only`), or undefined. */
  public static tryOf(id: string): ProjectRole | undefined {
    return ProjectRole.ALL.find((r) => r.id === id);
  }

  /** The permissions this role grants, in table order. */
  public readonly permissions: readonly Permission[];

  private constructor(
    /** Manifest spelling, e.g. `read-only`. */
    public readonly id: RoleId,
    /** Console spelling, e.g. `Read-only`. */
    public readonly label: string,
  ) {
    this.permissions = PERMISSIONS.filter((p) => MATRIX[id][p]);
  }

  /** Whether this role grants `permission`. */
  public can(permission: Permission): boolean {
    return MATRIX[this.id][permission];
  }

  /** Permissions `other` grants that this role does not. */
  public lacksFrom(other: ProjectRole): Permission[] {
    return other.permissions.filter((p) => !this.can(p));
  }

  public toString(): string {
    return this.label;
  }
}

/** What a deployer or an inviter may be asked to do, each governed by one permission of the table. */
export type Governed = 'membership' | 'billing' | 'service-users' | 'power-state';

/**
 * Which permission governs each kind of change: the one place that says it.
 * Validation (MST-DEPLOY-002, MST-INVITE-002), the diff's judgement of the
 * deployer (MST-DIFF-00x) and the README's table all read it.
 */
export const GOVERNING: Readonly<Record<Governed, { readonly permission: Permission; readonly what: string }>> = {
  'membership': {
    permission: 'invite-users',
    what: 'Members and invitations: inviting, adding a member, changing a role, removing a member, withdrawing or re-sending an invitation',
  },
  'billing': { permission: 'modify-billing', what: 'Billing details' },
  'service-users': { permission: 'manage-services', what: 'Service users: adding, removing, renaming, replication, password rotation, grants' },
  'power-state': { permission: 'start-stop-services', what: 'A managed power state' },
};

/** The roles holding `permission`, read from the matrix, in table order. */
export function rolesHolding(permission: Permission): ProjectRole[] {
  return ProjectRole.ALL.filter((r) => r.can(permission));
}

/** `Admin or Developer`: the labels of the roles holding `permission`. */
export function holdersText(permission: Permission, joiner = 'or'): string {
  const labels = rolesHolding(permission).map((r) => r.label);
  return labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} ${joiner} ${labels[labels.length - 1]}`;
}

/** `an Admin`, `a Developer`. */
export function withArticle(role: ProjectRole): string {
  return `${/^[AEIOU]/.test(role.label) ? 'an' : 'a'} ${role.label}`;
}

/** `Invite more users and Start and stop services`. */
export function permissionLabels(permissions: readonly Permission[], joiner = ' and '): string {
  return permissions.map((p) => PERMISSION_LABELS[p]).join(joiner);
}
