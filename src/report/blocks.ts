/**
 * Whether a synthesized stack's access document describes the blocks beside
 * it. `report` and `diff` judge the document; the engine applies the blocks.
 * A document left as it was while the blocks changed (a role added, made a
 * replication role, pointed at another password or another service's
 * connection) would let a change through unjudged, so every `postgresql_role`
 * block must be a user of the document, written as this library writes it,
 * and every user of the document must have its block; each service's provider
 * block must connect as the document says.
 *
 * Pure: the stack's JSON in, findings (MST-INPUT-003) out.
 */
import { finding, Finding, quote } from '../domain/findings';
import { ConnectionSetting, ProjectSpec, ServiceSpec, UserSpec } from '../domain/model';
import { userResourceName } from '../domain/conventions';
import { mstApiFragment } from '../render/mst-api';
import { roleBlock, roleType } from '../render/role-block';

/** The blocks of one stack's JSON files, by file (for messages). */
export interface StackBlocks {
  /** The stack's folder, as findings name it. */
  readonly stack: string;
  /** Each `*.tf.json` file of the stack folder (its path, as findings name it) and its parsed JSON. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly json: unknown }>;
}

const FIX = 're-synthesize the stack with `cdktf synth` (the document and the blocks are written together; never edit either by hand)';

/**
 * What the role block of `user` of `service` holds, as the renderer writes it
 * (render/role-block.ts; '//' comments aside). A `lifecycle` (the escape
 * hatch's prevent_destroy, ignore_changes) is the user's to add, beside the
 * one the renderer writes for a member of a role: it changes no one's access.
 */
function expectedRole(project: ProjectSpec, service: ServiceSpec, user: UserSpec): Record<string, unknown> {
  const { type, body } = roleBlock({ name: service.name, project: project.name, backend: service.backend, writeOnlyPasswords: service.writeOnlyPasswords }, user);
  return { lifecycle: undefined, ...(type === 'postgresql_role' ? PROVIDER_DEFAULTS : {}), ...body };
}

/** What the renderer leaves out of a `postgresql_role` block at the provider's default: a block may hold it or nothing. */
const PROVIDER_DEFAULTS: Readonly<Record<string, unknown>> = { replication: false };

/** A connection setting as the provider block renders it. */
function rendered(setting: ConnectionSetting): unknown {
  return 'literal' in setting ? setting.literal : 'variable' in setting ? `\${var.${setting.variable}}` : setting.expression;
}

/**
 * The connection fields a service's provider block must hold, from what the
 * document records: the admin password's variable and whether the admin is a
 * superuser always; host, port, database, username and sslmode when the
 * document records the service's connection.
 */
function expectedProvider(service: ServiceSpec): Record<string, unknown> {
  const expected: Record<string, unknown> = { alias: service.name, superuser: service.adminIsSuperuser };
  if (service.adminPassword.kind === 'variable') expected.password = `\${var.${service.adminPassword.name}}`;
  const connection = service.connection;
  if (connection) {
    for (const key of ['host', 'port', 'database', 'username', 'sslmode'] as const) expected[key] = rendered(connection[key]);
  }
  return expected;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

/** A block's value as a message names it: a password that is not a reference may be a password itself, and is not shown. */
function shown(key: string, v: unknown): string {
  if (key.startsWith('password') && key !== 'password_wo_version'
    && !(typeof v === 'string' && (/^\$\{var\.[A-Za-z0-9_.-]+\}$/.test(v) || /^\$\{substr\(sha512\(/.test(v)))) {
    return v === undefined ? 'nothing' : 'a value (not shown)';
  }
  return describeValue(v);
}

/**
 * Every MST-INPUT-003 finding of one stack: where its document and its blocks
 * disagree. `projects` undefined: the stack carries no document, so any role
 * block it declares would be applied unjudged.
 */
export function checkDocumentAgainstBlocks(projects: readonly ProjectSpec[] | undefined, blocks: StackBlocks): Finding[] {
  const findings: Finding[] = [];
  const at = (file: string, address: string) => `${file}: ${address}`;
  const base = (file: string) => file.split(/[\\/]/).pop();

  // Every role block of either backend, by address; every provider configuration by type and alias.
  const roles = new Map<string, { file: string; block: unknown }>();
  const providers = new Map<string, { file: string; block: unknown }>();
  const apiBlocks = new Map<string, { file: string; block: unknown }>();
  for (const { name: file, json } of blocks.files) {
    if (!isObject(json)) continue;
    for (const type of ROLE_TYPES) {
      const resource = isObject(json.resource) ? json.resource[type] : undefined;
      if (resource !== undefined && !isObject(resource)) {
        findings.push(finding('MST-INPUT-003', at(file, `resource.${type}`), 'is not an object of role blocks', FIX));
      }
      for (const [name, block] of Object.entries(isObject(resource) ? resource : {})) {
        const address = `${type}.${name}`;
        if (roles.has(address)) {
          findings.push(finding('MST-INPUT-003', at(file, address),
            `is declared again (also in ${base(roles.get(address)!.file)}); the engine would merge or refuse them`, FIX));
          continue;
        }
        roles.set(address, { file, block });
      }
    }
    for (const type of ['postgresql', 'aiven']) {
      const provider = isObject(json.provider) ? json.provider[type] : undefined;
      for (const block of Array.isArray(provider) ? provider : provider === undefined ? [] : [provider]) {
        const alias = isObject(block) && typeof block.alias === 'string' ? block.alias : '';
        const address = alias ? `provider.${type}.${alias}` : `provider.${type}`;
        if (providers.has(address)) {
          findings.push(finding('MST-INPUT-003', at(file, address), `is declared again (also in ${base(providers.get(address)!.file)})`, FIX));
          continue;
        }
        providers.set(address, { file, block });
      }
    }
    // The MST API backend's project and service blocks, which decide members' roles and the running check.
    for (const [section, types] of [['resource', ['aiven_organization_permission']], ['data', ['aiven_pg', 'aiven_organization_user_list']]] as const) {
      for (const type of types) {
        const byName = isObject(json[section]) ? (json[section] as Record<string, unknown>)[type] : undefined;
        for (const [name, block] of Object.entries(isObject(byName) ? byName : {})) apiBlocks.set(`${section}.${type}.${name}`, { file, block });
      }
    }
  }

  const described = new Set<string>();
  for (const project of projects ?? []) {
    for (const service of project.services) {
      // The provider block of the service: the connection its users' roles (or, on the MST API backend, their grants) go over.
      const needsProvider = service.backend !== 'mst-api' || service.users.some((u) => (u.grants ?? []).length > 0);
      const provider = providers.get(`provider.postgresql.${service.name}`);
      if (!provider) {
        if (needsProvider) {
          findings.push(finding('MST-INPUT-003', `${blocks.stack}: provider.postgresql.${service.name}`,
            `service ${quote(service.name)} of the access document has no provider block`, FIX));
        }
      } else {
        const block = isObject(provider.block) ? provider.block : {};
        for (const [key, want] of Object.entries(expectedProvider(service))) {
          if (block[key] === want) continue;
          findings.push(finding('MST-INPUT-003', at(provider.file, `provider.postgresql.${service.name}`),
            `${key} is ${shown(key, block[key])}, but the access document says ${describeValue(want)}`, FIX));
        }
      }
      for (const user of service.users) checkRole(project, service, user);
    }
  }
  findings.push(...checkMstApiBlocks(projects ?? [], apiBlocks, at));
  for (const [address, { file }] of roles) {
    if (described.has(address)) continue;
    findings.push(finding('MST-INPUT-003', at(file, address), projects === undefined
      ? 'describes a role, but the stack carries no access document to judge it by'
      : 'describes a role that is no user of the access document', FIX));
  }
  return findings;

  function checkRole(project: ProjectSpec, service: ServiceSpec, user: UserSpec): void {
    const address = `${roleType(service.backend)}.${userResourceName(service.name, user.username)}`;
    described.add(address);
    const role = roles.get(address);
    if (!role) {
      findings.push(finding('MST-INPUT-003', `${blocks.stack}: ${address}`,
        `user ${quote(user.username)} of service ${quote(service.name)} is in the access document but has no role block`, FIX));
      return;
    }
    if (!isObject(role.block)) {
      findings.push(finding('MST-INPUT-003', at(role.file, address), 'is not an object', FIX));
      return;
    }
    const expected = expectedRole(project, service, user);
    for (const key of new Set([...Object.keys(expected), ...Object.keys(role.block)])) {
      if (key === '//') continue;
      const want = expected[key];
      const have = role.block[key] === undefined && roleType(service.backend) === 'postgresql_role' && key in PROVIDER_DEFAULTS
        ? PROVIDER_DEFAULTS[key] : role.block[key];
      if (!(key in expected)) {
        findings.push(finding('MST-INPUT-003', at(role.file, address), `sets ${quote(key)}, which the library never writes`, FIX));
      } else if (want !== undefined && canonical(have) !== canonical(want)) {
        findings.push(finding('MST-INPUT-003', at(role.file, address),
          `${key} is ${shown(key, have)}, but the access document says ${describeValue(want)}`, FIX));
      }
    }
  }
}

const ROLE_TYPES = ['postgresql_role', 'aiven_pg_user'] as const;

/**
 * The MST API backend's blocks, re-rendered from the document and compared
 * whole: the organization permission (every member's role), the organization's
 * users and the live services. A block the document does not describe, or
 * one that differs from what the document renders to, is refused.
 */
function checkMstApiBlocks(
  projects: readonly ProjectSpec[],
  found: ReadonlyMap<string, { file: string; block: unknown }>,
  at: (file: string, address: string) => string,
): Finding[] {
  const findings: Finding[] = [];
  const fragment = mstApiFragment(projects);
  const expected = new Map<string, unknown>();
  for (const [section, blocks] of [['resource', fragment?.resource ?? {}], ['data', fragment?.data ?? {}]] as const) {
    for (const [type, byName] of Object.entries(blocks)) {
      for (const [name, block] of Object.entries(byName)) expected.set(`${section}.${type}.${name}`, block);
    }
  }
  for (const [address, block] of expected) {
    const have = found.get(address);
    const shownAddress = address.replace(/^resource\./, '');
    if (!have) {
      findings.push(finding('MST-INPUT-003', shownAddress, 'is in what the access document renders to, but not in the stack', FIX));
    } else if (canonical(withoutComments(have.block)) !== canonical(block)) {
      findings.push(finding('MST-INPUT-003', at(have.file, shownAddress), 'differs from what the access document renders to', FIX));
    }
  }
  for (const [address, { file }] of found) {
    if (!expected.has(address)) {
      findings.push(finding('MST-INPUT-003', at(file, address.replace(/^resource\./, '')), 'is a block the access document does not describe', FIX));
    }
  }
  return findings;
}

/** JSON with every object's keys sorted: the files are written so, the renderer need not be. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

/** A block without cdktf's `//` comments. */
function withoutComments(block: unknown): unknown {
  if (!isObject(block)) return block;
  return Object.fromEntries(Object.entries(block).filter(([k]) => k !== '//'));
}
