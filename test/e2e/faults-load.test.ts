/**
 * Load and concurrent pipelines, against a real PostgreSQL 17 cluster (MST-like
 * admin, max_connections 50) with the real engine at its default parallelism:
 *  - FAULT_USERS users in one apply: no "tuple concurrently updated", no
 *    connection-limit error; the wall time and the peak number of connections
 *    (pg_stat_activity polled every 100 ms on one extra connection) are printed
 *    as a `faults: load ...` line, the figures the README gives;
 *  - two deploys of the same stack (CONCURRENT_USERS users) at once: the second refuses the state lock
 *    with a clear message, or with -lock-timeout waits for it and then has
 *    nothing left to do; no role is created twice or lost.
 */
import { Client } from 'pg';
import { APPLY, FAULT_USERS, countRoles, stackOf, usernames } from './faults';
import { Deployment } from './support';

jest.setTimeout(Math.max(600_000, FAULT_USERS * 4_000));

const USERS = usernames(FAULT_USERS);
/** The lock is taken before the plan, so the concurrency tests need only enough users to keep the first deploy busy. */
const CONCURRENT_USERS = Math.min(FAULT_USERS, 60);
const CONNECTION_ERRORS = /tuple concurrently updated|too many clients|remaining connection slots|connection limit/i;

/** Polls the number of client connections every 100 ms until stop() is called; returns the peak. */
async function connectionMeter(d: Deployment): Promise<{ stop: () => Promise<number> }> {
  const c = d.cluster('metrics');
  const client = new Client({ host: c.host, port: c.port, user: c.adminUser, password: c.adminPassword, database: c.database, ssl: false });
  client.on('error', () => undefined);
  await client.connect();
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      peak = Math.max(peak, Number(r.rows[0].n));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      return peak;
    },
  };
}

describe('load', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('load', { metrics: { major: 17 } });
  });
  afterAll(async () => d?.stop());

  test(`${FAULT_USERS} users in one apply at the default parallelism: no concurrency or connection errors; wall time and peak connections measured`, async () => {
    d.synth(stackOf(USERS));
    await d.tofu(['init', '-input=false', '-no-color']); // not timed
    const meter = await connectionMeter(d);
    const started = Date.now();
    const r = await d.tofu(APPLY);
    const seconds = (Date.now() - started) / 1000;
    const peak = await meter.stop();
    console.log(`faults: load users=${FAULT_USERS} apply_s=${seconds.toFixed(1)} peak_connections=${peak} (max_connections 50, parallelism 10)`);
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(CONNECTION_ERRORS);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Apply complete! Resources: [1-9]\d* added, 0 changed, 0 destroyed\./);
    expect(peak).toBeGreaterThan(0);
    expect(await d.problems('metrics', USERS)).toEqual([]);
  });
});

describe('concurrent pipelines on one state', () => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.start('concurrent', { metrics: { major: 17 } });
  });
  afterAll(async () => d?.stop());

  // The first deploy is frozen (SIGSTOP) once it has created a role, so the second surely starts while the
  // first holds the lock mid-apply, however fast the apply; SIGCONT lets it finish.
  test('a second deploy while the first applies refuses the state lock, with a clear message; the first completes', async () => {
    d.synth(stackOf(usernames(CONCURRENT_USERS)));
    const first = await d.start(APPLY);
    try {
      await first.until(async () => (await countRoles(d, 'metrics')) >= 1, 'the first deploy to create a role');
      first.signal('SIGSTOP');
      const second = await d.tofu(APPLY);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('Error acquiring the state lock');
      expect(second.stderr).toMatch(/Lock Info:\s+ID:\s+\S+/);
      expect(second.stderr).toMatch(/Operation:\s+OperationTypeApply/);
    } finally {
      first.signal('SIGCONT');
    }
    const done = await first.done;
    expect(done.code).toBe(0);
    expect(await d.problems('metrics', usernames(CONCURRENT_USERS))).toEqual([]);
  });

  test('with -lock-timeout the second deploy waits, then finds nothing left to do; no role twice, none lost', async () => {
    const more = [...usernames(CONCURRENT_USERS), ...usernames(CONCURRENT_USERS, 'v')];
    d.synth(stackOf(more));
    const first = await d.start(APPLY);
    let second;
    try {
      await first.until(async () => (await countRoles(d, 'metrics', 'v')) >= 1, 'the first deploy to create a role');
      first.signal('SIGSTOP');
      second = await d.start([...APPLY, '-lock-timeout=10m']);
      await second.until(() => second!.output.includes('Acquiring state lock'), 'the second deploy to wait for the lock', 120_000);
    } finally {
      first.signal('SIGCONT');
    }
    const done = await first.done;
    expect(done.code).toBe(0);
    expect(done.output).toMatch(/Apply complete! Resources: [1-9]\d* added/);
    const waited = await second.done;
    expect(waited.code).toBe(0);
    expect(waited.output).toContain('No changes.');
    expect(await d.problems('metrics', more)).toEqual([]);
  });
});
