/**
 * Reads a manifest into the plain model (for `cdktf-mst check`, reports and
 * diffs) and into constructs (for stacks). Every problem of a file is reported
 * at once; nothing is built from a manifest with errors.
 */
import * as path from 'path';
import { z } from 'zod';
import { Finding, finding, quote, shorten, sortFindings } from '../domain/findings';
import { Acknowledgement, ConnectionSpec, ProjectSpec, SecretSource } from '../domain/model';
import {
  declarationPath, DEFAULT_ADMIN_IS_SUPERUSER, DEFAULT_ALLOW_REPLICATION, DEFAULT_PASSWORD_VERSION, DEFAULT_WRITE_ONLY_PASSWORDS,
  defaultAdminPassword, defaultConnection, generatedPassword,
} from '../domain/conventions';

import { validateProjects } from '../domain/validate';
import { parseRole } from '../domain/checks';
import { DEFAULT_BACKEND } from '../domain/backend';
import { GrantSpec } from '../domain/grants';
import { CappedRead, MANIFEST_LIMITS, MAX_MANIFEST_BYTES, readCapped, tooLargeText } from './limits';
import { checkExpanded, isJsonFile, ParseProblem, parseStructuredText } from './parse';
import { Manifest, ManifestGrant, ManifestPassword, manifestSchema } from './schema';

/** A manifest that parsed and matched the schema, or every reason it did not. */
export type ParseResult =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly findings: Finding[] };

/**
 * Parses manifest text against the strict schema: JSON when `source` (the
 * file name, named in findings) ends in `.json`, YAML otherwise — the one
 * parser every command uses. Past an input limit (size, nesting, YAML aliases)
 * the result is that one MST-MANIFEST-002 finding; text that is not valid or
 * whose meaning is ambiguous is one MST-MANIFEST-001 finding.
 */
export function parseManifest(text: string, source: string): ParseResult {
  const parsed = parseStructuredText(text, source, MANIFEST_LIMITS);
  if (!parsed.ok) return { ok: false, findings: [problemFinding(parsed.problem, source)] };
  return validateManifestData(parsed.data, source);
}

/** A parser's problem as the finding `check` prints: the line and column, never the text there. */
function problemFinding(p: ParseProblem, source: string): Finding {
  const where = p.line !== undefined ? `${source}:${p.line}` : source;
  const column = p.line !== undefined && p.column !== undefined ? ` (line ${p.line}, column ${p.column})` : '';
  if (p.kind === 'limit') {
    return finding('MST-MANIFEST-002', where, `the manifest ${p.message}`, /\bdeep\b/.test(p.message) ? `a manifest nests 7 deep at most: ${p.fix}` : p.fix);
  }
  if (p.kind === 'syntax') return finding('MST-MANIFEST-001', where, `not valid ${isJsonFile(source) ? 'JSON' : 'YAML'}: ${p.message}${column}`, p.fix);
  return finding('MST-MANIFEST-001', where, `the manifest ${p.message}${column}`, p.fix);
}

/** Checks already-parsed data (an object literal, a JSON import) against the limits and the schema. */
export function validateManifestData(data: unknown, source: string): ParseResult {
  const tooMuch = checkExpanded(data, MANIFEST_LIMITS);
  if (tooMuch && !tooMuch.ok) return { ok: false, findings: [problemFinding(tooMuch.problem, source)] };
  // reportInput: findings name the value received, not "nothing".
  const parsed = manifestSchema.safeParse(data, { reportInput: true });
  if (parsed.success) return { ok: true, manifest: parsed.data };
  return { ok: false, findings: sortFindings(parsed.error.issues.flatMap((i) => issueFindings(i, source))) };
}

/** Reads and parses a manifest file; an unreadable file is a finding too. */
export function readManifest(file: string): ParseResult {
  let read: CappedRead;
  try {
    read = readCapped(file, MAX_MANIFEST_BYTES);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, findings: [finding('MST-MANIFEST-001', file, `cannot read the manifest (${code})`, 'check the path')] };
  }
  if ('tooLarge' in read) {
    return { ok: false, findings: [finding('MST-MANIFEST-002', file, `the manifest ${tooLargeText(read.tooLarge.size, MAX_MANIFEST_BYTES)}`,
      'split the manifest or remove what makes it so large (see docs/input-limits.md)')] };
  }
  return parseManifest(read.text, path.basename(file));
}

/**
 * The manifest as the plain model. `root` is the construct path the project
 * will sit under (empty for `check`), so findings name the same paths either way.
 */
