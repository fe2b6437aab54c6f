/**
 * The main command as a user runs it: `npm start -- FILE` deploys a manifest
 * with the real `cdktf deploy` into local clusters, a second run redeploys an
 * edit, the real `cdktf destroy` drops the roles, `npm stop` removes
 * everything; a broken manifest fails in one line and leaves nothing running.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterInfo, isRunning, readState } from '../../tools/sandbox/cluster';
import { cleanEnv, run } from '../../tools/sandbox/process';
import { roles, serviceVariables, servicesIn } from '../../tools/local/deploy';
import { engine } from '../../tools/local/engine';

jest.setTimeout(300_000);

const REPO = path.resolve(__dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-npm-start-'));
const localDir = path.join(work, 'local');
const manifest = path.join(work, 'access.yaml');
const env = cleanEnv({ MST_LOCAL_DIR: localDir, MST_SANDBOX_STATE: path.join(localDir, 'clusters.json'), CHECKPOINT_DISABLE: '1' });

const npm = (args: string[]) => run('npm', ['--silent', ...args], { cwd: REPO, env, timeoutMs: 240_000 });
const clusters = (): ClusterInfo[] => {
  process.env.MST_SANDBOX_STATE = env.MST_SANDBOX_STATE;
  return readState();
};
const stackDir = path.join(localDir, 'cdktf.out', 'stacks', 'acme-access');

afterAll(async () => {
  await npm(['stop']);
  fs.rmSync(work, { recursive: true, force: true });
});

const yaml = (users: string) => `project: acme-prod
deployer: ci@acme.example
members:
  - { email: ci@acme.example, role: admin }
services:
  - name: metrics
    postgresVersion: 17
    users:
${users}
  - name: events
    postgresVersion: 15
    users:
      - { username: ingest }
`;

test('npm start deploys the manifest and prints each service, its users and the password command', async () => {
  fs.writeFileSync(manifest, yaml(`      - { username: grafana }
      - { username: replicator, allowReplication: true, acknowledge: [{ rule: MST-USER-006, reason: replica }] }`));
  const r = await npm(['start', '--', manifest]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const [metrics, events] = [clusters().find((c) => c.name === 'metrics')!, clusters().find((c) => c.name === 'events')!];
  expect([metrics.major, events.major]).toEqual([17, 15]);
  expect(r.stdout).toContain(`service metrics: postgres://tsdbadmin@127.0.0.1:${metrics.port}/defaultdb?sslmode=disable (PostgreSQL 17, MST-like admin)`);
  expect(r.stdout).toContain(`service events: postgres://tsdbadmin@127.0.0.1:${events.port}/defaultdb?sslmode=disable (PostgreSQL 15, MST-like admin)`);
  expect(r.stdout).toContain('  user grafana: login yes, replication no');
  expect(r.stdout).toContain('  user replicator: login yes, replication yes');
  expect(r.stdout).toContain('  user ingest: login yes, replication no');
  // The acknowledged warning prints once, with its reason, whatever steps npm start runs.
  expect(r.stdout.match(/MST-USER-006 \(acknowledged: replica\)/g)).toHaveLength(1);
  // Generated passwords are in one sensitive map per service (README, "Viewing passwords"); the printed
  // command picks the one user's out of the outputs.
  expect(r.stdout).toMatch(/password of grafana: .*output -json \| node bin\/cdktf-mst\.js password metrics grafana\n/);
  expect(await roles(metrics)).toEqual([
    { name: 'grafana', login: true, replication: false },
    { name: 'replicator', login: true, replication: true },
  ]);
  // No secret in what npm start prints: neither the admin passwords nor the generated ones (issue 12).
  for (const c of clusters()) expect(r.stdout).not.toContain(c.adminPassword);
  const eng = await engine();
  // The generated passwords: one sensitive map output per service, by lowercased username.
  for (const [output, users] of [['metrics_passwords', ['grafana', 'replicator']], ['events_passwords', ['ingest']]] as const) {
    const out = await run(eng.binary, [`-chdir=${stackDir}`, 'output', '-json', output], { cwd: localDir, env: cleanEnv({ ...env, ...eng.env } as Record<string, string>), timeoutMs: 60_000 });
    expect({ output, code: out.code }).toEqual({ output, code: 0 });
    const map = JSON.parse(out.stdout) as Record<string, string>;
    expect(Object.keys(map).sort()).toEqual([...users]);
    for (const pw of Object.values(map)) {
      expect(pw).toHaveLength(32);
      expect(`${r.stdout}${r.stderr}`).not.toContain(pw);
    }
    // The printed command, pasted into bash, prints that user's password and nothing else.
    for (const user of users) {
      const command = new RegExp(`password of ${user}: (.*)`).exec(r.stdout)![1];
      const printed = await run('bash', ['-c', command], { cwd: REPO, env, timeoutMs: 60_000 });
      expect({ user, code: printed.code, stdout: printed.stdout }).toEqual({ user, code: 0, stdout: `${map[user]}\n` });
    }
  }
});

test('npm start again redeploys an edit into the running clusters', async () => {
  const before = clusters().map((c) => c.port);
  fs.writeFileSync(manifest, yaml('      - { username: grafana }\n      - { username: loader }'));
  const r = await npm(['start', '--', manifest]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('reusing cluster metrics');
  expect(r.stdout).toContain('  user loader: login yes, replication no');
  expect(clusters().map((c) => c.port)).toEqual(before);
  expect((await roles(clusters().find((c) => c.name === 'metrics')!)).map((x) => x.name)).toEqual(['grafana', 'loader']);
});

test('the real cdktf destroy drops every role of the stack', async () => {
  const eng = await engine();
  const vars = Object.assign({}, ...servicesIn(stackDir).map((s) => serviceVariables(s, clusters().find((c) => c.name === s.name)!)));
  const r = await run(path.join(REPO, 'node_modules/.bin/cdktf'), ['destroy', 'acme-access', '--auto-approve', '--skip-synth', '--skip-provider-lock'], {
    cwd: localDir, env: cleanEnv({ ...env, ...eng.env, ...vars }), timeoutMs: 240_000,
  });
  expect({ code: r.code, tail: r.stdout.slice(-2000) }).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/Destroy complete! Resources: 5 destroyed/); // 3 roles, 2 password seeds (one per service)
  for (const c of clusters()) expect(await roles(c)).toEqual([]);
});

test('npm stop stops the clusters and removes the local state; a second stop is a no-op', async () => {
  const before = clusters();
  const r = await npm(['stop']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('stop: stopped cluster metrics');
  for (const c of before) expect(await isRunning(c)).toBe(false);
  expect(fs.existsSync(localDir)).toBe(false);
  expect((await npm(['stop'])).stdout.trim()).toBe('stop: nothing deployed locally');
});

test('a manifest with errors fails at synth in one line naming the step, and leaves nothing running', async () => {
  fs.writeFileSync(manifest, yaml('      - { username: grafana }\n      - { username: Grafana }'));
  const r = await npm(['start', '--', manifest]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n').pop()).toMatch(/^start: FAILED at synth: .*; fix the findings printed above/);
  expect(`${r.stdout}${r.stderr}`).toContain('MST-USER-002');
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(fs.existsSync(localDir)).toBe(false);
});
