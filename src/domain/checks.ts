/**
 * Checks that judge one value on its own. Constructors call them to throw at
 * the point of declaration; the manifest checker calls them to report every
 * finding of a file at once.
 */
import { Finding, finding, MstValidationError, quote, shorten } from './findings';
import { ProjectRole } from './permissions';
import { UserBackend } from './backend';
import { userKey } from './conventions';
import { SecretSource } from './model';

// Deliberately simple: ASCII only, the RFC 5322 atom characters and dots before one @, a dotted
// domain after it; no spaces, quotes or control characters. Deliverability is MST's concern.
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
const SERVICE_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_BYTES = 63;

/** Role names PostgreSQL or MST keep for themselves (compared lowercased); `pg_*` is reserved too. */
export const RESERVED_USERNAMES: readonly string[] = [
  'all', 'current_role', 'current_user', 'default', 'none', 'postgres', 'public',
  'session_user', 'system_user', 'tsdbadmin', 'user',
];
const RESERVED = new Set(RESERVED_USERNAMES);

/**
 * Names of the properties every JavaScript object has (`constructor`, `__proto__`, ...), lowercased.
 * cdktf keys constructs and rendered blocks by name in plain objects, so it cannot hold one of these.
 */
const OBJECT_PROPERTIES = new Set(Object.getOwnPropertyNames(Object.prototype).map((n) => n.toLowerCase()));

/** Whether `name`, as a construct id or an object key (any case), would clash with a property of every object. */
export function isObjectPropertyName(name: string): boolean {
  return OBJECT_PROPERTIES.has(name.toLowerCase());
}

/** Variable names Terraform and OpenTofu refuse: the arguments and blocks of a module call. */
export const RESERVED_VARIABLE_NAMES: readonly string[] = [
  '_', 'count', 'depends_on', 'for_each', 'lifecycle', 'locals', 'provider', 'providers', 'source', 'version',
];
const RESERVED_VARIABLES = new Set(RESERVED_VARIABLE_NAMES);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Smallest generated password length accepted. */
export const MIN_PASSWORD_LENGTH = 24;

/** Longest generated password length accepted: a SHA-512 digest's 128 hexadecimal characters. */
export const MAX_PASSWORD_LENGTH = 128;

export function checkEmail(path: string, email: string, what: string): Finding[] {
  if (typeof email === 'string' && EMAIL.test(email) && email.length <= 254) return [];
  return [finding('MST-MEMBER-002', path, `${what} ${echo(email)} is not a valid email address`,
    'write a full address such as ana@acme.example', String(email))];
}

export function checkProjectName(path: string, name: string): Finding[] {
  if (PROJECT_NAME.test(name)) return [];
  return [finding('MST-PROJECT-001', path, `project name ${quote(name)} is not a valid MST project name`,
    'use letters, digits, hyphens and underscores, starting and ending with a letter or digit, at most 63 characters', name)];
}

export function checkServiceName(path: string, name: string): Finding[] {
  if (typeof name === 'string' && SERVICE_NAME.test(name)) {
    if (!isObjectPropertyName(name)) return [];
    return [finding('MST-SVC-002', path, `service name ${quote(name)} is the name of a property every JavaScript object has`,
      'rename the service (cdktf cannot key a construct by it)', name)];
  }
  return [finding('MST-SVC-002', path, `service name ${echo(name)} is not a valid MST service name`,
    'use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, at most 63 characters', name)];
}

export function checkPostgresVersion(path: string, version: number | undefined): Finding[] {
  if (version === undefined || (Number.isInteger(version) && version >= 12 && version < 100)) return [];
  return [finding('MST-SVC-004', path, `postgresVersion ${version} is not a PostgreSQL major version`,
    'give the major version as a whole number such as 16', String(version))];
}

