/**
 * Reads a manifest into the plain model (for `cdktf-mst check`, reports and
 * diffs) and into constructs (for stacks). Every problem of a file is reported
 * at once; nothing is built from a manifest with errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { Finding, finding, MstValidationError, sortFindings } from '../domain/findings';
import { Acknowledgement, ProjectSpec, SecretSource } from '../domain/model';
import { DEFAULT_PASSWORD_LENGTH, defaultAdminPasswordVariable } from '../domain/names';
import { ProjectRole } from '../domain/permissions';
import { validateProjects } from '../domain/validate';
import { parseStructuredText } from './parse';
import { Manifest, ManifestPassword, manifestSchema } from './schema';

/** A manifest that parsed and matched the schema, or every reason it did not. */
export type ParseResult =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly findings: Finding[] };

/**
 * Parses manifest text against the strict schema: JSON when `source` (the
 * file name, named in findings) ends in `.json`, YAML otherwise — the one
 * parser every command uses.
 */
export function parseManifest(text: string, source: string): ParseResult {
  const parsed = parseStructuredText(text, source);
  if (!parsed.ok) {
    const where = parsed.line !== undefined ? `${source}:${parsed.line}` : source;
    return { ok: false, findings: [finding('MST-MANIFEST-001', where, `not valid ${parsed.format}: ${parsed.message}`, 'correct the syntax')] };
  }
  return validateManifestData(parsed.data, source);
}

/** Checks already-parsed data (an object literal, a JSON import) against the schema. */
export function validateManifestData(data: unknown, source: string): ParseResult {
  const parsed = manifestSchema.safeParse(data);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  return { ok: false, findings: sortFindings(parsed.error.issues.flatMap((i) => issueFindings(i, source))) };
}

/** Reads and parses a manifest file; an unreadable file is a finding too. */
export function readManifest(file: string): ParseResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, findings: [finding('MST-MANIFEST-001', file, `cannot read the manifest (${code})`, 'check the path')] };
  }
  return parseManifest(text, path.basename(file));
}

/**
 * The manifest as the plain model. `root` is the construct path the project
 * will sit under (empty for `check`), so findings name the same paths either way.
 */
export function manifestToSpec(m: Manifest, root = ''): ProjectSpec {
  const p = root ? `${root}/${m.project}` : m.project;
  const acks: Acknowledgement[] = [];
  const ack = (at: string, list?: readonly { rule: string; reason: string }[]) =>
    list?.forEach((a) => acks.push({ path: at, ruleId: a.rule, reason: a.reason }));
  ack(p, m.acknowledge);
  const services = (m.services ?? []).map((s) => {
    const sp = `${p}/${s.name}`;
    ack(sp, s.acknowledge);
    return {
      path: sp,
      name: s.name,
      ...(s.state ? { state: s.state } : {}),
      ...(s.postgresVersion !== undefined ? { postgresVersion: s.postgresVersion } : {}),
      adminIsSuperuser: s.connection?.superuser ?? false,
      adminPassword: secretSource(s.adminPassword, { kind: 'variable', name: defaultAdminPasswordVariable(s.name), sensitive: true }),
      writeOnlyPasswords: s.writeOnlyPasswords ?? false,
      users: (s.users ?? []).map((u) => {
        const up = `${sp}/users/${u.username}`;
        ack(up, u.acknowledge);
        return {
          path: up,
          username: u.username,
          allowReplication: u.allowReplication ?? false,
          password: secretSource(u.password, { kind: 'generated', length: DEFAULT_PASSWORD_LENGTH }),
          passwordVersion: u.passwordVersion ?? 1,
        };
      }),
    };
  });
  return {
    path: p,
    name: m.project,
    deployer: m.deployer,
    members: m.members.map((x) => ({ path: `${p}/members/${x.email}`, email: x.email, role: ProjectRole.of(x.role) })),
    invitations: (m.invitations ?? []).map((x) => ({
      path: `${p}/invitations/${x.email}`, email: x.email, role: ProjectRole.of(x.role), invitedBy: x.invitedBy,
    })),
    ...(m.billing ? { billing: { path: `${p}/billing`, ...m.billing } } : {}),
    services,
    acknowledgements: acks,
  };
}

/** Every finding of a manifest file: schema problems, or the rules' findings. */
export function checkManifestFile(file: string): { spec?: ProjectSpec; findings: Finding[] } {
  const parsed = readManifest(file);
  if (!parsed.ok) return { findings: parsed.findings };
  const spec = manifestToSpec(parsed.manifest);
  return { spec, findings: validateProjects([spec]) };
}

/** Throws an MstValidationError carrying every error finding, if there is any. */
export function throwOnErrors(findings: readonly Finding[]): void {
  const errors = findings.filter((f) => f.level === 'error');
  if (errors.length > 0) throw new MstValidationError(errors);
}

export function secretSource(value: ManifestPassword | undefined, fallback: SecretSource): SecretSource {
  if (value === undefined) return fallback;
  if (typeof value === 'string') return { kind: 'literal' };
  if ('generated' in value) return { kind: 'generated', length: value.generated.length ?? DEFAULT_PASSWORD_LENGTH };
  return { kind: 'variable', name: value.variable, sensitive: true };
}

function issueFindings(issue: z.core.$ZodIssue, source: string): Finding[] {
  const where = `${source}: ${formatPath(issue.path)}`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => finding('MST-MANIFEST-001', where, `unknown key "${k}"`,
        'remove it or correct its spelling (see schema/mst-manifest.schema.json)', k));
    case 'invalid_union':
      if (issue.path[issue.path.length - 1] === 'password' || issue.path[issue.path.length - 1] === 'adminPassword') {
        return [finding('MST-MANIFEST-001', where, 'is neither { generated: { length } } nor { variable: NAME }',
          'write one of those two forms')];
      }
      return [finding('MST-MANIFEST-001', where, issue.message, 'correct the value')];
    case 'invalid_type':
      return [finding('MST-MANIFEST-001', where,
        issue.input === undefined ? 'is required but missing' : `expected ${issue.expected}, received ${describe(issue.input)}`,
        issue.input === undefined ? 'add it' : 'correct the value')];
    case 'invalid_value':
      return [finding('MST-MANIFEST-001', where, `${describe(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        'use one of the listed values', String(issue.input))];
    default:
      return [finding('MST-MANIFEST-001', where, `${issue.message} (received ${describe(issue.input)})`, 'correct the value')];
  }
}

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)';
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
