/**
 * An unreachable database: a wrong port, a wrong admin password, a stopped
 * service. Against a real cluster with the real engine, each deploy fails; the
 * diagnosis (tools/local/diagnose.ts, which `npm start` prints) is one line
 * naming the service and what to check; the state file is byte-for-byte what it
 * was, so no user is lost; the deploy with the right settings has nothing to do.
 * Then through `npm start` as a user runs it: a recorded cluster whose port is
 * wrong fails the deploy step in one line naming the service.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnose, readStack } from '../../tools/local/diagnose';
import { ClusterInfo, haltCluster, readState, resumeCluster } from '../../tools/sandbox/cluster';
import { RunResult, cleanEnv, run } from '../../tools/sandbox/process';
import { APPLY, stackOf } from './faults';
import { Deployment } from './support';

jest.setTimeout(300_000);

const USERS = ['grafana', 'loader', 'reporter'];

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const outputOf = (r: RunResult): string => `${r.stdout}\n${r.stderr}`;

describe('unreachable database', () => {
  let d: Deployment;
  let stateBefore: string;

  beforeAll(async () => {
    d = await Deployment.start('unreach', { metrics: { major: 17 } });
    d.synth(stackOf(USERS));
    await d.apply();
    stateBefore = d.state();
  });
  afterAll(async () => d?.stop());

  /** The failed deploy's one line; the state untouched; everything still works with the right settings. */
  async function failsClearly(r: RunResult, expected: RegExp): Promise<void> {
    expect(r.code).toBe(1);
    const output = outputOf(r);
    expect(output).not.toMatch(/panic:|goroutine \d+|\n\s+at \S+ \(/);
    const lines = diagnose(output, readStack(d.dir));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(lines[0]).not.toContain('\n');
    expect(d.state()).toBe(stateBefore);
    expect(await d.problems('metrics', USERS)).toEqual([]);
  }

  test('wrong port: "nothing accepts connections" naming the service, its host and port variables', async () => {
    const port = await closedPort();
    const r = await d.tofu(APPLY, { ...d.vars(), TF_VAR_metrics_port: String(port) });
    await failsClearly(r, new RegExp(`^service metrics: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(3 resources not read or changed\\): check TF_VAR_metrics_host and TF_VAR_metrics_port, and that the service is running`));
  });

  test('wrong admin password: "the admin password of tsdbadmin was refused" naming its variable', async () => {
    const r = await d.tofu(APPLY, { ...d.vars(), TF_VAR_metrics_admin_password: 'not-the-admin-password' });
    await failsClearly(r, /^service metrics: the admin password of tsdbadmin was refused \(3 resources not read or changed\): check TF_VAR_metrics_admin_password$/);
  });

  test('a stopped service: "nothing accepts connections", check that it is running; after it starts, nothing to do', async () => {
    const cluster = d.cluster('metrics');
    await haltCluster(cluster, 'fast');
    let r: RunResult;
    try {
      r = await d.tofu(APPLY);
    } finally {
      await resumeCluster(cluster);
    }
    await failsClearly(r, new RegExp(`^service metrics: nothing accepts connections at 127\\.0\\.0\\.1:${cluster.port} .*and that the service is running \\(MST console\\)$`));
    expect((await d.plan()).code).toBe(0);
  });

  test('a first deploy to a wrong port records no role; the next deploy creates every user', async () => {
    const fresh = Deployment.beside('unreach-first', d);
    try {
      const users = ['first_a', 'first_b'];
      fresh.synth(stackOf(users));
      const r = await fresh.tofu(APPLY, { ...fresh.vars(), TF_VAR_metrics_port: String(await closedPort()) });
      expect(r.code).toBe(1);
      expect(diagnose(outputOf(r), readStack(fresh.dir))).toEqual([expect.stringMatching(/^service metrics: nothing accepts connections at 127\.0\.0\.1:\d+ \(2 resources/)]);
      expect(fresh.stateRoles()).toEqual([]);
      await fresh.apply();
      expect(await fresh.problems('metrics', users, USERS)).toEqual([]);
      await fresh.destroy();
    } finally {
      await fresh.stop();
    }
  });
});

describe('unreachable database through npm start', () => {
  const REPO = path.resolve(__dirname, '../..');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-faults-start-'));
  const localDir = path.join(work, 'local');
  const manifest = path.join(work, 'access.yaml');
  const stateFile = path.join(localDir, 'clusters.json');
  const env = cleanEnv({ MST_LOCAL_DIR: localDir, MST_SANDBOX_STATE: stateFile, CHECKPOINT_DISABLE: '1' });
  const npm = (args: string[]) => run('npm', ['--silent', ...args], { cwd: REPO, env, timeoutMs: 240_000 });

  afterAll(async () => {
    await npm(['stop']);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a recorded cluster on a wrong port: "start: FAILED at deploy: service metrics: nothing accepts connections ..." in one line', async () => {
    fs.writeFileSync(manifest, `project: acme-prod
deployer: ci@acme.example
members:
  - { email: ci@acme.example, role: admin }
services:
  - name: metrics
    postgresVersion: 17
    users:
      - { username: grafana }
      - { username: loader }
`);
    const first = await npm(['start', '--', manifest]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // The recorded cluster keeps running, but the record now points at a port nothing listens on.
    const port = await closedPort();
    const recorded = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { clusters: ClusterInfo[] };
    recorded.clusters = recorded.clusters.map((c) => ({ ...c, port }));
    fs.writeFileSync(stateFile, JSON.stringify(recorded));
    process.env.MST_SANDBOX_STATE = stateFile;
    expect(readState()[0].port).toBe(port);

    const r = await npm(['start', '--', manifest]);
    expect(r.code).toBe(1);
    const failures = r.stderr.trim().split('\n');
    expect(failures).toEqual([expect.stringMatching(new RegExp(
      `^start: FAILED at deploy: service metrics: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(\\d+ resources not read or changed\\): check TF_VAR_metrics_host and TF_VAR_metrics_port, and that the service is running \\(MST console\\); `))]);
  });
});