export function checkUsername(path: string, username: string): Finding[] {
  if (typeof username !== 'string') {
    return [finding('MST-USER-001', path, `username ${echo(username)} is not a string`,
      'use at most 63 letters, digits and underscores, not starting with a digit', String(username))];
  }
  const bytes = Buffer.byteLength(username, 'utf8');
  if (!ROLE_NAME.test(username) || bytes > MAX_IDENTIFIER_BYTES) {
    const why = bytes > MAX_IDENTIFIER_BYTES
      ? `is ${bytes} bytes long (PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES})`
      : username === '' ? 'is empty'
        : /^[0-9]/.test(username) ? 'starts with a digit'
          : 'contains characters other than letters, digits and underscores';
    return [finding('MST-USER-001', path, `username ${quote(username)} ${why}`,
      'use at most 63 letters, digits and underscores, not starting with a digit', username)];
  }
  const lower = userKey(username);
  if (isObjectPropertyName(lower)) {
    return [finding('MST-USER-003', path,
      `username ${quote(username)} is reserved by JavaScript (every object has a property of that name, so cdktf cannot key a construct or a role by it)`,
      'choose another name', username)];
  }
  if (RESERVED.has(lower) || lower.startsWith('pg_')) {
    return [finding('MST-USER-003', path,
      `username ${quote(username)} is reserved by ${lower.startsWith('pg_') ? 'PostgreSQL (the pg_ prefix)' : lower === 'tsdbadmin' ? 'MST' : 'PostgreSQL'}`,
      'choose another name', username)];
  }
  return [];
}

/** The admin password: a sensitive variable, never generated or literal. */
export function checkAdminSecret(path: string, source: SecretSource, service: string): Finding[] {
  if (source.kind === 'generated') {
    return [finding('MST-SEC-004', path, `admin password of service ${quote(service)} is set to be generated`,
      'pass the password MST gave the service through a sensitive variable')];
  }
  return checkSecret(path, source, () => `admin password of service ${quote(service)}`);
}

/** A password source must never be a literal, and a variable must be sensitive. */
export function checkSecret(path: string, source: SecretSource, describe: () => string): Finding[] {
  if (source.kind === 'generated') return checkPasswordLength(path, source.length);
  const what = describe();
  switch (source.kind) {
    case 'literal':
      return [finding('MST-SEC-001', path, `${what} is a plaintext string`,
        'use a generated password or a sensitive variable (Secret.fromVariable, or `password: { variable: NAME }` in a manifest)')];
    case 'variable':
      if (source.hasDefault) {
        return [finding('MST-SEC-001', path,
          `${what} comes from variable ${quote(source.name)}, whose default is a plaintext password`,
          `remove the default and set TF_VAR_${shorten(source.name)} from the pipeline's secret store`, source.name)];
      }
      return source.sensitive ? [] : [finding('MST-SEC-002', path,
        `${what} comes from variable ${quote(source.name)}, which is not marked sensitive`,
        'declare the variable with sensitive: true', source.name)];
  }
}

const LENGTH_FIX = 'Secret.generated({ length }), or generated: { length } in a manifest';

/** A generated password's length: a whole number from 24 to 128. */
export function checkPasswordLength(path: string, length: unknown): Finding[] {
  if (typeof length === 'number' && Number.isInteger(length) && length >= MIN_PASSWORD_LENGTH && length <= MAX_PASSWORD_LENGTH) return [];
  const shown = typeof length === 'string' ? quote(length) : shorten(String(length));
  if (typeof length !== 'number' || !Number.isInteger(length)) {
    return [finding('MST-USER-007', path, `generated password length ${shown} is not a whole number`,
      `give a whole number from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} (${LENGTH_FIX})`, String(length))];
  }
  if (length < MIN_PASSWORD_LENGTH) {
    return [finding('MST-USER-007', path, `generated password length ${length} is below ${MIN_PASSWORD_LENGTH}`,
      `set the length to ${MIN_PASSWORD_LENGTH} or more (${LENGTH_FIX})`, String(length))];
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return [finding('MST-USER-007', path, `generated password length ${shown} is above ${MAX_PASSWORD_LENGTH}`,
      `set the length to at most ${MAX_PASSWORD_LENGTH}; longer adds no strength (${LENGTH_FIX})`, String(length))];
  }
  return [];
}

