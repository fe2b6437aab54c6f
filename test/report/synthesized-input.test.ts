/**
 * What the gate reads from a HEAD's `cdktf synth` output, which the pull
 * request's author controls: every path inside the folder given, and an
 * access document that describes the blocks beside it. Each case is a BASE
 * and a HEAD whose document reads "no access changes"; the gate must fail
 * (exit 2, one line naming the file, the block and the fix).
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from './golden';
import { scratchFolder } from '../support/scratch';

const GOLDEN = path.join(__dirname, '..', 'golden', 'examples');
const STACK = 'acme-access';
const { dir: tmp } = scratchFolder('cdktf-mst-synth-input-');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Files { stack: Json; users: Json; manifest: Json }

/**
 * `name`/cdktf.out as `cdktf synth` writes it for the example manifest
 * (test/golden/examples), after `edit`; returns the cdktf.out folder.
 */
function synthOut(name: string, edit: (f: Files, stackDir: string) => void = () => undefined): string {
  const out = path.join(tmp, name, 'cdktf.out');
  const stackDir = path.join(out, 'stacks', STACK);
  fs.mkdirSync(stackDir, { recursive: true });
  // The role blocks in a file of their own beside cdk.tf.json: the engine reads every *.tf.json of the folder.
  const stack = JSON.parse(fs.readFileSync(path.join(GOLDEN, 'manifest.cdk.tf.json'), 'utf8'));
  const users = { resource: { postgresql_role: stack.resource.postgresql_role } };
  delete stack.resource.postgresql_role;
  const files: Files = {
    stack,
    users,
    manifest: {
      version: '0.21.0',
      stacks: {
        [STACK]: {
          name: STACK, constructPath: STACK, workingDirectory: `stacks/${STACK}`,
          synthesizedStackPath: `stacks/${STACK}/cdk.tf.json`, annotations: [], dependencies: [],
        },
      },
    },
  };
  edit(files, stackDir);
  fs.writeFileSync(path.join(stackDir, 'cdk.tf.json'), JSON.stringify(files.stack, null, 2));
  fs.writeFileSync(path.join(stackDir, 'mst-users.tf.json'), JSON.stringify(files.users, null, 2));
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(files.manifest, null, 2));
  return out;
}

const BASE = synthOut('base');
const gate = (head: string) => run('diff', BASE, head, '--fail-on', 'error', '--fail-on', 'escalation');

test('the nearest good case: the same output passes the gate, and so do role blocks moved back into cdk.tf.json', () => {
  expect(gate(synthOut('same'))).toMatchObject({ code: 0, err: '' });
  const moved = synthOut('moved', (f) => {
    f.stack.resource = { ...f.stack.resource, ...f.users.resource };
    delete f.users.resource;
  });
  expect(gate(moved)).toMatchObject({ code: 0, err: '' });
  // Replication off is the provider's default, which the library leaves out: written out, it is the same role.
  const explicit = synthOut('explicit', (f) => { (f.users.resource.postgresql_role as Json).metrics_grafana.replication = false; });
  expect(gate(explicit)).toMatchObject({ code: 0, err: '' });
});

