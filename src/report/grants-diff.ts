/**
 * Grants as the report and the diff show them: each user's grants broken
 * into what they give on each object (every table of a schema, a table, the
 * sequences, a database, a role), and the privileges each user gains or
 * loses between BASE and HEAD. A gain that lets a user change data (INSERT,
 * UPDATE, DELETE, TRUNCATE, or membership in a role that writes) is an
 * escalation. Pure: specs in, plain JSON-ready data out.
 */
import { userKey } from '../domain/conventions';
import {
  DATABASE_PRIVILEGES, GrantSpec, isWrite, needsSequences, PredefinedRole, SEQUENCE_PRIVILEGES, tablePrivileges, WRITING_PRIVILEGES,
} from '../domain/grants';
import { UserSpec } from '../domain/model';

/** An object a grant gives privileges on. `database` absent: the service's database. */
export type GrantObject =
  | { readonly type: 'tables' | 'sequences'; readonly database?: string; readonly schema: string }
  | { readonly type: 'table' | 'sequence'; readonly database?: string; readonly schema: string; readonly name: string }
  | { readonly type: 'database'; readonly database: string }
  | { readonly type: 'role'; readonly role: string; readonly service?: string };

/** What a user may do on one object. */
export interface GrantRow {
  /** `write` when the privileges change data (and for the sequences writers use), `read` otherwise; `connect` and `member` for databases and roles. */
  readonly access: 'read' | 'write' | 'connect' | 'member';
  readonly on: GrantObject;
  /** Sorted; `MEMBER` for a role. */
  readonly privileges: readonly string[];
}

/** A user's grants, object by object, in a stable order (tables before sequences, then databases and roles). */
export function grantRows(grants: readonly GrantSpec[]): GrantRow[] {
  const rows = new Map<string, { on: GrantObject; privileges: Set<string> }>();
  const add = (on: GrantObject, privileges: readonly string[]) => {
    const key = objectKey(on);
    const row = rows.get(key) ?? { on, privileges: new Set<string>() };
    for (const p of privileges) row.privileges.add(p);
    rows.set(key, row);
  };
  for (const g of grants) {
    if (g.kind === 'connect') add({ type: 'database', database: g.database }, DATABASE_PRIVILEGES);
    else if (g.kind === 'role') add({ type: 'role', role: g.role, ...(g.service !== undefined ? { service: g.service } : {}) }, ['MEMBER']);
    else {
      const where = { ...(g.database !== undefined ? { database: g.database } : {}), schema: g.schema };
      const privileges = tablePrivileges(g);
      if (g.tables === undefined) add({ type: 'tables', ...where }, privileges);
      else for (const name of g.tables) add({ type: 'table', ...where, name }, privileges);
      if (!needsSequences(g)) continue;
      if (g.tables === undefined) add({ type: 'sequences', ...where }, SEQUENCE_PRIVILEGES);
      else for (const name of g.sequences ?? []) add({ type: 'sequence', ...where, name }, SEQUENCE_PRIVILEGES);
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, { on, privileges }]) => ({
    access: access(on, privileges),
    on,
    privileges: [...privileges].sort(),
  }));
}

function access(on: GrantObject, privileges: ReadonlySet<string>): GrantRow['access'] {
  if (on.type === 'database') return 'connect';
  if (on.type === 'role') return 'member';
  // Sequences are given only to writers, for their inserts.
  if (on.type === 'sequence' || on.type === 'sequences') return 'write';
  return [...privileges].some((p) => WRITING_PRIVILEGES.includes(p)) ? 'write' : 'read';
}

const ORDER: Record<GrantObject['type'], number> = { tables: 0, table: 1, sequences: 2, sequence: 3, database: 4, role: 5 };

/** A key that sorts rows in {@link ORDER}, then by database, schema and name. */
function objectKey(on: GrantObject): string {
  const parts = on.type === 'database' ? [on.database]
    : on.type === 'role' ? [on.service ?? '', on.role]
      : [on.database ?? '', on.schema, 'name' in on ? on.name : ''];
  return [ORDER[on.type], ...parts].join('\u0000');
}

/** Privileges a user gains on an object. An escalation when they let it change data. */
export interface GrantGained {
  readonly kind: 'grant-gained';
  readonly escalation: boolean;
  readonly project: string;
  readonly service: string;
  readonly username: string;
  readonly on: GrantObject;
  readonly privileges: readonly string[];
}

/** Privileges a user loses on an object (revoked on the next deploy). */
export interface GrantLost {
  readonly kind: 'grant-lost';
  readonly escalation: false;
  readonly project: string;
  readonly service: string;
  readonly username: string;
  readonly on: GrantObject;
  readonly privileges: readonly string[];
}

export type GrantChange = GrantGained | GrantLost;

/**
 * Every privilege gained or lost by the users of one service, users matched
 * case-insensitively as the diff matches them. A user only one side declares
 * gains (or loses) all of its grants.
 */
export function diffGrants(project: string, service: string, base: readonly UserSpec[], head: readonly UserSpec[]): GrantChange[] {
  const byKey = (users: readonly UserSpec[]) => new Map(users.map((u) => [userKey(u.username), u] as const));
  const before = byKey(base);
  const after = byKey(head);
  // Membership in a user of the service gives what that user may do in HEAD.
  const writers = new Set(head.filter((u) => (u.grants ?? []).some(isWrite)).map((u) => userKey(u.username)));
  const changes: GrantChange[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])]) {
    const b = rowsByObject(before.get(key));
    const h = rowsByObject(after.get(key));
    const username = (after.get(key) ?? before.get(key))!.username;
    for (const [object, row] of h) {
      const had = new Set(b.get(object)?.privileges ?? []);
      const gained = row.privileges.filter((p) => !had.has(p));
      if (gained.length === 0) continue;
      changes.push({
        kind: 'grant-gained', escalation: writes(row.on, gained, writers), project, service, username, on: row.on, privileges: gained,
      });
    }
    for (const [object, row] of b) {
      const has = new Set(h.get(object)?.privileges ?? []);
      const lost = row.privileges.filter((p) => !has.has(p));
      if (lost.length > 0) changes.push({ kind: 'grant-lost', escalation: false, project, service, username, on: row.on, privileges: lost });
    }
  }
  return changes;
}

function rowsByObject(user: UserSpec | undefined): Map<string, GrantRow> {
  return new Map(grantRows(user?.grants ?? []).map((r) => [objectKey(r.on), r] as const));
}

function writes(on: GrantObject, gained: readonly string[], writers: ReadonlySet<string>): boolean {
  if (on.type === 'role') return on.service !== undefined ? writers.has(userKey(on.role)) : (PredefinedRole.find(on.role)?.writes ?? false);
  return gained.some((p) => WRITING_PRIVILEGES.includes(p));
}