/** A password version: a whole number from 1. */
export function checkPasswordVersion(path: string, version: unknown, username: string, field = 'passwordVersion', of = `user ${quote(username)}`): Finding[] {
  if (typeof version === 'number' && Number.isInteger(version) && version >= 1) return [];
  const shown = typeof version === 'string' ? quote(version) : shorten(String(version));
  return [finding('MST-USER-008', path, `${field} ${shown} of ${of} is not a whole number from 1`,
    `start at 1 and bump it by one to rotate ${field === 'passwordVersion' ? 'the password' : 'every generated password'}`, String(version))];
}

/** A password variable's name: an identifier Terraform accepts as a variable name. */
export function checkVariableName(path: string, name: string, what: string): Finding[] {
  if (RESERVED_VARIABLES.has(name)) {
    return [finding('MST-VAR-001', path, `${what} comes from variable ${quote(name)}, a name Terraform reserves for module calls`,
      'rename the variable', name)];
  }
  if (!VARIABLE_NAME.test(name)) {
    return [finding('MST-VAR-001', path, `${what} comes from variable ${quote(name)}, which is not a valid Terraform variable name`,
      'use letters, digits, underscores and hyphens, not starting with a digit', name)];
  }
  return [];
}

/** What opens a Terraform template: an interpolation (`${`) or a directive (`%{`). */
const TEMPLATE = /[$%]\{/;

/**
 * A string the stack writes into Terraform as it is: the engine would
 * evaluate a template in it (`${var.other_password}`, `${file("/etc/passwd")}`)
 * when it plans with the deploy's credentials, so none may hold one.
 */
export function checkNoTemplate(path: string, value: unknown, what: string, whose = ''): Finding[] {
  if (typeof value !== 'string' || !TEMPLATE.test(value)) return [];
  return [finding('MST-TF-001', path, `${what} ${quote(value)}${whose} holds a Terraform template sequence (${quote(TEMPLATE.exec(value)![0])})`,
    'write the value itself (a host name, a database name), or, in typed code, pass a TerraformVariable\'s value instead of an expression in a string', value)];
}

/** The strings of a service's connection that reach the provider block as written. */
export function checkConnectionStrings(
  path: string, connection: Partial<Record<'host' | 'database' | 'username' | 'sslmode', unknown>>, service: string,
): Finding[] {
  return (['host', 'database', 'username', 'sslmode'] as const)
    .flatMap((key) => checkNoTemplate(path, connection[key], `the connection's ${key}`, ` of service ${quote(String(service))}`));
}

/** A value a message names: quoted when a string, as written otherwise. */
function echo(value: unknown): string {
  return typeof value === 'string' ? quote(value) : shorten(String(value));
}

/** The role spelled `id` (`admin`, `operator`, `developer`, `read-only`); throws an MstValidationError (MST-API-001) naming the accepted spellings otherwise. */
export function parseRole(id: string, path = 'role'): ProjectRole {
  const role = ProjectRole.tryOf(id);
  if (!role) {
    throw new MstValidationError([finding('MST-API-001', path,
      `unknown project role ${quote(String(id))}`, `use one of ${ProjectRole.ALL.map((r) => r.id).join(', ')}`, String(id))]);
  }
  return role;
}

/** An Aiven organization ID: `org` and letters and digits, as the console shows it. */
export function checkOrganizationId(path: string, id: unknown): Finding[] {
  if (typeof id === 'string' && /^org[A-Za-z0-9]{4,60}$/.test(id)) return [];
  return [finding('MST-BACKEND-002', path, `organization ID ${typeof id === 'string' ? quote(id) : shorten(String(id))} is not an Aiven organization ID`,
    'copy the ID (org…) from the console\'s organization settings', String(id))];
}

/** A backend given to the typed API: one of {@link UserBackend}'s constants. */
export function checkBackend(path: string, backend: unknown): Finding[] {
  if (backend === undefined || backend instanceof UserBackend) return [];
  return [finding('MST-API-001', path, `backend ${typeof backend === 'string' ? quote(backend) : shorten(String(backend))} is not a UserBackend`,
    'use UserBackend.POSTGRES_ROLES or UserBackend.MST_API', String(backend))];
}
