/**
 * Checks that judge one value on its own. Constructors call them to throw at
 * the point of declaration; the manifest checker calls them to report every
 * finding of a file at once.
 */
import { Finding, finding } from './findings';
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

/** Length of generated passwords unless told otherwise. */
export const DEFAULT_PASSWORD_LENGTH = 32;

/** Smallest generated password length accepted. */
export const MIN_PASSWORD_LENGTH = 24;

/**
 * Prefix of a service's variables (`<prefix>_host`, `<prefix>_admin_password`):
 * hyphens become underscores so `TF_VAR_<prefix>_…` is a valid shell name.
 * Service names hold no underscore, so no two services share a prefix.
 */
export function serviceVariablePrefix(serviceName: string): string {
  return serviceName.replace(/-/g, '_');
}

/** The variable an MST service's admin password comes from unless told otherwise. */
export function defaultAdminPasswordVariable(serviceName: string): string {
  return `${serviceVariablePrefix(serviceName)}_admin_password`;
}

/** Emails are compared case-insensitively everywhere. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export function checkEmail(path: string, email: string, what: string): Finding[] {
  if (EMAIL.test(email) && email.length <= 254) return [];
  return [finding('MST-MEMBER-002', path, `${what} "${email}" is not a valid email address`,
    'write a full address such as ana@acme.example', email)];
}

export function checkProjectName(path: string, name: string): Finding[] {
  if (PROJECT_NAME.test(name)) return [];
  return [finding('MST-PROJECT-001', path, `project name "${name}" is not a valid MST project name`,
    'use letters, digits, hyphens and underscores, starting and ending with a letter or digit, at most 63 characters', name)];
}

export function checkServiceName(path: string, name: string): Finding[] {
  if (SERVICE_NAME.test(name)) return [];
  return [finding('MST-SVC-002', path, `service name "${name}" is not a valid MST service name`,
    'use lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, at most 63 characters', name)];
}

export function checkPostgresVersion(path: string, version: number | undefined): Finding[] {
  if (version === undefined || (Number.isInteger(version) && version >= 12 && version < 100)) return [];
  return [finding('MST-SVC-004', path, `postgresVersion ${version} is not a PostgreSQL major version`,
    'give the major version as a whole number such as 16', String(version))];
}

export function checkUsername(path: string, username: string): Finding[] {
  const bytes = Buffer.byteLength(username, 'utf8');
  if (!ROLE_NAME.test(username) || bytes > MAX_IDENTIFIER_BYTES) {
    const why = bytes > MAX_IDENTIFIER_BYTES
      ? `is ${bytes} bytes long (PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES})`
      : username === '' ? 'is empty'
        : /^[0-9]/.test(username) ? 'starts with a digit'
          : 'contains characters other than letters, digits and underscores';
    return [finding('MST-USER-001', path, `username "${username}" ${why}`,
      'use at most 63 letters, digits and underscores, not starting with a digit', username)];
  }
  const lower = username.toLowerCase();
  if (RESERVED.has(lower) || lower.startsWith('pg_')) {
    return [finding('MST-USER-003', path,
      `username "${username}" is reserved by ${lower.startsWith('pg_') ? 'PostgreSQL (the pg_ prefix)' : lower === 'tsdbadmin' ? 'MST' : 'PostgreSQL'}`,
      'choose another name', username)];
  }
  return [];
}

/** The admin password: a sensitive variable, never generated or literal. */
export function checkAdminSecret(path: string, source: SecretSource, service: string): Finding[] {
  if (source.kind === 'generated') {
    return [finding('MST-SEC-004', path, `admin password of service "${service}" is set to be generated`,
      'pass the password MST gave the service through a sensitive variable')];
  }
  return checkSecret(path, source, `admin password of service "${service}"`);
}

/** A password source must never be a literal, and a variable must be sensitive. */
export function checkSecret(path: string, source: SecretSource, what: string): Finding[] {
  switch (source.kind) {
    case 'literal':
      return [finding('MST-SEC-001', path, `${what} is a plaintext string`,
        'use a generated password or a sensitive variable (Secret.fromVariable, or `password: { variable: NAME }` in a manifest)')];
    case 'variable':
      return source.sensitive ? [] : [finding('MST-SEC-002', path,
        `${what} comes from variable "${source.name}", which is not marked sensitive`,
        'declare the variable with sensitive: true', source.name)];
    case 'generated':
      return source.length >= MIN_PASSWORD_LENGTH ? [] : [finding('MST-USER-007', path,
        `generated password length ${source.length} is below ${MIN_PASSWORD_LENGTH}`,
        `set passwordLength to ${MIN_PASSWORD_LENGTH} or more`, String(source.length))];
  }
}
