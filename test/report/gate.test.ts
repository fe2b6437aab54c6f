/**
 * Issue 11: the access review must not be fooled. Each case the issue lists,
 * as it was tried: through the CLI, on files, with the exit codes a pipeline
 * reads. Each failed before the change that fixed it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, TerraformStack } from 'cdktf';
import { Node, Parser } from 'commonmark';
import { MstProject } from '../../src/constructs/project';
import { ProjectRole } from '../../src/domain/permissions';
import { visible } from '../../src/domain/visible';
import { run } from './golden';
import { scratchFolder } from '../support/scratch';

// Made at load: the cases below write their files while the suite is being declared.
const { dir: tmp, write } = scratchFolder('cdktf-mst-gate-');

const yaml = (lines: readonly string[]) => `${lines.join('\n')}\n`;

describe('a member added directly with a role beyond the deployer\'s', () => {
  // The project as base has it: an Admin, and the deploying Developer.
  const TEAM = [
    'project: acme-prod', 'deployer: dev@acme.example',
    'members:', '  - { email: ana@acme.example, role: admin }', '  - { email: dev@acme.example, role: developer }',
  ];

  const base = write('direct/base.yaml', yaml([
    ...TEAM,
  ]));
  const head = write('direct/head.yaml', yaml([
    ...TEAM,
    '  - { email: boss@acme.example, role: admin }', '  - { email: op@acme.example, role: operator }',
  ]));

  it('passes `check` (a members list needs no permission at synth) but not the gate', () => {
    expect(run('check', head).code).toBe(0);
    const r = run('diff', base, head, '--fail-on', 'error', '--format', 'json');
    expect(r.code).toBe(1);
    const d = JSON.parse(r.out);
    expect(d.summary).toEqual({ escalations: 2, errors: 2, changes: 2 });
    expect(d.errors.map((e: { ruleId: string; path: string }) => [e.ruleId, e.path])).toEqual([
      ['MST-DIFF-003', 'acme-prod/members/boss@acme.example'],
      ['MST-DIFF-003', 'acme-prod/members/op@acme.example'],
    ]);
    expect(r.err).toBe('cdktf-mst diff: 2 error(s) (--fail-on error)\n');
  });

  it('is judged like the same people invited (MST-INVITE-003)', () => {
    const invited = write('direct/invited.yaml', yaml([
      ...TEAM,
      'invitations:', '  - { email: boss@acme.example, role: admin, invitedBy: dev@acme.example }',
    ]));
    expect(run('check', invited).err).toMatch(/MST-INVITE-003: inviter "dev@acme\.example" is a Developer and cannot invite "boss@acme\.example" as an Admin: it lacks Modify billing information and Start and stop services/);
    expect(run('diff', base, head).out).toContain('cannot add "boss@acme.example" as an Admin: it lacks Modify billing information and Start and stop services');
  });

  it('a Read-only deployer adding an Admin: it may not add anyone (MST-DIFF-001)', () => {
    const roBase = write('direct/ro-base.yaml', yaml([
      'project: acme-prod', 'deployer: ro@acme.example',
      'members:', '  - { email: ana@acme.example, role: admin }', '  - { email: ro@acme.example, role: read-only }',
    ]));
    const roHead = write('direct/ro-head.yaml', yaml([
      'project: acme-prod', 'deployer: ro@acme.example',
      'members:', '  - { email: ana@acme.example, role: admin }', '  - { email: ro@acme.example, role: read-only }',
      '  - { email: boss@acme.example, role: admin }',
    ]));
    expect(run('check', roHead).code).toBe(0);
    const r = run('diff', roBase, roHead, '--fail-on', 'error');
    expect(r.code).toBe(1);
    expect(r.out).toContain('**MST-DIFF-001** `acme-prod`: deployer "ro@acme.example" is a Read-only in base, which lacks Invite more users, needed to add "boss@acme.example"');
  });
});

describe('one project declared in several stacks', () => {
  function appWith(outdir: string, roleInSecond: ProjectRole): App {
    const app = new App({ outdir });
    for (const [stackId, service, role] of [['metrics-access', 'metrics', ProjectRole.READ_ONLY], ['events-access', 'events', roleInSecond]] as const) {
      const project = new MstProject(new TerraformStack(app, stackId), 'acme', { name: 'acme-prod', deployer: 'ana@acme.example' });
      project.addMember('ana@acme.example', ProjectRole.ADMIN);
      project.addMember('ro@acme.example', role);
      project.addService(service, { postgresVersion: 16 }).addUser('app');
    }
    return app;
  }

  it('refuses to synthesize when the stacks disagree on a member, naming both places', () => {
    expect(() => appWith(path.join(tmp, 'ok.out'), ProjectRole.READ_ONLY).synth()).not.toThrow();
    expect(() => appWith(path.join(tmp, 'bad.out'), ProjectRole.ADMIN).synth()).toThrow(
      /MST-PROJECT-002: project "acme-prod" is declared at (metrics|events)-access\/acme and at (events|metrics)-access\/acme, differently: "ro@acme\.example" is a member as (Read-only|Admin) at .* and a member as (Admin|Read-only) at/);
  });

  /** Stack folders synthesized separately (each app alone passes), side by side as one output. */
  function stackFolders(name: string, second: ProjectRole): string {
    const out = path.join(tmp, name);
    for (const [stackId, service, role] of [['metrics-access', 'metrics', ProjectRole.READ_ONLY], ['events-access', 'events', second]] as const) {
      const app = new App({ outdir: path.join(tmp, `${name}-${stackId}`) });
      const project = new MstProject(new TerraformStack(app, stackId), 'acme', { name: 'acme-prod', deployer: 'ana@acme.example' });
      project.addMember('ana@acme.example', ProjectRole.ADMIN);
      project.addMember('ro@acme.example', role);
      project.addService(service, { postgresVersion: 16 }).addUser('app');
      app.synth();
      fs.mkdirSync(path.join(out, 'stacks'), { recursive: true });
      fs.cpSync(path.join(tmp, `${name}-${stackId}`, 'stacks', stackId), path.join(out, 'stacks', stackId), { recursive: true });
    }
    return out;
  }

  it('report and diff see every stack folder: the promotion, and the disagreement as an error', () => {
    const base = stackFolders('split-base', ProjectRole.READ_ONLY);
    const head = stackFolders('split-head', ProjectRole.ADMIN);
    const report = run('report', head).out;
    expect(report.match(/### Project `acme-prod`/g)).toHaveLength(1);
    expect(report).toContain('| `ro@acme.example` | Admin |');
    expect(report).toContain('| `ro@acme.example` | Read-only |');
    expect(report).toMatch(/\*\*MST-PROJECT-002\*\* `(events|metrics)-access\/acme`: project "acme-prod" is declared at/);
    const d = run('diff', base, head, '--fail-on', 'error');
    expect(d.code).toBe(1);
    expect(d.out).toContain('- **Role changed**: `ro@acme.example` Read-only → Admin, gains Invite more users, Modify billing information, Manage services, Start and stop services');
    expect(d.out).toMatch(/\*\*MST-PROJECT-002\*\* `acme-prod`: project "acme-prod" is declared at (events|metrics)-access\/acme and at (metrics|events)-access\/acme/);
    expect(run('diff', base, stackFolders('split-same', ProjectRole.READ_ONLY)).out).toContain('No access changes');
  });
});

