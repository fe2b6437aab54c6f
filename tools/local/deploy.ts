/**
 * What a local deploy needs beyond the engine: the services a synthesized stack
 * declares (read from its access document), the variables that point each one
 * at its cluster, the engine run in the stack's folder, and the roles as
 * PostgreSQL reports them. Used by `npm start` and the end-to-end tests.
 */
import * as fs from 'node:fs';
import { ServiceSpec } from '../../src/domain/model';
import { serviceVariablePrefix } from '../../src/domain/conventions';
import { DOCUMENT_KEY, fromDocument } from '../../src/domain/document';
import { readAccessInput } from '../../src/report/input';
import { ClusterInfo, sql } from '../sandbox/cluster';
import { RunResult, cleanEnv, run } from '../sandbox/process';
import { Engine } from './engine';

/** The services of every project in a synthesized stack folder (or cdk.tf.json). */
export function servicesIn(stackPath: string): ServiceSpec[] {
  // A folder (cdktf.out, a stack's) is read as `report` reads it. A stack's own cdk.tf.json is read as the deploy
  // needs it, without the review's checks of the folder: a deploy may hold adopt's import blocks beside it for a while.
  if (fs.statSync(stackPath).isDirectory()) return readAccessInput(stackPath).projects.flatMap((p) => p.services);
  const json = JSON.parse(fs.readFileSync(stackPath, 'utf8')) as { '//'?: Record<string, unknown> };
  return fromDocument(json['//']?.[DOCUMENT_KEY]).flatMap((p) => p.services);
}

/**
 * `TF_VAR_*` values that point `service` at `cluster`: host, port and the admin
 * password (the variable the service declares for it). A service whose admin
 * password does not come from a variable cannot be pointed at a local cluster.
 */
export function serviceVariables(service: ServiceSpec, cluster: ClusterInfo): Record<string, string> {
  const prefix = serviceVariablePrefix(service.name);
  if (service.adminPassword.kind !== 'variable') {
    throw new Error(`service "${service.name}": its admin password does not come from a variable, so a local cluster's cannot be passed in`);
  }
  return {
    [`TF_VAR_${prefix}_host`]: cluster.host,
    [`TF_VAR_${prefix}_port`]: String(cluster.port),
    [`TF_VAR_${service.adminPassword.name}`]: cluster.adminPassword,
  };
}

/** Runs the engine (`tofu`/`terraform`) in `dir` with the engine's environment plus `vars`. */
export function runEngine(
  eng: Engine, dir: string, args: string[], vars: Record<string, string> = {},
  opts: { timeoutMs?: number; onOutput?: (chunk: string) => void } = {},
): Promise<RunResult> {
  return run(eng.binary, args, {
    cwd: dir,
    env: cleanEnv({ ...eng.env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...vars }),
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    onOutput: opts.onOutput,
  });
}

export interface RoleRow {
  readonly name: string;
  readonly login: boolean;
  readonly replication: boolean;
}

/** Every role of a cluster but its admin and PostgreSQL's own (`postgres`, `pg_*`), ordered by name. */
export async function roles(cluster: ClusterInfo): Promise<RoleRow[]> {
  const r = await sql(cluster,
    `SELECT rolname, rolcanlogin, rolreplication FROM pg_roles
      WHERE rolname NOT LIKE 'pg\\_%' AND rolname NOT IN ('${cluster.adminUser}', 'postgres') ORDER BY rolname`);
  if (r.code !== 0) throw new Error(`cannot read pg_roles of ${cluster.name}: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean).map((line) => {
    const [name, login, replication] = line.split('|');
    return { name, login: login === 't', replication: replication === 't' };
  });
}
