/**
 * Shared by the fault tests (test/e2e/faults-*.test.ts): the stack they deploy,
 * how many users, and the recovery the README's "Faults and drift" section
 * prescribes, run as written there: `cdktf-mst adopt` (the installed bin) over
 * the failed deploy's output, the import blocks applied with the stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TerraformStack } from 'cdktf';
import { MstProject, ProjectRole } from '../../src';
import { diagnose, readStack } from '../../tools/local/diagnose';
import { sql } from '../../tools/sandbox/cluster';
import { run } from '../../tools/sandbox/process';
import { Deployment } from './support';

/**
 * Users in the interrupted-apply, restart and load tests: MST_FAULT_USERS, else
 * 500, the count issue 13 asks for (about 7 minutes of the integration layer on
 * a 2-core machine; `MST_FAULT_USERS=40` while iterating).
 */
export const FAULT_USERS = Number(process.env.MST_FAULT_USERS ?? 500);

export const APPLY = ['apply', '-auto-approve', '-input=false', '-no-color'];

/** The installed command, as a user runs it from the checkout. */
const BIN = path.resolve(__dirname, '../../bin/cdktf-mst.js');

export const usernames = (n: number, prefix = 'u'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

/** A project with one service `metrics` holding `users` (generated passwords); `superuser` for a superuser admin. */
export function stackOf(users: readonly string[], opts: {
  superuser?: boolean; replication?: readonly string[]; versions?: Record<string, number>;
} = {}) {
  return (stack: TerraformStack): void => {
    const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
    project.addMember('ci@acme.example', ProjectRole.ADMIN);
    const metrics = project.addService('metrics', {
      postgresVersion: 17,
      ...(opts.superuser ? { connection: { superuser: true } } : {}),
    });
    for (const u of users) {
      metrics.addUser(u, { allowReplication: opts.replication?.includes(u) ?? false, passwordVersion: opts.versions?.[u] ?? 1 });
    }
  };
}

/** Number of roles in `service`'s cluster whose names start with `prefix`. */
export async function countRoles(d: Deployment, service: string, prefix = 'u'): Promise<number> {
  const r = await sql(d.cluster(service), `SELECT count(*) FROM pg_roles WHERE rolname LIKE '${prefix}%'`);
  return r.code === 0 ? Number(r.stdout) : -1;
}


export interface Recovery {
  /** The plain deploy's exit code: 0 when it converged by itself. */
  firstCode: number;
  /** Roles the first deploy found existing but not in the state, adopted with `cdktf-mst adopt`. */
  adopted: string[];
  /** The one-line diagnosis of the first deploy's failure (empty when it succeeded). */
  diagnosis: string[];
}

/**
 * The README's recovery after an interrupted deploy: deploy again; if that
 * fails because roles exist that the state does not record (the engine was
 * killed between creating them and writing its state), turn those errors into
 * import blocks with `cdktf-mst adopt`, deploy with them, remove them.
 * Fails the test when the first deploy fails for any other reason.
 */
export async function recover(d: Deployment): Promise<Recovery> {
  const first = await d.tofu(APPLY);
  if (first.code === 0) return { firstCode: 0, adopted: [], diagnosis: [] };
  const output = `${first.stdout}\n${first.stderr}`;
  const diagnosis = diagnose(output, readStack(d.dir));
  const errors = output.split('\n').filter((l) => l.startsWith('Error: '));
  const others = errors.filter((l) => !/role "[^"]+" already exists/.test(l));
  if (others.length > 0) throw new Error(`the deploy after the interruption failed for another reason:\n${others.join('\n')}`);
  const log = path.join(d.dir, 'deploy.log');
  fs.writeFileSync(log, output);
  const adopt = await run(process.execPath, [BIN, 'adopt', log], { timeoutMs: 60_000 });
  if (adopt.code !== 0) throw new Error(`cdktf-mst adopt exited ${adopt.code}: ${adopt.stderr}`);
  const adoptFile = path.join(d.dir, 'adopt.tf');
  fs.writeFileSync(adoptFile, adopt.stdout);
  const adopted = [...adopt.stdout.matchAll(/id = "([^"]+)"/g)].map((m) => m[1]).sort();
  try {
    await d.apply();
  } finally {
    fs.rmSync(adoptFile, { force: true });
  }
  return { firstCode: first.code, adopted, diagnosis };
}
