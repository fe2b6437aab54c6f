/**
 * The Terraform blocks of a service user's grants: a pure function of the
 * user's spec and its service. For each grant:
 *
 * - read or write on a schema: `postgresql_grant` USAGE on the schema, one on
 *   its tables (all of them, or one block per named table), and for a write
 *   one on its sequences; on a whole schema also `postgresql_default_privileges`
 *   for the tables (and, for a write, sequences) the admin creates later;
 * - connect: `postgresql_grant` CONNECT on the database;
 * - role: `postgresql_grant_role`.
 *
 * Block names are the user's block name (`<service>_<lowercased user>`)
 * followed by what the block grants on (`-tables-defaultdb-public`), never
 * by the order of declarations, so moving code around changes no address, and
 * a reader turned writer keeps its blocks (their privileges change in place).
 * Every block names its role through the role's `name` attribute, so the
 * engine creates the role first and drops it last.
 */
import * as crypto from 'crypto';
import { userKey, userResourceName } from '../domain/conventions';
import {
  DATABASE_PRIVILEGES, GrantSpec, needsSequences, SCHEMA_PRIVILEGES, SEQUENCE_PRIVILEGES, tablePrivileges, TableGrantSpec,
} from '../domain/grants';
import { UserSpec } from '../domain/model';

/** What the blocks need to know of the user's service. */
export interface GrantService {
  /** The service's name: the first part of its users' block names. */
  readonly name: string;
  /** The provider the blocks use (`postgresql.<service>`). */
  readonly providerFqn: string;
  /** The admin the provider connects as: the owner whose future tables default privileges cover. */
  readonly adminUsername: string;
  /** The database grants apply to unless they name another. */
  readonly database: string;
}

/** The reference to the role name of `username` on `service`, as that user's backend makes it. */
export type RoleReference = (service: string, username: string) => string;

/** A user's role made by the PostgreSQL-role backend: `${postgresql_role.<service>_<user>.name}`. */
export const postgresRole: RoleReference = (service, username) => `\${postgresql_role.${userResourceName(service, username)}.name}`;

/** One Terraform resource block: its type, its name, its body (keys sorted). */
export interface TerraformBlock {
  readonly type: 'postgresql_grant' | 'postgresql_default_privileges' | 'postgresql_grant_role';
  readonly name: string;
  readonly body: Record<string, unknown>;
}

/**
 * The blocks of `user`'s grants on `service`, sorted by type then name. The
 * grants are expected valid (validation refuses repeats and conflicts first);
 * two grants asking for one block are merged into it all the same, the
 * privileges joined, so no block is ever written twice.
 */
export function grantBlocks(user: UserSpec, service: GrantService, roleOf: RoleReference = postgresRole): TerraformBlock[] {
  const base = userResourceName(service.name, user.username);
  const role = roleOf(service.name, user.username);
  const blocks = new Map<string, TerraformBlock>();
  const add = (type: TerraformBlock['type'], suffix: readonly string[], body: Record<string, unknown>) => {
    const name = [base, ...suffix.map(part)].join('-');
    const key = `${type}.${name}`;
    const existing = blocks.get(key);
    const privileges = union(existing?.body.privileges as string[] | undefined, body.privileges as string[] | undefined);
    const full: Record<string, unknown> = { ...body, provider: service.providerFqn, role, ...(privileges ? { privileges } : {}) };
    blocks.set(key, { type, name, body: sortKeys(full) });
  };
  for (const g of user.grants ?? []) {
    if (g.kind === 'connect') {
      add('postgresql_grant', ['connect', g.database], { database: g.database, object_type: 'database', privileges: [...DATABASE_PRIVILEGES] });
    } else if (g.kind === 'role') {
      const granted = g.service !== undefined ? roleOf(g.service, g.role) : g.role;
      // A user by its key, as its own blocks are named: a change of letter case moves nothing.
      add('postgresql_grant_role', ['member', g.service !== undefined ? userKey(g.role) : g.role], { grant_role: granted });
    } else {
      tableBlocks(g, service, add);
    }
  }
  return [...blocks.values()].sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name));
}

type Add = (type: TerraformBlock['type'], suffix: readonly string[], body: Record<string, unknown>) => void;

function tableBlocks(g: TableGrantSpec, service: GrantService, add: Add): void {
  const database = g.database ?? service.database;
  const on = { database, schema: g.schema };
  const privileges = tablePrivileges(g);
  add('postgresql_grant', ['schema', database, g.schema], { ...on, object_type: 'schema', privileges: [...SCHEMA_PRIVILEGES] });
  const sequences = needsSequences(g);
  if (g.tables === undefined) {
    add('postgresql_grant', ['tables', database, g.schema], { ...on, object_type: 'table', privileges });
    // Tables (and sequences) the admin creates after the deploy: PostgreSQL applies these as it creates them.
    add('postgresql_default_privileges', ['tables', database, g.schema], { ...on, object_type: 'table', owner: service.adminUsername, privileges });
    if (sequences) {
      add('postgresql_grant', ['sequences', database, g.schema], { ...on, object_type: 'sequence', privileges: [...SEQUENCE_PRIVILEGES] });
      add('postgresql_default_privileges', ['sequences', database, g.schema],
        { ...on, object_type: 'sequence', owner: service.adminUsername, privileges: [...SEQUENCE_PRIVILEGES] });
    }
    return;
  }
  // One block per named table: the provider revokes on a block's objects before granting, so blocks never share one.
  for (const table of g.tables) {
    add('postgresql_grant', ['table', database, g.schema, table], { ...on, object_type: 'table', objects: [table], privileges });
  }
  if (!sequences) return;
  for (const sequence of g.sequences ?? []) {
    add('postgresql_grant', ['sequence', database, g.schema, sequence],
      { ...on, object_type: 'sequence', objects: [sequence], privileges: [...SEQUENCE_PRIVILEGES] });
  }
}

/**
 * A PostgreSQL name as part of a block name: as it is when it is letters,
 * digits and underscores; otherwise those characters of it and a hash of the
 * whole, so two names never make one block name. Parts are joined by `-`,
 * which no such part and no username holds.
 */
function part(name: string): string {
  if (/^[A-Za-z0-9_]+$/.test(name)) return name;
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 8);
  const kept = name.replace(/[^A-Za-z0-9_]/g, '');
  return kept === '' ? hash : `${kept}_${hash}`;
}

function union(a: readonly string[] | undefined, b: readonly string[] | undefined): string[] | undefined {
  if (!a && !b) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])].sort();
}

function sortKeys(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).sort(([x], [y]) => compare(x, y)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the user's own `postgresql_role` block needs beside its grants: with a
 * membership (`postgresql_grant_role`), the role block ignores changes of its
 * `roles` attribute. The provider reads a role's memberships into that
 * attribute, and a role block that declares none would otherwise plan to
 * revoke each one its grant_role blocks made, on every plan.
 */
export function roleBlockOverrides(user: Pick<UserSpec, 'grants'>): Record<string, unknown> {
  return (user.grants ?? []).some((g) => g.kind === 'role') ? { lifecycle: { ignore_changes: ['roles'] } } : {};
}

/** @internal For tests: the block-name part of a PostgreSQL name. */
export const blockNamePart = part;

export type { GrantSpec };
