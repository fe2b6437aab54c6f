/**
 * Regenerates the docs' generated blocks from the data they describe: the
 * permission table in README.md from the matrix; in RULES.md, what each kind
 * of change needs and the rule catalogue from RULES, with an example message
 * taken from test/fixtures/rules/<RULE>.yaml; the same needs table in
 * docs/reviewing-access.md.
 *
 *   npm run docs                                        # rewrite them
 *   npm run docs -- --check                             # exit 1 if one is stale
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, TerraformStack, Testing } from 'cdktf';
import { MstProject } from '../src/constructs/project';
import { MstService } from '../src/constructs/service';
import { formatFinding, Finding, MstValidationError } from '../src/domain/findings';
import { GOVERNING, PERMISSIONS, PERMISSION_LABELS, ProjectRole, rolesHolding } from '../src/domain/permissions';
import { RULES } from '../src/domain/rules';
import { validateProjects } from '../src/domain/validate';
import { checkManifestFile, manifestToSpec, readManifest } from '../src/manifest/load';
import { diffAccess } from '../src/report/diff';
import { changeLine } from '../src/report/markdown';
import { InputError, readAccessInput } from '../src/report/input';
import { checkDeclarationsAgree } from '../src/domain/agreement';

const ROOT = path.resolve(__dirname, '..');
export const RULE_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'rules');

/** The diff rules' examples: a base/head pair under test/fixtures/report. */
export const DIFF_RULE_FIXTURES: Readonly<Record<string, string>> = {
  'MST-DIFF-001': 'deployer-lacks-invite',
  'MST-DIFF-002': 'self-role-change',
  'MST-DIFF-003': 'beyond-deployer',
  'MST-DIFF-004': 'deployer-lacks-permission',
  'MST-DIFF-005': 'connections',
  'MST-DIFF-006': 'connections',
  'MST-DIFF-007': 'connections',
  'MST-DIFF-008': 'connections',
  'MST-DIFF-009': 'connections',
};

/**
 * The input rules' examples: what `cdktf-mst report` is given, under
 * test/fixtures/rules/<RULE>/, and named relative to that folder.
 */
export const INPUT_RULE_EXAMPLES: Readonly<Record<string, string>> = {
  'MST-INPUT-001': 'main.tf',
  'MST-INPUT-002': 'cdktf.out/stacks/acme-access/cdk.tf.json',
  'MST-INPUT-003': 'cdktf.out/stacks/acme-access',
};

/** The example line the catalogue shows for `ruleId`. */
export function ruleExample(ruleId: string): string {
  const input = INPUT_RULE_EXAMPLES[ruleId];
  if (input) {
    const dir = path.join(RULE_FIXTURES, ruleId);
    try {
      readAccessInput(path.join(dir, input));
    } catch (e) {
      if (!(e instanceof InputError) || e.finding.ruleId !== ruleId) throw e;
      return formatFinding({ ...e.finding, path: path.relative(dir, e.finding.path) });
    }
    throw new Error(`the example of ${ruleId} was read without an error`);
  }
  const pair = DIFF_RULE_FIXTURES[ruleId];
  if (pair) {
    const dir = path.join(ROOT, 'test', 'fixtures', 'report', pair);
    const diff = diffAccess(readAccessInput(path.join(dir, 'base.yaml')), readAccessInput(path.join(dir, 'head.yaml')));
    // An escalation rule names a kind of change: its example is the change as the diff lists it.
    const change = diff.changes.find((c) => 'rule' in c && c.rule === ruleId && c.escalation);
    if (change) return changeLine(change, false);
    const error = diff.errors.find((e) => e.ruleId === ruleId);
    if (!error) throw new Error(`no example diff error for ${ruleId}`);
    return formatFinding(error as Finding);
  }
  const example = fixtureFindings(ruleId).find((f) => f.ruleId === ruleId);
  if (!example) throw new Error(`no example finding for ${ruleId}`);
  return formatFinding(example);
}

/**
 * Rules only the typed API can break (a manifest cannot express them): their
 * example is a declaration, and the finding it throws.
 */
