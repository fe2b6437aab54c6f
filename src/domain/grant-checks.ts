/**
 * The rules on what service users are granted (MST-GRANT-001 to 007): data
 * in, findings out. {@link checkGrantAlone} judges one grant on its own (the
 * typed API throws with it at the call); {@link grantFindings} judges a user's
 * grants together, on their service.
 */
import { Finding, finding, quote, shorten } from './findings';
import {
  describeGrant, GrantSpec, isWrite, PredefinedRole, TABLE_PRIVILEGES, TableGrantSpec, UNGRANTABLE_ROLES,
} from './grants';
import { ServiceSpec, UserSpec } from './model';
import { userKey } from './conventions';

/** PostgreSQL keeps at most this many bytes of an identifier. */
const MAX_IDENTIFIER_BYTES = 63;

/** What is wrong with `grant` on its own: its names (MST-GRANT-007) and its privileges (MST-GRANT-001). */
export function checkGrantAlone(path: string, username: string, grant: GrantSpec): Finding[] {
  const out: Finding[] = [];
  const name = (value: unknown, what: string) => {
    const problem = identifierProblem(value);
    if (problem) {
      out.push(finding('MST-GRANT-007', path, `${what} ${echo(value)} in a grant of user ${quote(username)} ${problem}`,
        'give a PostgreSQL name of 1 to 63 bytes', typeof value === 'string' ? shorten(value) : String(value)));
    }
  };
  const list = (values: unknown, what: string, each: string) => {
    if (values === undefined) return;
    if (!Array.isArray(values) || values.length === 0) {
      out.push(finding('MST-GRANT-007', path, `${what} of a grant of user ${quote(username)} is ${Array.isArray(values) ? 'empty' : `not a list (${echo(values)})`}`,
        `name at least one ${each}, or leave ${what} out`));
      return;
    }
    for (const v of values) name(v, each);
  };
  switch (grant.kind) {
    case 'connect':
      name(grant.database, 'database');
      break;
    case 'role':
      name(grant.role, 'role');
      break;
    case 'read':
    case 'write':
      if (grant.database !== undefined) name(grant.database, 'database');
      name(grant.schema, 'schema');
      list(grant.tables, 'tables', 'table');
      list(grant.sequences, 'sequences', 'sequence');
      out.push(...privilegeFindings(path, username, grant));
      if (grant.sequences !== undefined && (grant.kind === 'read' || grant.tables === undefined)) {
        out.push(grant.kind === 'read'
          ? finding('MST-GRANT-001', path, `a read grant of user ${quote(username)} names sequences; reading gives no sequence privilege`,
            'leave sequences out of the read, or name them in a write on the tables that use them')
          : finding('MST-GRANT-003', path, `a write grant of user ${quote(username)} on every table of schema ${quote(String(grant.schema))} also names sequences, which it covers already`,
            'leave sequences out: a write on the whole schema covers every sequence of it'));
      }
      break;
    default:
      out.push(finding('MST-API-001', path, `grant ${echo((grant as { kind?: unknown }).kind)} of user ${quote(username)} is not a grant`,
        'use grantRead, grantWrite, grantConnect or grantRole (read, write, connect or role in a manifest)'));
  }
  return out;
}

function privilegeFindings(path: string, username: string, grant: TableGrantSpec): Finding[] {
  if (grant.privileges === undefined) return [];
  const fix = `give table privileges (${TABLE_PRIVILEGES.join(', ')}); CONNECT on a database is grantConnect (connect in a manifest)`;
  if (grant.kind === 'read') {
    return [finding('MST-GRANT-001', path, `a read grant of user ${quote(username)} lists privileges (${grant.privileges.map(String).join(', ')}); it gives SELECT`,
      'leave privileges out of a read, or make it a write with those privileges')];
  }
  if (!Array.isArray(grant.privileges) || grant.privileges.length === 0) {
    return [finding('MST-GRANT-001', path, `the privileges of a write grant of user ${quote(username)} are ${Array.isArray(grant.privileges) ? 'empty: it grants nothing' : `not a list (${echo(grant.privileges)})`}`, fix)];
  }
  return grant.privileges
    .filter((p) => typeof p !== 'string' || !TABLE_PRIVILEGES.includes(p.toUpperCase()))
    .map((p) => finding('MST-GRANT-001', path, `privilege ${echo(p)} in a write grant of user ${quote(username)} does not apply to tables`, fix, String(p)));
}

/**
 * Every finding on `user`'s grants, judged on `service`: each grant alone,
 * memberships (MST-GRANT-002, 006), repeats and conflicts (MST-GRANT-003),
 * and writes by a replication user (MST-GRANT-005).
 */
