/**
 * `npm start -- examples/manifest/mst-api.yaml` as a user runs it: the stack on the MST API backend
 * deployed with the real `cdktf deploy` into a local MST (its own process, serving the services'
 * local clusters), the console's User management page and Users tabs printed, each printed password
 * command pasteable into bash; a second run restarts the local MST on its records and changes
 * nothing; `npm stop` stops the local MST with the clusters.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterInfo, isRunning, readState, sql } from '../../tools/sandbox/cluster';
import { cleanEnv, run } from '../../tools/sandbox/process';

jest.setTimeout(300_000);

const REPO = path.resolve(__dirname, '../..');
const EXAMPLE = 'examples/manifest/mst-api.yaml';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-npm-start-api-'));
const localDir = path.join(work, 'local');
const apiDir = path.join(localDir, 'mst-api');
const env = cleanEnv({ MST_LOCAL_DIR: localDir, MST_SANDBOX_STATE: path.join(localDir, 'clusters.json'), CHECKPOINT_DISABLE: '1' });
/** The example's users by service. */
const USERS: Record<string, string[]> = { metrics: ['grafana', 'replicator'], events: ['ingest', 'reporting'] };

const npm = (args: string[]) => run('npm', ['--silent', ...args], { cwd: REPO, env, timeoutMs: 240_000 });
const clusters = (): ClusterInfo[] => {
  process.env.MST_SANDBOX_STATE = env.MST_SANDBOX_STATE;
  return readState();
};
const cluster = (name: string): ClusterInfo => clusters().find((c) => c.name === name)!;
const server = (): { pid: number; url: string } => JSON.parse(fs.readFileSync(path.join(apiDir, 'server.json'), 'utf8'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  await npm(['stop']);
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs each printed password command in bash: service → user → what it printed. */
async function printedPasswords(stdout: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [service, users] of Object.entries(USERS)) {
    out[service] = {};
    for (const user of users) {
      const command = new RegExp(`password of ${user}: (.*)`).exec(stdout)?.[1];
      expect({ user, command }).toEqual({ user, command: expect.stringMatching(new RegExp(`output -json \\| node bin/cdktf-mst\\.js password ${service} ${user}$`)) });
      const r = await run('bash', ['-c', command!], { cwd: REPO, env, timeoutMs: 60_000 });
      expect({ user, code: r.code, stderr: r.stderr, lines: r.stdout.split('\n').length }).toEqual({ user, code: 0, stderr: '', lines: 2 });
      out[service][user] = r.stdout.trim();
    }
  }
  return out;
}

let first: Record<string, Record<string, string>>;

test('npm start deploys the example into the local MST and prints its User management page, users and password commands', async () => {
  const r = await npm(['start', '--', EXAMPLE]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/start: local MST serving acme-prod at http:\/\/127\.0\.0\.1:\d+\n/);
  const page = r.stdout.slice(r.stdout.indexOf('project acme-prod: organization org1a2b3c4d5e6 on the local MST, User management:'));
  expect(page.split('\n').slice(0, 6).sort()).toEqual([
    '  invitation new@acme.example: developer (pending)',
    '  member ana@acme.example: admin',
    '  member auditor@acme.example: read_only',
    '  member ci-bot@acme.example: admin',
    '  member dev@acme.example: developer',
    'project acme-prod: organization org1a2b3c4d5e6 on the local MST, User management:',
  ]);
  for (const service of ['metrics', 'events']) {
    const c = cluster(service);
    expect(r.stdout).toContain(`service ${service}: postgres://tsdbadmin@127.0.0.1:${c.port}/defaultdb?sslmode=disable `
      + '(PostgreSQL 17, MST-like admin; users through the MST API of project acme-prod)');
  }
  for (const line of ['  user grafana: replication no', '  user replicator: replication yes', '  user ingest: replication no', '  user reporting: replication no']) {
    expect(r.stdout).toContain(`${line}\n`);
  }
  // The local MST keeps serving after npm start returns, for a later cdktf deploy or destroy.
  const { pid, url } = server();
  expect(alive(pid)).toBe(true);
  const token = fs.readFileSync(path.join(apiDir, 'token'), 'utf8');
  const svc = await (await fetch(`${url}/v1/project/acme-prod/service/metrics`, { headers: { Authorization: `aivenv1 ${token}` } })).json() as
    { service: { users: { username: string }[] } };
  expect(svc.service.users.map((u) => u.username).sort()).toEqual(['grafana', 'replicator', 'tsdbadmin']);
  expect(r.stdout).toContain(`export AIVEN_WEB_URL=${url} AIVEN_TOKEN="$(cat `);

  first = await printedPasswords(r.stdout);
  for (const [service, users] of Object.entries(first)) {
    for (const [user, password] of Object.entries(users)) {
      expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
      const login = await sql(cluster(service), 'select current_user', { user, password });
      expect({ service, user, out: login.stdout }).toEqual({ service, user, out: user });
      expect(r.stdout).not.toContain(password);
    }
  }
  expect(r.stdout).not.toContain(token);
  for (const c of clusters()) expect(r.stdout).not.toContain(c.adminPassword);
});

test('npm start again restarts the local MST on its records and changes nothing', async () => {
  const before = server();
  const r = await npm(['start', '--', EXAMPLE]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('reusing cluster metrics');
  expect(r.stdout).toContain('No changes.');
  expect(alive(before.pid)).toBe(false);
  expect(alive(server().pid)).toBe(true);
  expect(await printedPasswords(r.stdout)).toEqual(first);
});

test('npm stop stops the local MST and the clusters and removes the local state', async () => {
  const { pid, url } = server();
  const before = clusters();
  const r = await npm(['stop']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('stop: stopped the local MST\n');
  expect(alive(pid)).toBe(false);
  await expect(fetch(url)).rejects.toThrow();
  for (const c of before) expect(await isRunning(c)).toBe(false);
  expect(fs.existsSync(localDir)).toBe(false);
});