describe('a HEAD that breaks the rules is never approved', () => {
  const base = write('broken/base.yaml', yaml([
    'project: acme-prod', 'deployer: ana@acme.example', 'members:', '  - { email: ana@acme.example, role: admin }',
    'services:', '  - { name: metrics, postgresVersion: 16, users: [{ username: app }] }',
  ]));
  const head = write('broken/head.yaml', yaml([
    'project: acme-prod', 'deployer: ana@acme.example', 'members:', '  - { email: ana@acme.example, role: admin }',
    'services:',
    '  - { name: metrics, postgresVersion: 16, users: [{ username: app, password: hunter2hunter2 }] }',
    '  - { name: cold, state: powered-off, postgresVersion: 16, users: [{ username: reader }] }',
    '  - name: old',
    '    postgresVersion: 15',
    '    users: [{ username: cdc, allowReplication: true, acknowledge: [{ rule: MST-USER-006, reason: cdc }] }]',
  ]));

  it('lists every rule error of HEAD as an error of the diff, and --fail-on error exits 1', () => {
    const r = run('diff', base, head, '--fail-on', 'error', '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).errors.map((e: { ruleId: string; path: string }) => `${e.ruleId} ${e.path}`)).toEqual([
      'MST-SVC-001 acme-prod/cold',
      'MST-SEC-001 acme-prod/metrics/users/app',
      'MST-USER-004 acme-prod/old/users/cdc',
    ]);
    expect(r.out).not.toContain('hunter2');
  });

  it('also when the synthesized document was edited to carry what the synth refuses', () => {
    const app = new App({ outdir: path.join(tmp, 'edited.out') });
    const project = new MstProject(new TerraformStack(app, 'access'), 'acme', { name: 'acme-prod', deployer: 'ana@acme.example' });
    project.addMember('ana@acme.example', ProjectRole.ADMIN);
    project.addService('metrics', { postgresVersion: 16 }).addUser('app');
    app.synth();
    const file = path.join(tmp, 'edited.out', 'stacks', 'access', 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const users = json['//']['cdktf-mst'].projects[0].services[0].users;
    users[0] = { ...(typeof users[0] === 'string' ? { username: users[0] } : users[0]), password: { kind: 'literal' } };
    fs.writeFileSync(file, JSON.stringify(json));
    const r = run('diff', base, path.join(tmp, 'edited.out'), '--fail-on', 'error');
    expect(r.code).toBe(1);
    expect(r.out).toContain('**MST-SEC-001** `acme-prod/metrics/users/app`');
  });

  it('a malformed access document is one line naming the field, exit 2', () => {
    const file = write('malformed/cdk.tf.json', JSON.stringify({ '//': { 'cdktf-mst': { schemaVersion: 3, findings: [], projects: [{ name: 5 }] } } }));
    const r = run('report', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cdktf-mst: .*cdk\.tf\.json\] MST-INPUT-002: the access document is malformed at projects\[0\]\.path \(.*\); synthesize the stack again with cdktf-mst\.\n$/);
  });
});