describe('every path of synthesized output resolves inside the folder given', () => {
  const baseStack = path.join(BASE, 'stacks', STACK, 'cdk.tf.json');
  const outside = path.join(tmp, 'runner-file.json');
  fs.writeFileSync(outside, JSON.stringify({ '//': { 'cdktf-mst': { schemaVersion: 2, projects: [], findings: [] } } }));

  test.each([
    ['a synthesizedStackPath with ..', (f: Files) => { f.manifest.stacks[STACK].synthesizedStackPath = `../../base/cdktf.out/stacks/${STACK}/cdk.tf.json`; },
      /manifest\.json: stacks\.acme-access\] MST-INPUT-001: synthesizedStackPath "\.\.\/\.\.\/base\/[^"]+" leaves the folder \(\.\.\); synthesize again/],
    ['an absolute synthesizedStackPath (BASE\'s stack)', (f: Files) => { f.manifest.stacks[STACK].synthesizedStackPath = baseStack; },
      /MST-INPUT-001: synthesizedStackPath "[^"]+" is an absolute path; synthesize again with `cdktf synth` and pass its output folder as it is/],
    ['an absolute synthesizedStackPath (a file of the runner)', (f: Files) => { f.manifest.stacks[STACK].synthesizedStackPath = outside; },
      /MST-INPUT-001: synthesizedStackPath "[^"]+" is an absolute path/],
    ['a workingDirectory with ..', (f: Files) => { f.manifest.stacks[STACK].workingDirectory = '../../base/cdktf.out/stacks/acme-access'; },
      /MST-INPUT-001: workingDirectory "[^"]+" leaves the folder/],
    ['a stack without a synthesizedStackPath', (f: Files) => { delete f.manifest.stacks[STACK].synthesizedStackPath; },
      /MST-INPUT-001: synthesizedStackPath is not a path/],
  ])('%s', (_what, edit, says) => {
    const r = gate(synthOut(`paths-${_what.replace(/\W+/g, '-')}`, edit));
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(says);
  });

  test('a symbolic link out of the folder: a stack folder linked to BASE\'s', () => {
    const head = synthOut('linked-stack');
    const stackDir = path.join(head, 'stacks', STACK);
    fs.rmSync(stackDir, { recursive: true });
    fs.symlinkSync(path.join(BASE, 'stacks', STACK), stackDir);
    const r = gate(head);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\] MST-INPUT-001: resolves outside the folder .*cdktf\.out \(to \.\.\/\.\.\/base\/cdktf\.out\/stacks\/acme-access\); synthesize again/);
    // The same link, the folder given without its manifest.json (stacks/*/cdk.tf.json found by listing).
    fs.rmSync(path.join(head, 'manifest.json'));
    expect(gate(head)).toMatchObject({ code: 2, err: expect.stringMatching(/MST-INPUT-001: resolves outside the folder/) });
  });

  test('a symbolic link out of the folder: the stack file or the users file linked to a file elsewhere', () => {
    for (const file of ['cdk.tf.json', 'mst-users.tf.json']) {
      const head = synthOut(`linked-${file}`);
      const target = path.join(head, 'stacks', STACK, file);
      fs.rmSync(target);
      fs.symlinkSync(path.join(BASE, 'stacks', STACK, file), target);
      const r = gate(head);
      expect({ file, code: r.code }).toEqual({ file, code: 2 });
      expect(r.err).toMatch(new RegExp(`\\] MST-INPUT-001: resolves outside the folder .* \\(to \\.\\./\\.\\./base/cdktf\\.out/stacks/acme-access/${file.replace(/\./g, '\\.')}\\)`));
    }
  });

  test('a link that stays inside the folder is read', () => {
    const head = synthOut('linked-inside', (f) => { f.manifest.stacks[STACK].synthesizedStackPath = 'current/cdk.tf.json'; });
    fs.symlinkSync(path.join('stacks', STACK), path.join(head, 'current'));
    expect(gate(head)).toMatchObject({ code: 0, err: '' });
  });
});

