import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { main } from '../../src/cli/main';

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// What `tofu output -json` prints for a stack with two services: each service's map of generated
// passwords (hyphens in the name become underscores), a user with its own output, and an output that is no password.
const OUTPUTS = {
  metrics_passwords: { sensitive: true, type: ['object', {}], value: { grafana: 'gr4fana-pw', replicator: 'r3plicator-pw' } },
  events_eu_passwords: { sensitive: true, type: ['object', {}], value: { ingest: 'ingest-eu-pw' } },
  events_passwords: { sensitive: true, type: ['object', {}], value: { ingest: 'ingest-pw' } },
  'events-eu_reporting_password': { sensitive: true, type: 'string', value: 'reporting-pw' },
  endpoint: { sensitive: false, type: 'string', value: 'db.acme.example' },
};

function withOutputs(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mst-password-'));
  const file = path.join(dir, 'outputs.json');
  fs.writeFileSync(file, text);
  return file;
}

describe('cdktf-mst password', () => {
  const file = withOutputs(JSON.stringify(OUTPUTS));
  afterAll(() => fs.rmSync(path.dirname(file), { recursive: true, force: true }));

  it('prints only the user\'s password, from the service\'s map or the user\'s own output, whatever the username\'s case', () => {
    expect(run('password', 'metrics', 'grafana', file)).toEqual({ code: 0, out: 'gr4fana-pw', err: '' });
    expect(run('password', 'metrics', 'Replicator', file)).toEqual({ code: 0, out: 'r3plicator-pw', err: '' });
    expect(run('password', 'events-eu', 'ingest', file)).toEqual({ code: 0, out: 'ingest-eu-pw', err: '' });
    expect(run('password', 'events-eu', 'reporting', file)).toEqual({ code: 0, out: 'reporting-pw', err: '' });
  });

  it('reads standard input, so `tofu output -json | cdktf-mst password …` works as printed by npm start', () => {
    const bin = path.resolve(__dirname, '../../bin/cdktf-mst.js');
    const r = spawnSync(process.execPath, [bin, 'password', 'events', 'ingest'], { input: JSON.stringify(OUTPUTS), encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'ingest-pw\n', stderr: '' });
  });

  it('names the users it has when the user has no generated password, and prints no password', () => {
    const r = run('password', 'metrics', 'loader', file);
    expect(r).toEqual({
      code: 1, out: '',
      err: 'cdktf-mst password: no generated password for user "loader" of service "metrics"; the outputs hold generated passwords of: grafana, replicator',
    });
  });

  it('says what to check when the service has no password output at all', () => {
    const r = run('password', 'metric', 'grafana', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cdktf-mst password: no generated password of service "metric" in the outputs \(neither metric_passwords nor metric_grafana_password\); check the service name/);
    expect(r.err).not.toMatch(/pw/);
  });

  it('refuses input that is not `tofu output -json`, and wrong arguments, with exit 2', () => {
    const plain = withOutputs('metrics_passwords = <sensitive>\n');
    try {
      expect(run('password', 'metrics', 'grafana', plain)).toEqual({
        code: 2, out: '', err: `cdktf-mst password: ${plain} is not JSON; pipe in \`tofu output -json\` (not \`tofu output\`) of the deployed stack`,
      });
    } finally {
      fs.rmSync(path.dirname(plain), { recursive: true, force: true });
    }
    const list = withOutputs('[]');
    try {
      expect(run('password', 'metrics', 'grafana', list).err).toMatch(/the input is not the JSON object `tofu output -json` prints/);
    } finally {
      fs.rmSync(path.dirname(list), { recursive: true, force: true });
    }
    expect(run('password', 'metrics', 'grafana', '/nonexistent/outputs.json')).toMatchObject({ code: 2, err: expect.stringMatching(/cannot be read \(ENOENT\)/) });
    for (const argv of [['password'], ['password', 'metrics'], ['password', 'metrics', '--user', 'x'], ['password', 'a', 'b', 'c', 'd']]) {
      expect(run(...argv)).toEqual({ code: 2, out: '', err: expect.stringMatching(/^usage: cdktf-mst password SERVICE USERNAME/) });
    }
  });
});
