/**
 * Interrupted deploys against real PostgreSQL with the real engine: the engine
 * killed (SIGKILL) or cancelled (SIGINT) while it creates FAULT_USERS users,
 * and PostgreSQL stopped (fast shutdown) and started again mid-apply. After
 * the recovery the README prescribes, every declared role exists once in
 * PostgreSQL and once in the state, logs in with the password in the outputs,
 * and nothing undeclared remains.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnose, readStack } from '../../tools/local/diagnose';
import { haltCluster, resumeCluster } from '../../tools/sandbox/cluster';
import { APPLY, FAULT_USERS, countRoles, recover, stackOf, usernames } from './faults';
import { Deployment } from './support';

jest.setTimeout(Math.max(600_000, FAULT_USERS * 3_000));

const USERS = usernames(FAULT_USERS);
/** Interrupt once a third of the roles exist: midway, with work done and work left. */
const MIDWAY = Math.ceil(FAULT_USERS / 3);

const roleNames = async (d: Deployment): Promise<Set<string>> => new Set((await d.roles('metrics')).map((r) => r.name));

describe('interrupted apply', () => {
  let d: Deployment | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  test(`SIGKILL midway through creating ${FAULT_USERS} users: the next deploy, adopting what the state missed, converges`, async () => {
    d = await Deployment.start('kill', { metrics: { major: 17 } });
    d.synth(stackOf(USERS));
    const apply = await d.start(APPLY);
    await apply.until(async () => (await countRoles(d!, 'metrics')) >= MIDWAY, `${MIDWAY} roles to exist`);
    apply.signal('SIGKILL');
    const killed = await apply.done;
    expect(killed.signal).toBe('SIGKILL');

    // What a kill leaves: roles in PostgreSQL that the state may not record (the
    // local backend writes its state at the end and every 20 s, not per resource).
    const inDb = await roleNames(d);
    const inState = new Set(d.stateRoles().map((r) => r.name));
    expect(inDb.size).toBeGreaterThanOrEqual(MIDWAY);
    expect([...inState].filter((r) => !inDb.has(r))).toEqual([]);
    const orphans = [...inDb].filter((r) => !inState.has(r)).sort();

    // The local backend's lock is an OS file lock, released with the process: no
    // stale lock, no force-unlock; the lock-info file it leaves behind is ignored
    // (recover() fails the test on any error but "already exists").
    const lockInfo = fs.existsSync(path.join(d.dir, '.terraform.tfstate.lock.info'));
    const r = await recover(d);
    console.log(`faults: SIGKILL users=${FAULT_USERS} roles_at_kill=${inDb.size} in_state=${inState.size} adopted=${r.adopted.length} lock_info_left=${lockInfo}`);
    expect(r.adopted).toEqual(orphans);
    if (orphans.length > 0) {
      expect(r.firstCode).toBe(1);
      expect(r.diagnosis).toEqual([expect.stringMatching(
        new RegExp(`^service metrics: ${orphans.length} roles? exists? but (is|are) not in the state .*adopt them`))]);
    }
    expect(await d.problems('metrics', USERS)).toEqual([]);
    const plan = await d.plan();
    expect(plan.code).toBe(0);
  });

  test(`SIGINT (graceful cancel) midway through creating ${FAULT_USERS} users: the state records every role made, the next deploy converges`, async () => {
    d = await Deployment.start('sigint', { metrics: { major: 17 } });
    d.synth(stackOf(USERS));
    const apply = await d.start(APPLY);
    await apply.until(async () => (await countRoles(d!, 'metrics')) >= MIDWAY, `${MIDWAY} roles to exist`);
    apply.signal('SIGINT');
    const cancelled = await apply.done;
    expect(cancelled.code).toBe(1);
    expect(cancelled.output).toContain('Interrupt received');
    expect(cancelled.output).toContain('Gracefully shutting down');

    // A graceful cancel lets running operations finish and writes them to the state.
    const inDb = await roleNames(d);
    console.log(`faults: SIGINT users=${FAULT_USERS} roles_at_exit=${inDb.size} in_state=${d.stateRoles().length}`);
    expect(inDb.size).toBeGreaterThanOrEqual(MIDWAY);
    expect(inDb.size).toBeLessThan(FAULT_USERS);
    expect(d.stateRoles().map((r) => r.name).sort()).toEqual([...inDb].sort());

    const r = await recover(d);
    expect(r).toEqual({ firstCode: 0, adopted: [], diagnosis: [] });
    expect(await d.problems('metrics', USERS)).toEqual([]);
  });
});

describe('database restart mid-apply', () => {
  let d: Deployment | undefined;
  afterAll(async () => d?.stop());

  test(`PostgreSQL stopped (fast) while ${FAULT_USERS} users are created: a clear error, then the next deploy converges`, async () => {
    d = await Deployment.start('restart', { metrics: { major: 17 } });
    const cluster = d.cluster('metrics');
    d.synth(stackOf(USERS));
    const apply = await d.start(APPLY);
    await apply.until(async () => (await countRoles(d!, 'metrics')) >= MIDWAY, `${MIDWAY} roles to exist`);
    await haltCluster(cluster, 'fast');
    const failed = await apply.done;
    await resumeCluster(cluster);
    expect(failed.code).toBe(1);

    // One line naming the service and what to check, not a diagnostic per user.
    const diagnosis = diagnose(failed.output, readStack(d.dir));
    expect(diagnosis).toEqual([expect.stringMatching(
      /^service metrics: (nothing accepts connections at 127\.0\.0\.1:\d+ .*check TF_VAR_metrics_host and TF_VAR_metrics_port, and that the service is running|the connection was lost mid-deploy .*deploy again once the service is up)/)]);

    const inDb = await roleNames(d);
    expect(d.stateRoles().map((r) => r.name).filter((r) => !inDb.has(r))).toEqual([]);
    const r = await recover(d);
    console.log(`faults: restart users=${FAULT_USERS} roles_before=${inDb.size} adopted=${r.adopted.length} diagnosis=${diagnosis[0]}`);
    expect(await d.problems('metrics', USERS)).toEqual([]);
  });
});
