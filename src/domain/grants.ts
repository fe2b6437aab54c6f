/**
 * What a service user may do in PostgreSQL, as plain data: the grants a user
 * declares (read or write a schema's tables or named tables, CONNECT on a
 * database, membership in a role), the privileges each one stands for, and
 * the PostgreSQL predefined roles with the versions on which MST's admin may
 * grant them. The checks (grant-checks.ts), the Terraform blocks
 * (render/grants.ts), the report and the diff all read them from here.
 */

/** Read (SELECT) or read-write on a schema's tables, present and future, or on named tables of it. */
export interface TableGrantSpec {
  readonly kind: 'read' | 'write';
  /** Absent: the service's database (its connection's, `defaultdb` unless told otherwise). */
  readonly database?: string;
  readonly schema: string;
  /** Absent: every table of the schema, including those the admin creates after the deploy. */
  readonly tables?: readonly string[];
  /**
   * Write on named tables: the sequences their inserts draw from (a serial or
   * identity column's `<table>_<column>_seq`). A write on the whole schema
   * covers every sequence of it.
   */
  readonly sequences?: readonly string[];
  /** Write only: a subset of {@link TABLE_PRIVILEGES}. Absent: {@link WRITE_PRIVILEGES}. */
  readonly privileges?: readonly string[];
}

/** CONNECT on a database of the service. */
export interface ConnectGrantSpec {
  readonly kind: 'connect';
  readonly database: string;
}

/** Membership in a role: a PostgreSQL predefined role, or another user of the same service. */
export interface RoleGrantSpec {
  readonly kind: 'role';
  /** The role's name: `pg_monitor`, or a username. */
  readonly role: string;
  /** Set when the role is a service user: the service that user is declared on. */
  readonly service?: string;
}

export type GrantSpec = TableGrantSpec | ConnectGrantSpec | RoleGrantSpec;

