/**
 * No password value reachable by accident: every password attribute the
 * library writes is a reference (a variable, or the derivation from the
 * service's seed), never a value; and where a password was written where it
 * does not belong (a manifest, a literal given to the typed API, a variable's
 * default), `check`, `report`, `diff` and every error refuse it without echoing it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { main } from '../src/cli/main';
import { loadManifest, MstProject, MstValidationError, PowerState, ProjectRole, Secret } from '../src';
import { DOCUMENT_KEY } from '../src/domain/document';

/** Every secret below contains this, so one search finds any of them. */
const MARK = 'S3CRET';
const secret = (what: string) => `${MARK}-${what}-pw`;

function run(...argv: string[]): { code: number; text: string } {
  const lines: string[] = [];
  const code = main(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  return { code, text: lines.join('\n') };
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MstValidationError);
    return (e as Error).message;
  }
  throw new Error('expected an MstValidationError');
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mst-secrets-'));

/** A stack with every kind of password the library accepts; the variables' values sit in the environment. */
function stackWithEveryPassword(extraUser = false): { app: App; stack: TerraformStack } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'acme-access');
  const project = new MstProject(stack, 'acme', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  const etl = new TerraformVariable(stack, 'etl_password', { type: 'string', sensitive: true });
  const wo = new TerraformVariable(stack, 'wo_password', { type: 'string', sensitive: true });
  const admin = new TerraformVariable(stack, 'events_pg_admin', { type: 'string', sensitive: true });
  const metrics = project.addService('metrics', { postgresVersion: 16, powerState: PowerState.RUNNING });
  metrics.addUser('grafana'); // generated
  metrics.addUser('reporting', { password: Secret.generated({ length: 64 }), passwordVersion: 3 });
  metrics.addUser('etl', { password: Secret.fromVariable(etl) });
  if (extraUser) metrics.addUser('audit');
  const events = project.addService('events', { postgresVersion: 16, writeOnlyPasswords: true, adminPassword: Secret.fromVariable(admin) });
  events.addUser('ingest', { password: Secret.fromVariable(wo), passwordVersion: 2 });
  return { app, stack };
}

describe('no password value in any output', () => {
  it('generated, variable and write-only passwords: every password attribute is a reference, and the document says only where each comes from', () => {
    const base = Testing.fullSynth(stackWithEveryPassword().stack);
    const head = Testing.fullSynth(stackWithEveryPassword(true).stack);
    const json = JSON.parse(fs.readFileSync(path.join(base, 'stacks', 'acme-access', 'cdk.tf.json'), 'utf8'));
    const document = JSON.stringify(json['//'][DOCUMENT_KEY]);
    expect(document).toContain('"kind":"generated"');
    expect(document).toContain('"name":"wo_password"');
    const role = json.resource.postgresql_role;
    const seed = '${random_bytes.metrics_passwords.hex}';
    expect(role.metrics_grafana.password).toBe(`\${substr(sha512("${seed}:grafana:1"), 0, 32)}`);
    expect(role.metrics_reporting.password).toBe(`\${substr(sha512("${seed}:reporting:3"), 0, 64)}`);
    expect(role.metrics_etl.password).toBe('${var.etl_password}');
    expect(role.events_ingest.password_wo).toBe('${var.wo_password}');
    expect(role.events_ingest.password).toBeUndefined();
    expect(json.resource.random_bytes.metrics_passwords).toMatchObject({ length: 64, keepers: { version: '1' } });
    expect(json.output.metrics_passwords.value).toContain('"reporting" = postgresql_role.metrics_reporting.password');
    expect(json.output.metrics_passwords.sensitive).toBe(true);
    for (const format of ['markdown', 'json']) {
      const diff = run('diff', base, head, '--format', format);
      expect(diff.code).toBe(0);
      expect(diff.text).toContain('audit');
    }
  });

  it('a default-bearing variable is refused at declaration without echoing the default, and nothing of it is used', () => {
    const { stack } = stackWithEveryPassword();
    const withDefault = new TerraformVariable(stack, 'legacy_password', { type: 'string', sensitive: true, default: secret('default') });
    const project = stack.node.findChild('acme') as MstProject;
    const service = project.services[0];
    expect(thrown(() => service.addUser('legacy', { password: Secret.fromVariable(withDefault) }))).not.toContain(MARK);
    expect(thrown(() => project.addService('other', { adminPassword: Secret.fromVariable(withDefault) }))).not.toContain(MARK);
    // The refused declarations left nothing behind: the stack still synthesizes, no role or provider refers
    // to the variable, and its default stays where the user wrote it (their own construct, which the library
    // does not own and cannot drop).
    const out = path.join(Testing.fullSynth(stack), 'stacks', 'acme-access');
    const json = JSON.parse(fs.readFileSync(path.join(out, 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(json.resource.postgresql_role).sort()).toEqual(['events_ingest', 'metrics_etl', 'metrics_grafana', 'metrics_reporting']);
    expect(JSON.stringify({ ...json, variable: undefined })).not.toContain('legacy_password');
    expect(JSON.stringify({ ...json, variable: undefined })).not.toContain(MARK);
  });

  it('a literal password given to the typed API is refused without being echoed', () => {
    const project = stackWithEveryPassword().stack.node.findChild('acme') as MstProject;
    expect(thrown(() => project.services[0].addUser('lit', { password: secret('typed') as never }))).not.toContain(MARK);
    expect(thrown(() => project.addService('lit', { adminPassword: secret('typed-admin') as never }))).not.toContain(MARK);
  });

  describe('a password written where it does not belong in a manifest', () => {
    const cases: Array<[string, string]> = [
      ['a literal user password', `password: "${secret('literal')}"`],
      ['a literal number', 'password: 31337000111'],
      ['a password pasted into the variable field', `password: { variable: "${secret('pasted')}!" }`],
      ['a password under an unknown key', `password: { value: "${secret('value')}" }`],
      ['a password as an unknown key', `password: { "${secret('key')}": 1 }`],
      ['a password as the length', `password: { generated: { length: "${secret('length')}" } }`],
      ['a literal admin password', null as never],
    ];
    const file = (what: string, user: string | null) => {
      const lines = [
        'project: acme', 'deployer: ci@acme.example', 'members: [{ email: ci@acme.example, role: admin }]', 'services:',
        '  - name: metrics',
        ...(user === null ? [`    adminPassword: "${secret('admin-literal')}"`, '    users: [{ username: etl }]'] : [`    users: [{ username: etl, ${user} }]`]),
      ];
      const f = path.join(tmp(), `${what.replace(/\W+/g, '-')}.yaml`);
      fs.writeFileSync(f, lines.join('\n'));
      return f;
    };

    it.each(cases)('%s: check, report, diff and loadManifest refuse it without echoing it', (what, user) => {
      const f = file(what, user);
      const check = run('check', f);
      expect(check.code).toBe(1);
      expect(check.text).toMatch(/MST-(SEC-001|MANIFEST-001)/);
      expect(check.text).not.toContain(MARK);
      expect(check.text).not.toContain('31337000111');
      for (const result of [run('report', f), run('report', f, '--format', 'json'), run('diff', f, f)]) {
        expect(result.text).not.toContain(MARK);
        expect(result.text).not.toContain('31337000111');
      }
      const loaded = thrown(() => loadManifest(new TerraformStack(Testing.app(), 's'), f));
      expect(loaded).not.toContain(MARK);
      expect(loaded).not.toContain('31337000111');
    });
  });
});