describe('the access document must describe the blocks beside it (MST-INPUT-003)', () => {
  const roles = (f: Files) => f.users.resource.postgresql_role as Json;
  const provider = (f: Files, alias: string) => (f.stack.provider.postgresql as Json[]).find((p) => p.alias === alias)!;
  test.each<[string, (f: Files, dir: string) => void, RegExp]>([
    ['a role made a replication role', (f) => { roles(f).metrics_grafana.replication = true; },
      /mst-users\.tf\.json: postgresql_role\.metrics_grafana\] MST-INPUT-003: replication is true, but the access document says false; re-synthesize/],
    ['a role added that no user declares', (f) => { roles(f).metrics_boss = { ...roles(f).metrics_grafana, name: 'boss' }; },
      /mst-users\.tf\.json: postgresql_role\.metrics_boss\] MST-INPUT-003: describes a role that is no user of the access document/],
    ['a role made a superuser', (f) => { roles(f).metrics_grafana.superuser = true; },
      /postgresql_role\.metrics_grafana\] MST-INPUT-003: sets "superuser", which the library never writes/],
    ['a role given the admin\'s password', (f) => { roles(f).metrics_grafana.password = '${var.metrics_admin_password}'; },
      /postgresql_role\.metrics_grafana\] MST-INPUT-003: password is "\$\{var\.metrics_admin_password\}", but the access document says "\$\{substr\(sha512\("\$\{random_bytes/],
    ['a role given a literal password (not shown)', (f) => { roles(f).metrics_grafana.password = 'hunter2-literal'; },
      /password is a value \(not shown\), but the access document says/],
    ['a role created on another service', (f) => { roles(f).metrics_grafana.provider = 'postgresql.events'; },
      /postgresql_role\.metrics_grafana\] MST-INPUT-003: provider is "postgresql\.events", but the access document says "postgresql\.metrics"/],
    ['a role renamed to the admin', (f) => { roles(f).metrics_grafana.name = 'tsdbadmin'; },
      /postgresql_role\.metrics_grafana\] MST-INPUT-003: name is "tsdbadmin", but the access document says "grafana"/],
    ['a user\'s role block removed', (f) => { delete roles(f).metrics_grafana; },
      /acme-access: postgresql_role\.metrics_grafana\] MST-INPUT-003: user "grafana" of service "metrics" is in the access document but has no role block/],
    ['a role block with instances of its own', (f) => { roles(f).metrics = { ...roles(f).metrics_grafana, for_each: { boss: 'boss' } }; },
      /postgresql_role\.metrics\] MST-INPUT-003: describes a role that is no user of the access document/],
    ['the admin password taken from another service\'s variable', (f) => { provider(f, 'metrics').password = '${var.events_admin_password}'; },
      /cdk\.tf\.json: provider\.postgresql\.metrics\] MST-INPUT-003: password is "\$\{var\.events_admin_password\}", but the access document says "\$\{var\.metrics_admin_password\}"/],
    ['the admin made a superuser', (f) => { provider(f, 'metrics').superuser = true; },
      /provider\.postgresql\.metrics\] MST-INPUT-003: superuser is true, but the access document says false/],
    ['a service\'s provider block removed', (f) => { f.stack.provider.postgresql = (f.stack.provider.postgresql as Json[]).filter((p) => p.alias !== 'events'); },
      /acme-access: provider\.postgresql\.events\] MST-INPUT-003: service "events" of the access document has no provider block/],
    ['a role block overridden from another file', (_f, dir) => {
      fs.writeFileSync(path.join(dir, 'x_override.tf.json'), JSON.stringify({ resource: { postgresql_role: { metrics_grafana: { superuser: true } } } }));
    }, /x_override\.tf\.json: postgresql_role\.metrics_grafana\] MST-INPUT-003: is declared again \(also in /],
    ['a provider declared again in another file', (_f, dir) => {
      fs.writeFileSync(path.join(dir, 'extra.tf.json'), JSON.stringify({ provider: { postgresql: [{ alias: 'metrics', host: 'evil.example' }] } }));
    }, /extra\.tf\.json: provider\.postgresql\.metrics\] MST-INPUT-003: is declared again/],
    ['an HCL file in the stack folder', (_f, dir) => { fs.writeFileSync(path.join(dir, 'main.tf'), 'resource "postgresql_role" "x" { name = "x" }\n'); },
      /main\.tf\] MST-INPUT-003: is a Terraform file in a synthesized stack folder, which no access document describes/],
  ])('%s', (what, edit, says) => {
    const r = gate(synthOut(`blocks-${what.replace(/\W+/g, '-')}`, edit));
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(says);
    expect(r.err).not.toContain('hunter2');
  });

  test('a stack without an access document that declares roles', () => {
    const head = synthOut('blocks-undocumented', (f) => {
      f.manifest.stacks.web = { name: 'web', workingDirectory: 'stacks/web', synthesizedStackPath: 'stacks/web/cdk.tf.json' };
    });
    fs.mkdirSync(path.join(head, 'stacks', 'web'));
    const web = { resource: { postgresql_role: { boss: { name: 'boss', login: true, superuser: true, provider: 'postgresql.metrics' } } } };
    fs.writeFileSync(path.join(head, 'stacks', 'web', 'cdk.tf.json'), JSON.stringify(web));
    const r = gate(head);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/web\/cdk\.tf\.json: postgresql_role\.boss\] MST-INPUT-003: describes a role, but the stack carries no access document to judge it by; re-synthesize/);
    // Without roles, such a stack is another part of the app, and is left alone.
    fs.writeFileSync(path.join(head, 'stacks', 'web', 'cdk.tf.json'), JSON.stringify({ resource: { null_resource: { x: {} } } }));
    expect(gate(head)).toMatchObject({ code: 0, err: '' });
  });

  test('several mismatches: the first named, the rest counted', () => {
    const r = gate(synthOut('blocks-several', (f) => {
      roles(f).metrics_grafana.replication = true;
      roles(f).events_ingest.replication = true;
    }));
    expect(r.err).toMatch(/MST-INPUT-003: .* \(and 1 more mismatch\(es\) in the stack of .*cdk\.tf\.json\)\.$/m);
  });

  test('`report` reads synthesized output the same way', () => {
    const head = synthOut('blocks-report', (f) => { roles(f).metrics_grafana.replication = true; });
    expect(run('report', head)).toMatchObject({ code: 2, err: expect.stringMatching(/MST-INPUT-003: replication is true/) });
  });
});

describe('synthesized JSON is read whole only below its cap, and with one meaning', () => {
  test('a stack file past 64 MiB is refused from its size, before it is read', () => {
    const head = synthOut('huge');
    const file = path.join(head, 'stacks', STACK, 'mst-users.tf.json');
    fs.truncateSync(file, 65 * 1024 * 1024); // sparse: nothing of it is ever written or read
    const started = Date.now();
    const r = gate(head);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mst-users\.tf\.json\] MST-INPUT-001: is 68,157,440 bytes, more than the 64 MiB limit; run `npx cdktf synth`/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a duplicate key (two access documents in one stack) is refused, not resolved to the last', () => {
    const head = synthOut('duplicate-doc');
    const file = path.join(head, 'stacks', STACK, 'cdk.tf.json');
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.stringify(JSON.parse(text)['//']);
    fs.writeFileSync(file, text.replace(/^\{/, `{"//": ${doc.replace('ci-bot@acme.example', 'dev@acme.example')},`));
    const r = gate(head);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cdk\.tf\.json:\d+\] MST-INPUT-001: not valid JSON: has the key \/\/ twice \(line \d+, column \d+\)/);
  });
});
