/**
 * A service user is a real PostgreSQL role on the service's cluster. The platform manages roles with
 * a superuser of its own, not with the service's admin (on PostgreSQL 15 only a superuser may create
 * a REPLICATION role), so these statements run as the cluster's bootstrap superuser over its
 * private socket.
 */
import { ClusterInfo, sql } from '../sandbox/cluster';
import { ApiError } from './errors';

const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

async function run(cluster: ClusterInfo, statement: string, what: string): Promise<void> {
  const r = await sql(cluster, statement, { bootstrap: true });
  if (r.code === 0) return;
  const reason = r.stderr.trim().split('\n')[0];
  // Connection failures are the platform's trouble (5xx); statement failures are the request's.
  if (r.code === 3) throw new ApiError(503, `${what} failed: the service's PostgreSQL is unreachable (${reason})`);
  throw new ApiError(409, `${what} failed: ${reason}`);
}

export async function roleExists(cluster: ClusterInfo, username: string): Promise<boolean> {
  const r = await sql(cluster, `SELECT 1 FROM pg_roles WHERE rolname = ${literal(username)}`, { bootstrap: true });
  if (r.code === 3) throw new ApiError(503, `the service's PostgreSQL is unreachable (${r.stderr.trim().split('\n')[0]})`);
  return r.stdout.trim() === '1';
}

export function createRole(cluster: ClusterInfo, username: string, password: string, replication: boolean): Promise<void> {
  return run(cluster,
    `CREATE ROLE ${ident(username)} WITH LOGIN ${replication ? 'REPLICATION' : 'NOREPLICATION'} PASSWORD ${literal(password)}`,
    `creating user "${username}"`);
}

export function setPassword(cluster: ClusterInfo, username: string, password: string): Promise<void> {
  return run(cluster, `ALTER ROLE ${ident(username)} WITH PASSWORD ${literal(password)}`, `setting the password of "${username}"`);
}

export function setReplication(cluster: ClusterInfo, username: string, replication: boolean): Promise<void> {
  return run(cluster, `ALTER ROLE ${ident(username)} WITH ${replication ? 'REPLICATION' : 'NOREPLICATION'}`,
    `setting REPLICATION of "${username}"`);
}

/** Drops the role; objects it owns go to the admin first, as a user's deletion must not fail on them. */
export function dropRole(cluster: ClusterInfo, username: string): Promise<void> {
  return run(cluster,
    `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(username)}) THEN `
    + `EXECUTE ${literal(`REASSIGN OWNED BY ${ident(username)} TO ${ident(cluster.adminUser)}`)}; `
    + `EXECUTE ${literal(`DROP OWNED BY ${ident(username)}`)}; `
    + `EXECUTE ${literal(`DROP ROLE ${ident(username)}`)}; END IF; END $$`,
    `deleting user "${username}"`);
}
