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
import { ProjectSpec, ServiceSpec, UserSpec } from '../domain/model';
import { userResourceName } from '../domain/conventions';

/** The blocks of one stack's JSON files, by file (for messages). */
export interface StackBlocks {
  /** The stack's folder, as findings name it. */
  readonly stack: string;
  /** Each `*.tf.json` file of the stack folder (its path, as findings name it) and its parsed JSON. */
  readonly files: ReadonlyArray<{ readonly name: string; readonly json: unknown }>;
}

const FIX = 're-synthesize the stack with `cdktf synth` (the document and the blocks are written together; never edit either by hand)';

/** What the role block of `user` of `service` holds, as the library writes it ('//' comments aside); undefined fields are not checked. */
function expectedRole(service: ServiceSpec, user: UserSpec): Record<string, unknown> {
  const name = userResourceName(service.name, user.username);
  const reference = user.password.kind === 'generated' ? `\${random_password.${name}.result}`
    : user.password.kind === 'variable' ? `\${var.${user.password.name}}` : undefined;
  return {
    login: true,
    name: user.username,
    ...(service.writeOnlyPasswords
      ? { password_wo: reference, password_wo_version: String(user.passwordVersion) }
      : { password: reference }),
    provider: `postgresql.${service.name}`,
    replication: user.allowReplication,
  };
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
  const connection = (service as { connection?: unknown }).connection;
  if (isObject(connection)) {
    for (const key of ['host', 'port', 'database', 'username', 'sslmode']) {
      // Only a value written as it is in the block (a host, a port number) compares one to one.
      if (typeof connection[key] === 'string' || typeof connection[key] === 'number') expected[key] = connection[key];
    }
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
  if (key.startsWith('password') && key !== 'password_wo_version' && !(typeof v === 'string' && /^\$\{(var|random_password)\.[A-Za-z0-9_.-]+\}$/.test(v))) {
    return v === undefined ? 'nothing' : 'a value (not shown)';
  }
  return describeValue(v);
}

/** Whether a role block creates nothing: a `for_each` over an empty map (the guard on cdktf-mst 0.1's addresses). */
function createsNothing(block: Record<string, unknown>): boolean {
  return isObject(block.for_each) && Object.keys(block.for_each).length === 0 && block.count === undefined;
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

  const roles = new Map<string, { file: string; block: unknown }>();
  const providers = new Map<string, { file: string; block: unknown }>();
  for (const { name: file, json } of blocks.files) {
    if (!isObject(json)) continue;
    const resource = isObject(json.resource) ? json.resource.postgresql_role : undefined;
    if (resource !== undefined && !isObject(resource)) {
      findings.push(finding('MST-INPUT-003', at(file, 'resource.postgresql_role'), 'is not an object of role blocks', FIX));
    }
    for (const [name, block] of Object.entries(isObject(resource) ? resource : {})) {
      const address = `postgresql_role.${name}`;
      if (roles.has(name)) {
        findings.push(finding('MST-INPUT-003', at(file, address),
          `is declared again (also in ${base(roles.get(name)!.file)}); the engine would merge or refuse them`, FIX));
        continue;
      }
      roles.set(name, { file, block });
    }
    const provider = isObject(json.provider) ? json.provider.postgresql : undefined;
    for (const block of Array.isArray(provider) ? provider : provider === undefined ? [] : [provider]) {
      const alias = isObject(block) && typeof block.alias === 'string' ? block.alias : '';
      const address = alias ? `provider.postgresql.${alias}` : 'provider.postgresql';
      if (providers.has(alias)) {
        findings.push(finding('MST-INPUT-003', at(file, address), `is declared again (also in ${base(providers.get(alias)!.file)})`, FIX));
        continue;
      }
      providers.set(alias, { file, block });
    }
  }

  const described = new Set<string>();
  for (const service of (projects ?? []).flatMap((p) => p.services)) {
    // The provider block of the service: the connection its users' roles are created over.
    const provider = providers.get(service.name);
    if (!provider) {
      findings.push(finding('MST-INPUT-003', `${blocks.stack}: provider.postgresql.${service.name}`,
        `service ${quote(service.name)} of the access document has no provider block`, FIX));
    } else {
      const block = isObject(provider.block) ? provider.block : {};
      for (const [key, want] of Object.entries(expectedProvider(service))) {
        if (block[key] === want) continue;
        findings.push(finding('MST-INPUT-003', at(provider.file, `provider.postgresql.${service.name}`),
          `${key} is ${shown(key, block[key])}, but the access document says ${describeValue(want)}`, FIX));
      }
    }
    for (const user of service.users) {
      const name = userResourceName(service.name, user.username);
      const address = `postgresql_role.${name}`;
      described.add(name);
      const role = roles.get(name);
      if (!role) {
        findings.push(finding('MST-INPUT-003', `${blocks.stack}: ${address}`,
          `user ${quote(user.username)} of service ${quote(service.name)} is in the access document but has no role block`, FIX));
        continue;
      }
      if (!isObject(role.block)) {
        findings.push(finding('MST-INPUT-003', at(role.file, address), 'is not an object', FIX));
        continue;
      }
      const expected = expectedRole(service, user);
      for (const key of new Set([...Object.keys(expected), ...Object.keys(role.block)])) {
        if (key === '//') continue;
        const want = expected[key];
        const have = role.block[key];
        if (!(key in expected)) {
          findings.push(finding('MST-INPUT-003', at(role.file, address), `sets ${quote(key)}, which the library never writes`, FIX));
        } else if (want !== undefined && have !== want) {
          findings.push(finding('MST-INPUT-003', at(role.file, address),
            `${key} is ${shown(key, have)}, but the access document says ${describeValue(want)}`, FIX));
        }
      }
    }
  }
  for (const [name, { file, block }] of roles) {
    if (described.has(name) || (isObject(block) && createsNothing(block))) continue;
    findings.push(finding('MST-INPUT-003', at(file, `postgresql_role.${name}`), projects === undefined
      ? 'describes a role, but the stack carries no access document to judge it by'
      : 'describes a role that is no user of the access document', FIX));
  }
  return findings;
}