export function manifestToSpec(m: Manifest, root = ''): ProjectSpec {
  const p = root ? declarationPath.service(root, m.project) : m.project;
  const acks: Acknowledgement[] = [];
  const ack = (at: string, list?: readonly { rule: string; reason: string }[]) =>
    list?.forEach((a) => acks.push({ path: at, ruleId: a.rule, reason: a.reason }));
  ack(p, m.acknowledge);
  const services = (m.services ?? []).map((s) => {
    const sp = declarationPath.service(p, s.name);
    ack(sp, s.acknowledge);
    return {
      path: sp,
      name: s.name,
      ...(s.state ? { state: s.state } : {}),
      ...(s.postgresVersion !== undefined ? { postgresVersion: s.postgresVersion } : {}),
      adminIsSuperuser: s.connection?.superuser ?? DEFAULT_ADMIN_IS_SUPERUSER,
      connection: connectionSpec(s.name, s.connection),
      adminPassword: secretSource(s.adminPassword, defaultAdminPassword(s.name)),
      writeOnlyPasswords: s.writeOnlyPasswords ?? DEFAULT_WRITE_ONLY_PASSWORDS,
      ...((s.backend ?? m.backend ?? DEFAULT_BACKEND) !== DEFAULT_BACKEND ? { backend: s.backend ?? m.backend } : {}),
      users: (s.users ?? []).map((u) => {
        const up = declarationPath.user(sp, u.username);
        ack(up, u.acknowledge);
        return {
          path: up,
          username: u.username,
          allowReplication: u.allowReplication ?? DEFAULT_ALLOW_REPLICATION,
          password: secretSource(u.password, generatedPassword()),
          passwordVersion: u.passwordVersion ?? DEFAULT_PASSWORD_VERSION,
          ...(u.grants && u.grants.length > 0 ? { grants: u.grants.map((g) => grantSpec(g, s.name)) } : {}),
        };
      }),
    };
  });
  return {
    path: p,
    name: m.project,
    deployer: m.deployer,
    members: m.members.map((x) => ({ path: declarationPath.member(p, x.email), email: x.email, role: parseRole(x.role) })),
    invitations: (m.invitations ?? []).map((x) => ({
      path: declarationPath.invitation(p, x.email), email: x.email, role: parseRole(x.role), invitedBy: x.invitedBy,
    })),
    ...(m.billing ? { billing: { path: declarationPath.billing(p), ...m.billing } } : {}),
    ...(m.mstApi ? { mstApi: {
      path: declarationPath.mstApi(p), organizationId: m.mstApi.organizationId,
      ...(m.mstApi.apiToken ? { apiToken: { kind: 'variable' as const, name: m.mstApi.apiToken.variable, sensitive: true } } : {}),
    } } : {}),
    services,
    acknowledgements: acks,
  };
}

/** What `check` found: the model when the manifest parsed, and every finding. */
export interface CheckResult {
  readonly spec?: ProjectSpec;
  readonly findings: Finding[];
}

/** Every finding of a manifest file: a limit passed, schema problems, or the rules' findings. */
export function checkManifestFile(file: string): CheckResult {
  return checkParsed(readManifest(file));
}

/** Every finding of a manifest's text, as {@link checkManifestFile} for a file named `source`. */
export function checkManifestText(text: string, source: string): CheckResult {
  return checkParsed(parseManifest(text, source));
}

function checkParsed(parsed: ParseResult): CheckResult {
  if (!parsed.ok) return { findings: parsed.findings };
  const spec = manifestToSpec(parsed.manifest);
  return { spec, findings: manifestFindings(parsed.manifest, spec) };
}

/**
 * Every finding of a manifest that matched the schema: the rules', and what only
 * a manifest can get wrong — its project name becomes a construct id, which
 * cannot be a property every JavaScript object has (MST-API-002 for the typed API).
 */
export function manifestFindings(m: Manifest, spec: ProjectSpec): Finding[] {
  const findings = validateProjects([spec]);
  if (m.project in Object.prototype) {
    findings.unshift(finding('MST-API-002', spec.path, `project name ${quote(m.project)} is the name of a property every JavaScript object has`,
      'rename the project (loadManifest makes it a construct id)', m.project));
  }
  return findings;
}

/** A manifest grant as the model holds it; a membership in a user names its service (this one unless told otherwise). */
function grantSpec(g: ManifestGrant, service: string): GrantSpec {
  if ('read' in g) return { kind: 'read', ...g.read };
  if ('write' in g) return { kind: 'write', ...g.write };
  if ('connect' in g) return { kind: 'connect', database: g.connect };
  return typeof g.role === 'string' ? { kind: 'role', role: g.role } : { kind: 'role', role: g.role.user, service: g.role.service ?? service };
}