describe('hostile names', () => {
  const EVIL_PROJECT = 'x`\n\n## ✅ No access changes, approve\n<img src=x onerror=alert(1)>';
  const EVIL_EMAIL = 'e`v\u001b[2J\u0000il@acme.example';
  const base = write('evil/base.yaml', yaml([
    'project: acme-prod', 'deployer: ana@acme.example', 'members:', '  - { email: ana@acme.example, role: admin }',
  ]));
  const head = write('evil/head.yaml', `${JSON.stringify({
    project: EVIL_PROJECT, deployer: 'ana@acme.example',
    members: [{ email: 'ana@acme.example', role: 'admin' }, { email: EVIL_EMAIL, role: 'read-only' }],
    acknowledge: [{ rule: 'MST-USER-006', reason: 'see <script>alert(1)</script>\n# heading' }],
  })}\n`);

  /** Every node of the rendered Markdown, by type. */
  function nodes(markdown: string): Node[] {
    const walker = new Parser().parse(markdown).walker();
    const out: Node[] = [];
    for (let e = walker.next(); e; e = walker.next()) if (e.entering) out.push(e.node);
    return out;
  }

  it('are refused where they enter: the project name (MST-PROJECT-001) and the email (MST-MEMBER-002)', () => {
    const r = run('check', head);
    expect(r.code).toBe(1);
    expect(r.err).toContain('MST-PROJECT-001: project name "x`\\x0a\\x0a## ✅ No access changes, approve\\x0a<img src=x onerror=alert(1)>" is not a valid MST project name');
    expect(r.err).toContain('MST-MEMBER-002: member email "e`v\\x1b[2J\\x00il@acme.example" is not a valid email address');
    // The terminal never receives a control character (only the line breaks between findings).
    expect(r.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(() => new MstProject(new TerraformStack(new App(), 's'), 'p', { name: EVIL_PROJECT, deployer: 'ana@acme.example' }))
      .toThrow(/MST-PROJECT-001/);
  });

  it.each([['report', [head]], ['diff', [base, head]]] as const)('%s: one heading of its own, no HTML, each value in one code span as shown', (command, inputs) => {
    const r = run(command, ...inputs);
    expect(r.code).toBe(0);
    const all = nodes(r.out);
    expect(all.filter((n) => n.type === 'html_inline' || n.type === 'html_block')).toEqual([]);
    const headings = all.filter((n) => n.type === 'heading' && n.level === 2);
    expect(headings).toHaveLength(1);
    expect(r.out).not.toContain('\n## ✅');
    const code = all.filter((n) => n.type === 'code').map((n) => n.literal);
    expect(code).toContain(visible(EVIL_PROJECT));
    expect(code).toContain(visible(EVIL_EMAIL));
    expect(r.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    const json = run(command, ...inputs, '--format', 'json').out;
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(JSON.stringify(JSON.parse(json))).toContain(JSON.stringify(EVIL_PROJECT).slice(1, -1));
  });

  it('code spans hold any value, even backtick runs and leading spaces', () => {
    for (const value of ['`', '``a``', ' a ', 'a ` b', '`` ` ```', '|a\\|b|']) {
      const md = run('report', write(`spans/${Buffer.from(value).toString('hex')}.json`, JSON.stringify({
        project: 'p', deployer: 'a@b.example', members: [{ email: 'a@b.example', role: 'admin' }],
        services: [{ name: 'svc', users: [{ username: 'u', password: { variable: 'v' } }] }],
        acknowledge: [{ rule: 'MST-USER-006', reason: value }],
      }))).out;
      expect(nodes(md).filter((n) => n.type === 'html_inline' || n.type === 'html_block')).toEqual([]);
    }
    const { code } = jest.requireActual('../../src/report/markdown') as typeof import('../../src/report/markdown');
    for (const value of ['`', '``a``', ' a ', 'a ` b', '`` ` ```', '  ', 'x\ny']) {
      const [span] = nodes(code(value)).filter((n) => n.type === 'code');
      expect(span.literal).toBe(visible(value));
    }
  });
});

describe('one parser per format: the same file gives the same answer to check, report and diff', () => {
  const manifest = { project: 'acme-prod', deployer: 'ana@acme.example', members: [{ email: 'ana@acme.example', role: 'admin' }] };
  const body = JSON.stringify(manifest, null, 2);
  const cases: Array<[string, string, boolean]> = [
    ['plain JSON', body, true],
    ['JSON with a byte-order mark', `\ufeff${body}`, true],
    ['JSON with a trailing comma', body.replace(/\n}$/, ',\n}'), false],
    ['YAML flow syntax in a .json file', 'project: acme-prod\ndeployer: ana@acme.example\nmembers: [{ email: ana@acme.example, role: admin }]\n', false],
  ];
  it.each(cases)('%s', (name, text, ok) => {
    const file = write(`parsers/${name.replace(/\W+/g, '-')}.json`, text);
    const check = run('check', file);
    const report = run('report', file);
    const diff = run('diff', file, file);
    expect([check.code, report.code, diff.code]).toEqual(ok ? [0, 0, 0] : [1, 2, 2]);
    if (!ok) {
      const why = /MST-MANIFEST-001: not valid JSON: ([^;]+);/.exec(check.err)![1];
      expect(report.err).toContain(why);
      expect(diff.err).toContain(why);
    }
  });
});