/** Every privilege PostgreSQL has on a table. */
export const TABLE_PRIVILEGES: readonly string[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** What a read grant gives on each table. */
export const READ_PRIVILEGES: readonly string[] = ['SELECT'];

/** What a write grant gives on each table unless told otherwise. */
export const WRITE_PRIVILEGES: readonly string[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** Table privileges that change data: a grant holding one of them is a write. */
export const WRITING_PRIVILEGES: readonly string[] = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

/** What a write gives on the sequences its inserts need: `nextval` needs USAGE, `currval` SELECT. */
export const SEQUENCE_PRIVILEGES: readonly string[] = ['USAGE', 'SELECT'];

/** What every grant on a schema's objects also needs: USAGE on the schema itself. */
export const SCHEMA_PRIVILEGES: readonly string[] = ['USAGE'];

/** What a connect grant gives on its database. */
export const DATABASE_PRIVILEGES: readonly string[] = ['CONNECT'];

/** The privileges a table grant gives on each table, in {@link TABLE_PRIVILEGES} order. */
export function tablePrivileges(grant: TableGrantSpec): string[] {
  const given = grant.kind === 'read' ? READ_PRIVILEGES : (grant.privileges ?? WRITE_PRIVILEGES);
  const upper = new Set(given.map((p) => String(p).toUpperCase()));
  return TABLE_PRIVILEGES.filter((p) => upper.has(p));
}

/** Whether the grant changes data (INSERT, UPDATE, DELETE or TRUNCATE), or makes its user a member of a role that does. */
export function isWrite(grant: GrantSpec): boolean {
  if (grant.kind === 'connect') return false;
  if (grant.kind === 'role') return PredefinedRole.find(grant.role)?.writes ?? false;
  return tablePrivileges(grant).some((p) => WRITING_PRIVILEGES.includes(p));
}

/** Whether a write grant needs sequences: its inserts and updates may draw from one. */
export function needsSequences(grant: TableGrantSpec): boolean {
  return tablePrivileges(grant).some((p) => p === 'INSERT' || p === 'UPDATE');
}

/** A grant in words, as messages, the report and the diff name it. */
export function describeGrant(grant: GrantSpec): string {
  switch (grant.kind) {
    case 'connect':
      return `connect to database "${grant.database}"`;
    case 'role':
      return grant.service !== undefined
        ? `membership in role "${grant.role}" (a user of service "${grant.service}")`
        : `membership in role "${grant.role}"`;
    default: {
      const db = grant.database !== undefined ? ` of database "${grant.database}"` : '';
      const on = grant.tables === undefined
        ? `schema "${grant.schema}"${db} (every table, present and future)`
        : `table(s) ${grant.tables.map((t) => `"${grant.schema}.${t}"`).join(', ')}${db}`;
      return `${grant.kind} on ${on}`;
    }
  }
}

/**
 * A PostgreSQL predefined role, with the versions it exists in and whether
 * MST's admin may grant it. MST's admin (tsdbadmin) holds CREATEROLE but is no
 * superuser. Up to PostgreSQL 15, CREATEROLE may grant membership in any role
 * but a superuser; from 16 only in roles it holds with ADMIN OPTION, which the
 * admin holds for none of these (verified against the MST-like admin of
 * tools/sandbox on 15 and 17: on 15 it grants every one but
 * pg_database_owner, on 17 none).
 */
export class PredefinedRole {
  /** Read every table, view and sequence of every database (PostgreSQL 14+). */
  public static readonly PG_READ_ALL_DATA = new PredefinedRole('pg_read_all_data', 14, false);
  /** Write every table and sequence of every database (PostgreSQL 14+). */
  public static readonly PG_WRITE_ALL_DATA = new PredefinedRole('pg_write_all_data', 14, true);
  /** Read every configuration setting. */
  public static readonly PG_READ_ALL_SETTINGS = new PredefinedRole('pg_read_all_settings', 10, false);
  /** Read every pg_stat_* view. */
  public static readonly PG_READ_ALL_STATS = new PredefinedRole('pg_read_all_stats', 10, false);
  /** Run monitoring functions that may take locks. */
  public static readonly PG_STAT_SCAN_TABLES = new PredefinedRole('pg_stat_scan_tables', 10, false);
  /** The three above together: what a monitoring agent needs. */
  public static readonly PG_MONITOR = new PredefinedRole('pg_monitor', 10, false);
  /** Cancel queries and end sessions of other non-superuser roles. */
  public static readonly PG_SIGNAL_BACKEND = new PredefinedRole('pg_signal_backend', 10, false);
  /** Run CHECKPOINT (PostgreSQL 15+). */
  public static readonly PG_CHECKPOINT = new PredefinedRole('pg_checkpoint', 15, false);
  /** Read files of the server's file system: the server's OS account. Never granted. */
  public static readonly PG_READ_SERVER_FILES = new PredefinedRole('pg_read_server_files', 11, false, true);
  /** Write files of the server's file system: the server's OS account. Never granted. */
  public static readonly PG_WRITE_SERVER_FILES = new PredefinedRole('pg_write_server_files', 11, true, true);
  /** Run programs on the server: the server's OS account. Never granted. */
  public static readonly PG_EXECUTE_SERVER_PROGRAM = new PredefinedRole('pg_execute_server_program', 11, true, true);
  /** Use the connection slots reserved for it (PostgreSQL 16+). */
  public static readonly PG_USE_RESERVED_CONNECTIONS = new PredefinedRole('pg_use_reserved_connections', 16, false);
  /** Create subscriptions (PostgreSQL 16+). */
  public static readonly PG_CREATE_SUBSCRIPTION = new PredefinedRole('pg_create_subscription', 16, true);
  /** VACUUM, ANALYZE, REINDEX and the like on every relation (PostgreSQL 17+). */
  public static readonly PG_MAINTAIN = new PredefinedRole('pg_maintain', 17, false);

  /** Every predefined role this library knows, in the order of PostgreSQL's documentation. */
  public static readonly ALL: readonly PredefinedRole[] = [
    PredefinedRole.PG_READ_ALL_DATA, PredefinedRole.PG_WRITE_ALL_DATA, PredefinedRole.PG_READ_ALL_SETTINGS,
    PredefinedRole.PG_READ_ALL_STATS, PredefinedRole.PG_STAT_SCAN_TABLES, PredefinedRole.PG_MONITOR,
    PredefinedRole.PG_SIGNAL_BACKEND, PredefinedRole.PG_CHECKPOINT, PredefinedRole.PG_READ_SERVER_FILES,
    PredefinedRole.PG_WRITE_SERVER_FILES, PredefinedRole.PG_EXECUTE_SERVER_PROGRAM,
    PredefinedRole.PG_USE_RESERVED_CONNECTIONS, PredefinedRole.PG_CREATE_SUBSCRIPTION, PredefinedRole.PG_MAINTAIN,
  ];

  /** The predefined role named `name` (as PostgreSQL spells it, `pg_monitor`), or undefined. */
  public static find(name: string): PredefinedRole | undefined {
    return PredefinedRole.ALL.find((r) => r.name === name);
  }

  private constructor(
    /** The role's name, as PostgreSQL spells it. */
    public readonly name: string,
    /** The first PostgreSQL major version that has it. */
    public readonly since: number,
    /** Whether a member may change data, or more, through it. */
    public readonly writes: boolean,
    /** Whether it reaches the server's files or programs: the server's OS account, refused whoever could grant it. */
    public readonly reachesServer = false,
  ) {}

  /**
   * Why the admin of a service cannot grant this role, or undefined when it
   * can. `postgresVersion` undefined: the version is not declared.
   */
  public refusal(postgresVersion: number | undefined, adminIsSuperuser: boolean): string | undefined {
    if (this.reachesServer) return 'it reaches the server\'s files or programs (the server\'s OS account), which no service user is given';
    if (postgresVersion === undefined) {
      return adminIsSuperuser ? undefined : 'the service\'s PostgreSQL version is not declared, and whether the admin may grant it depends on it';
    }
    if (postgresVersion < this.since) return `PostgreSQL ${postgresVersion} has no such role (it exists from ${this.since})`;
    if (adminIsSuperuser) return undefined;
    if (postgresVersion >= CREATEROLE_GRANTS_ONLY_ADMIN_OPTION_SINCE) {
      return `from PostgreSQL ${CREATEROLE_GRANTS_ONLY_ADMIN_OPTION_SINCE} a non-superuser admin may grant only roles it holds WITH ADMIN OPTION, and MST's admin holds no predefined role that way`;
    }
    return undefined;
  }
}

/** From this major version CREATEROLE no longer lets a non-superuser grant any role: only those it holds WITH ADMIN OPTION. */
export const CREATEROLE_GRANTS_ONLY_ADMIN_OPTION_SINCE = 16;

/** Predefined roles that cannot have members at all (PostgreSQL refuses them on every version). */
export const UNGRANTABLE_ROLES: readonly string[] = ['pg_database_owner'];

/** The predefined roles the admin of a service may grant: the list docs/grants.md shows per version. */
export function grantableRoles(postgresVersion: number, adminIsSuperuser = false): PredefinedRole[] {
  return PredefinedRole.ALL.filter((r) => r.refusal(postgresVersion, adminIsSuperuser) === undefined);
}