export function grantFindings(service: ServiceSpec, user: UserSpec): Finding[] {
  const grants = user.grants ?? [];
  if (grants.length === 0) return [];
  const out: Finding[] = [];
  const alone = grants.map((g) => checkGrantAlone(user.path, user.username, g));
  out.push(...alone.flat());
  const sound = grants.filter((_, i) => alone[i].length === 0);
  for (const g of sound) if (g.kind === 'role') out.push(...membershipFindings(service, user, g));
  out.push(...overlapFindings(user, sound));
  if (user.allowReplication && sound.some(isWrite)) {
    const writes = sound.filter(isWrite).map(describeGrant);
    out.push(finding('MST-GRANT-005', user.path,
      `replication user ${quote(user.username)} on service ${quote(service.name)} is also given ${writes.join(', ')}`,
      'give the writes to another user, or acknowledge MST-GRANT-005 with the reason', user.username));
  }
  return out;
}

function membershipFindings(service: ServiceSpec, user: UserSpec, g: Extract<GrantSpec, { kind: 'role' }>): Finding[] {
  const what = `user ${quote(user.username)} on service ${quote(service.name)}`;
  if (g.service !== undefined) {
    if (g.service !== service.name) {
      return [finding('MST-GRANT-002', user.path,
        `${what} is made a member of ${quote(g.role)}, a user of service ${quote(g.service)} (a role exists only on its own service)`,
        'declare the user on this service, or grant the privileges directly', g.role)];
    }
    const target = service.users.find((u) => userKey(u.username) === userKey(g.role));
    if (!target) {
      return [finding('MST-GRANT-002', user.path, `${what} is made a member of ${quote(g.role)}, which no user of the service is named`,
        'name a user of this service', g.role)];
    }
    if (userKey(target.username) === userKey(user.username)) {
      return [finding('MST-GRANT-003', user.path, `${what} is made a member of itself`, 'remove the grant', g.role)];
    }
    return [];
  }
  const role = PredefinedRole.find(g.role);
  if (!role) {
    const why = UNGRANTABLE_ROLES.includes(g.role) ? 'which takes no members' : 'which is not a PostgreSQL predefined role MST\'s admin could grant';
    return [finding('MST-GRANT-006', user.path, `${what} is made a member of ${quote(g.role)}, ${why}`,
      `grant one of ${PredefinedRole.ALL.filter((r) => !r.reachesServer).map((r) => r.name).join(', ')} where the admin may, or table privileges`, g.role)];
  }
  const refusal = role.refusal(service.postgresVersion, service.adminIsSuperuser);
  if (!refusal) return [];
  return [finding('MST-GRANT-006', user.path,
    `${what} is made a member of ${quote(role.name)}, which MST's admin cannot grant: ${refusal}`,
    service.postgresVersion === undefined && !role.reachesServer
      ? 'declare postgresVersion on the service'
      : 'grant table privileges instead (grantRead, grantWrite), or remove the grant', role.name)];
}

/**
 * Repeats and conflicts among one user's (sound) grants. Each grant claims
 * targets: a whole schema's tables, a named table, a schema's sequences, a
 * named sequence, a database's CONNECT, a role. Two grants claiming one
 * target are a repeat (same kind) or a conflict (read and write); a whole
 * schema beside named objects of it is a conflict too, as the provider
 * revokes on every object of the schema when it applies the schema-wide one.
 */