export const TYPED_RULE_EXAMPLES: Readonly<Record<string, () => unknown>> = {
  'MST-API-001': () => typedProject().addMember('dev@acme.example', 'owner' as never),
  'MST-API-002': () => {
    const project = typedProject();
    return new MstProject(project.node.scope!, 'acme-prod', { deployer: 'ci@acme.example' });
  },
  'MST-API-003': () => {
    const project = typedProject();
    return new MstService(new TerraformStack(project.node.root, 'acme-replicas'), 'replicas', { project });
  },
  'MST-BACKEND-003': () => {
    const saved = process.env.SYNTH_HCL_OUTPUT;
    process.env.SYNTH_HCL_OUTPUT = 'true';
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mst-docs-')), hclOutput: true });
    try {
      const project = new MstProject(new TerraformStack(app, 'acme-access'), 'acme-prod', {
        deployer: 'ci@acme.example', mstApi: { organizationId: 'org1a2b3c4d5e6' },
      });
      project.addMember('ci@acme.example', ProjectRole.ADMIN);
      app.synth();
    } finally {
      if (saved === undefined) delete process.env.SYNTH_HCL_OUTPUT; else process.env.SYNTH_HCL_OUTPUT = saved;
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  },
};

function typedProject(): MstProject {
  const project = new MstProject(new TerraformStack(Testing.app(), 'acme-access'), 'acme-prod', { deployer: 'ci@acme.example' });
  project.addMember('ci@acme.example', ProjectRole.ADMIN);
  return project;
}

/**
 * The findings of the rule's fixture manifest; MST-SEC-002 and the typed API's
 * rules cannot be written in a manifest and are built here; MST-PROJECT-002
 * judges the manifests of a folder together, as the stacks of one app.
 */
export function fixtureFindings(ruleId: string): Finding[] {
  const typed = TYPED_RULE_EXAMPLES[ruleId];
  if (typed) {
    try {
      typed();
    } catch (e) {
      if (e instanceof MstValidationError) return [...e.findings];
      throw e;
    }
    throw new Error(`the example of ${ruleId} threw nothing`);
  }
  const folder = path.join(RULE_FIXTURES, ruleId);
  if (fs.existsSync(folder) && fs.statSync(folder).isDirectory()) {
    const specs = fs.readdirSync(folder).sort().map((f) => {
      const parsed = readManifest(path.join(folder, f));
      if (!parsed.ok) throw new Error(`${ruleId}/${f} does not parse`);
      return manifestToSpec(parsed.manifest, path.basename(f, path.extname(f)));
    });
    return [...specs.flatMap((s) => validateProjects([s])), ...checkDeclarationsAgree(specs)];
  }
  if (ruleId === 'MST-SEC-002') {
    const parsed = readManifest(path.join(RULE_FIXTURES, 'MST-SEC-001.yaml'));
    if (!parsed.ok) throw new Error('MST-SEC-001 fixture does not parse');
    const spec = manifestToSpec(parsed.manifest);
    const service = spec.services[0];
    const users = service.users.map((u) => ({ ...u, password: { kind: 'variable' as const, name: 'grafana_password', sensitive: false } }));
    return validateProjects([{ ...spec, services: [{ ...service, users }] }]);
  }
  return checkManifestFile(path.join(RULE_FIXTURES, `${ruleId}.yaml`)).findings;
}

function matrixTable(): string {
  const head = `| Role | ${PERMISSIONS.map((p) => PERMISSION_LABELS[p]).join(' | ')} |`;
  const rule = `|${'-|'.repeat(PERMISSIONS.length + 1)}`;
  const rows = ProjectRole.ALL.map((r) => `| ${r.label} (\`${r.id}\`) | ${PERMISSIONS.map((p) => (r.can(p) ? '✅' : '❌')).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

function ruleCatalogue(): string {
  return RULES.map((r) => {
    return [
      `### ${r.id} (${r.level})`,
      r.summary,
      '',
      r.explanation,
      '',
      '```',
      ruleExample(r.id),
      '```',
    ].join('\n');
  }).join('\n\n');
}

/** What each kind of change needs, and which roles hold it: read from GOVERNING and the matrix. */
function needsTable(): string {
  const rows = Object.values(GOVERNING).map((g) =>
    `| ${g.what} | ${PERMISSION_LABELS[g.permission]} | ${rolesHolding(g.permission).map((r) => r.label).join(', ')} |`);
  return ['| Change | Needs | Held by |', '|-|-|-|', ...rows].join('\n');
}

export function renderReadme(readme: string): string {
  return replaceBlock(readme, 'matrix', matrixTable());
}

/** RULES.md: what the deployer needs for each kind of change, then the catalogue. */
export function renderRules(doc: string): string {
  return replaceBlock(replaceBlock(doc, 'needs', needsTable()), 'rules', ruleCatalogue());
}

/** docs/reviewing-access.md carries the same generated table. */
export function renderReviewDoc(doc: string): string {
  return replaceBlock(doc, 'needs', needsTable());
}

function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start (generated by tools/docs.ts) -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`the ${name} markers are missing`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

if (require.main === module) {
  const docs = [['README.md', renderReadme], ['RULES.md', renderRules], [path.join('docs', 'reviewing-access.md'), renderReviewDoc]] as const;
  for (const [name, render] of docs) {
    const file = path.join(ROOT, name);
    const current = fs.readFileSync(file, 'utf8');
    const next = render(current);
    if (process.argv.includes('--check')) {
      if (next !== current) {
        process.stderr.write(`${name} is stale; run: npm run docs\n`);
        process.exit(1);
      }
    } else {
      fs.writeFileSync(file, next);
    }
  }
}