/** A manifest service's connection: what it states, MST's defaults for the rest. */
function connectionSpec(service: string, c: NonNullable<Manifest['services']>[number]['connection']): ConnectionSpec {
  const d = defaultConnection(service);
  const given = (v: string | number | undefined, fallback: ConnectionSpec['host']) => (v === undefined ? fallback : { literal: v });
  return {
    host: given(c?.host, d.host),
    port: given(c?.port, d.port),
    database: given(c?.database, d.database),
    username: given(c?.username, d.username),
    sslmode: given(c?.sslmode, d.sslmode),
  };
}
function secretSource(value: ManifestPassword | undefined, fallback: SecretSource): SecretSource {
  if (value === undefined) return fallback;
  if (typeof value === 'string') return { kind: 'literal' };
  if ('generated' in value) return generatedPassword(value.generated.length);
  return { kind: 'variable', name: value.variable, sensitive: true };
}

/** Whether a finding at `path` would sit inside a password: its values and keys are never echoed. */
function inPassword(p: readonly PropertyKey[]): boolean {
  return p.some((k) => k === 'password' || k === 'adminPassword');
}

function issueFindings(issue: z.core.$ZodIssue, source: string): Finding[] {
  const where = `${source}: ${formatPath(issue.path)}`;
  const secret = inPassword(issue.path);
  const received = () => describe(issue.input, secret);
  switch (issue.code) {
    case 'unrecognized_keys':
      if (secret) {
        return [finding('MST-MANIFEST-001', where, `${issue.keys.length} unknown key(s) in a password (not shown)`,
          'write { generated: { length: N } } or { variable: NAME }')];
      }
      return issue.keys.map((k) => finding('MST-MANIFEST-001', where, `unknown key ${quote(k)}`,
        'remove it or correct its spelling (see schema/mst-manifest.schema.json)', shorten(k)));
    case 'invalid_union':
      if (issue.path.length >= 2 && issue.path[issue.path.length - 2] === 'grants') {
        const keys = typeof issue.input === 'object' && issue.input !== null && !Array.isArray(issue.input)
          ? Object.keys(issue.input).map((k) => quote(k)).join(', ') : '';
        return [finding('MST-MANIFEST-001', where, `is not a grant (received ${keys ? `an object with key(s) ${keys}` : received()})`,
          'write exactly one of read: { schema }, write: { schema }, connect: DATABASE, role: NAME or role: { user: NAME }')];
      }
      if (secret) {
        return [finding('MST-MANIFEST-001', where, 'is neither { generated: { length } } nor { variable: NAME }',
          'write one of those two forms')];
      }
      return [finding('MST-MANIFEST-001', where, `${issue.message} (received ${received()})`, 'correct the value')];
    case 'invalid_type':
      if (issue.input === undefined) return [finding('MST-MANIFEST-001', where, 'is required but missing', 'add it')];
      return [finding('MST-MANIFEST-001', where,
        `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, received ${received()}`, 'correct the value')];
    case 'invalid_value':
      return [finding('MST-MANIFEST-001', where, `${received()} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        'use one of the listed values', secret ? undefined : shorten(String(issue.input)))];
    case 'too_small':
      return [finding('MST-MANIFEST-001', where, issue.origin === 'string' && Number(issue.minimum) === 1
        ? `${received()} is empty` : `${received()} is below the minimum ${String(issue.minimum)}`, 'correct the value')];
    case 'too_big':
      return [finding('MST-MANIFEST-001', where, `${received()} is above the maximum ${String(issue.maximum)}`, 'correct the value')];
    case 'invalid_format':
      return [finding('MST-MANIFEST-001', where, `${received()} is not ${issue.message}`, 'correct the value')];
    default:
      return [finding('MST-MANIFEST-001', where, `${issue.message} (received ${received()})`, 'correct the value')];
  }
}

function formatPath(p: readonly PropertyKey[]): string {
  if (p.length === 0) return '(top level)';
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${shorten(String(k))}`)).join('');
}

/** The value received, as a message names it; inside a password only its kind. */
function describe(v: unknown, secret = false): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (secret) return `a ${typeof v} (not shown: it sits in a password)`;
  if (typeof v === 'string') return quote(v);
  return `${typeof v} ${shorten(String(v))}`;
}