function overlapFindings(user: UserSpec, grants: readonly GrantSpec[]): Finding[] {
  const out: Finding[] = [];
  const claimed = new Map<string, GrantSpec>();
  const report = (g: GrantSpec, first: GrantSpec, on: string) => {
    const same = JSON.stringify(canonical(g)) === JSON.stringify(canonical(first));
    const who = `user ${quote(user.username)}`;
    if (same) {
      out.push(finding('MST-GRANT-003', user.path, `${who} is granted ${describeGrant(g)} twice`, 'remove the repeated grant', describeGrant(g)));
      return;
    }
    const conflict = first.kind !== g.kind;
    out.push(finding('MST-GRANT-003', user.path,
      `${who} is granted both ${describeGrant(first)} and ${describeGrant(g)}, which ${conflict ? 'conflict' : 'overlap'} on ${on}`,
      wholeAndNamed(g, first) ? 'grant the whole schema, or list every table in grants of their own'
        : conflict ? 'keep one grant per object (write includes read)' : 'keep one grant per object', describeGrant(g)));
  };
  const claim = (g: GrantSpec, key: string, on: string) => {
    const first = claimed.get(key);
    if (first && first !== g) report(g, first, on);
    else claimed.set(key, g);
  };
  for (const g of grants) {
    if (g.kind === 'connect') claim(g, `connect\u0000${g.database}`, `database "${g.database}"`);
    else if (g.kind === 'role') claim(g, `role\u0000${g.role}`, `role "${g.role}"`);
    else {
      const db = g.database ?? '';
      const scope = `${db}\u0000${g.schema}`;
      const named = (kind: string, names: readonly string[]) => {
        const seen = new Set<string>();
        for (const n of names) {
          if (seen.has(n)) {
            out.push(finding('MST-GRANT-003', user.path, `grant "${describeGrant(g)}" of user ${quote(user.username)} names ${kind} "${g.schema}.${n}" twice`,
              'name it once', n));
          }
          seen.add(n);
          claim(g, `${kind}\u0000${scope}\u0000${n}`, `${kind} "${g.schema}.${n}"`);
        }
      };
      if (g.tables === undefined) claim(g, `all tables\u0000${scope}`, `the tables of schema "${g.schema}"`);
      else named('table', g.tables);
      named('sequence', g.sequences ?? []);
    }
  }
  // A whole schema beside named tables or sequences of it.
  for (const g of grants) {
    if ((g.kind !== 'read' && g.kind !== 'write') || g.tables !== undefined) continue;
    const scope = `${g.database ?? ''}\u0000${g.schema}`;
    for (const other of grants) {
      if (other === g || (other.kind !== 'read' && other.kind !== 'write') || other.tables === undefined) continue;
      if (`${other.database ?? ''}\u0000${other.schema}` !== scope) continue;
      report(other, g, `schema "${g.schema}"`);
    }
  }
  return out;
}

/** Whether one of two table grants covers a whole schema and the other named tables of it. */
function wholeAndNamed(a: GrantSpec, b: GrantSpec): boolean {
  const table = (g: GrantSpec): g is TableGrantSpec => g.kind === 'read' || g.kind === 'write';
  return table(a) && table(b) && (a.tables === undefined) !== (b.tables === undefined);
}

/** A grant with its defaults made explicit, to tell a repeat from an overlap. */
function canonical(g: GrantSpec): unknown {
  if (g.kind === 'read' || g.kind === 'write') {
    return { ...g, tables: g.tables ? [...g.tables].sort() : undefined, sequences: g.sequences ? [...g.sequences].sort() : undefined };
  }
  return g;
}

/** What is wrong with a PostgreSQL identifier, or undefined. */
function identifierProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'is not a string';
  if (value === '') return 'is empty';
  if (value.includes('\u0000')) return 'holds a NUL character';
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long (PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES})`;
  return undefined;
}

function echo(value: unknown): string {
  return typeof value === 'string' ? quote(value) : shorten(String(value));
}

/**
 * Users of one service made members of each other in a circle (a → b → a):
 * PostgreSQL refuses the membership that closes it, so the deploy would fail
 * half done (MST-GRANT-003). Each circle is reported once, at the user first
 * in it by key; a user made a member of itself is reported by {@link grantFindings}.
 */
export function membershipCycleFindings(service: ServiceSpec): Finding[] {
  // No circle without a membership in another user (most services have none).
  if (!service.users.some((u) => u.grants?.some((g) => g.kind === 'role'))) return [];
  const users = new Map(service.users.map((u) => [userKey(u.username), u] as const));
  const edges = new Map<string, string[]>();
  for (const [key, u] of users) {
    const targets = (u.grants ?? []).filter((g): g is Extract<GrantSpec, { kind: 'role' }> => g.kind === 'role' && g.service === service.name)
      .map((g) => userKey(g.role)).filter((t) => t !== key && users.has(t));
    edges.set(key, [...new Set(targets)].sort());
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  const walk = (start: string, at: string, trail: string[]) => {
    for (const next of edges.get(at) ?? []) {
      if (next === start) {
        const circle = [...trail, start];
        // Once per circle: from its smallest key, which `start` is when every key on the trail is larger.
        if (trail.every((k) => k >= start) && !seen.has(circle.join('\u0000'))) {
          seen.add(circle.join('\u0000'));
          const names = circle.map((k) => users.get(k)!.username);
          out.push(finding('MST-GRANT-003', users.get(start)!.path,
            `users ${names.slice(0, -1).map((n) => quote(n)).join(', ')} on service ${quote(service.name)} are made members of one another in a circle (${names.join(' → ')})`,
            'remove one of the memberships: PostgreSQL refuses the one that closes the circle', names.join(' -> ')));
        }
      } else if (!trail.includes(next) && next > start) {
        walk(start, next, [...trail, next]);
      }
    }
  };
  for (const key of [...users.keys()].sort()) walk(key, key, [key]);
  return out;
}
