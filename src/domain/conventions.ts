/**
 * What a declaration gets without stating it, decided here once for the typed
 * constructs, the manifest, the access document and the reports: defaults,
 * the key a username is unique by, the variables a service reads, and the
 * construct path of each declaration.
 */
import { ConnectionSpec, SecretSource, ServiceSpec } from './model';

/** Length of generated passwords unless told otherwise. */
export const DEFAULT_PASSWORD_LENGTH = 32;

/** A user's password version, and a service's passwords version, unless told otherwise; bumped to rotate. */
export const DEFAULT_PASSWORD_VERSION = 1;

/** The defaults of the flags of services and users: off unless set. */
export const DEFAULT_ALLOW_REPLICATION = false;
export const DEFAULT_WRITE_ONLY_PASSWORDS = false;
export const DEFAULT_ADMIN_IS_SUPERUSER = false;

/** A generated password of `length` characters (by default {@link DEFAULT_PASSWORD_LENGTH}). */
export function generatedPassword(length: number = DEFAULT_PASSWORD_LENGTH): SecretSource {
  return { kind: 'generated', length };
}

/** Whether `source` is the password a user gets unless told otherwise. */
export function isDefaultUserPassword(source: SecretSource): boolean {
  return source.kind === 'generated' && source.length === DEFAULT_PASSWORD_LENGTH;
}

/** Emails are compared case-insensitively everywhere: the key of a member, an invitation, an inviter. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Usernames are unique case-insensitively within a service: the key a user is known by (role names, outputs, diffs). */
export function userKey(username: string): string {
  return username.toLowerCase();
}

/**
 * Prefix of a service's variables (`<prefix>_host`, `<prefix>_admin_password`):
 * hyphens become underscores so `TF_VAR_<prefix>_…` is a valid shell name.
 * Service names hold no underscore, so no two services share a prefix.
 */
export function serviceVariablePrefix(serviceName: string): string {
  return serviceName.replace(/-/g, '_');
}

/**
 * Name of a user's blocks (`postgresql_role.<name>`, `random_password.<name>`):
 * `<service>_<user key>`. Service names hold no underscore and user keys are
 * unique per service, so no two users of a stack share it
 * (`metrics-x` + `y` is `metrics-x_y`, `metrics` + `x_y` is `metrics_x_y`).
 */
export function userResourceName(serviceName: string, username: string): string {
  return `${serviceName}_${userKey(username)}`;
}

/**
 * Name of the `random_bytes` block a service's generated passwords derive
 * from: `<service>_passwords`. A user's block of that name would be a
 * `postgresql_role`, another type, so the two never meet.
 */
export function passwordSeedName(serviceName: string): string {
  return `${serviceName}_passwords`;
}

/** The sensitive output a user's generated password is in when asked for one of its own. */
export function userPasswordOutputName(serviceName: string, username: string): string {
  return `${userResourceName(serviceName, username)}_password`;
}

/** The sensitive map output (user key → generated password) of a service. */
export function servicePasswordsOutputName(serviceName: string): string {
  return `${serviceVariablePrefix(serviceName)}_passwords`;
}

/** The variable an MST service's admin password comes from unless told otherwise. */
export function defaultAdminPasswordVariable(serviceName: string): string {
  return `${serviceVariablePrefix(serviceName)}_admin_password`;
}

/** The admin password's source unless told otherwise: the sensitive variable {@link defaultAdminPasswordVariable}. */
export function defaultAdminPassword(serviceName: string): SecretSource {
  return { kind: 'variable', name: defaultAdminPasswordVariable(serviceName), sensitive: true };
}

/** The admin's database, role and TLS mode on an MST service unless told otherwise. */
export const DEFAULT_DATABASE = 'defaultdb';
export const DEFAULT_ADMIN_USERNAME = 'tsdbadmin';
export const DEFAULT_SSLMODE = 'require';

/** The variables a service's host and port come from unless told otherwise. */
export function hostVariable(serviceName: string): string {
  return `${serviceVariablePrefix(serviceName)}_host`;
}
export function portVariable(serviceName: string): string {
  return `${serviceVariablePrefix(serviceName)}_port`;
}

/** How the provider reaches service `serviceName` unless told otherwise. */
export function defaultConnection(serviceName: string): ConnectionSpec {
  return {
    host: { variable: hostVariable(serviceName) },
    port: { variable: portVariable(serviceName) },
    database: { literal: DEFAULT_DATABASE },
    username: { literal: DEFAULT_ADMIN_USERNAME },
    sslmode: { literal: DEFAULT_SSLMODE },
  };
}

/** A service's connection, MST's defaults where the spec states none. */
export function connectionOf(service: Pick<ServiceSpec, 'name' | 'connection'>): ConnectionSpec {
  return service.connection ?? defaultConnection(service.name);
}

/** The construct ids of the scopes that hold a project's members and invitations and a service's users. */
export const MEMBERS_SCOPE = 'members';
export const INVITATIONS_SCOPE = 'invitations';
export const USERS_SCOPE = 'users';

/** The construct path of each declaration, given its parent's (as `addMember`, `invite`, `addService`, `addUser` place them). */
export const declarationPath = {
  member: (project: string, email: string) => `${project}/${MEMBERS_SCOPE}/${email}`,
  invitation: (project: string, email: string) => `${project}/${INVITATIONS_SCOPE}/${email}`,
  billing: (project: string) => `${project}/billing`,
  mstApi: (project: string) => `${project}/mstApi`,
  service: (project: string, name: string) => `${project}/${name}`,
  user: (service: string, username: string) => `${service}/${USERS_SCOPE}/${username}`,
};

/**
 * The HCL expression of a generated password: derived from the service's
 * seed, the user's key and its password version, so each user's password is
 * its own (a password reveals neither the seed nor another user's password),
 * one user rotates by its version and a whole service by its seed.
 *
 * The first `length` characters of the hexadecimal SHA-512 digest (128
 * characters) of `<seed>:<user>:<version>`: lowercase letters and digits,
 * 4 bits each (128 bits at the default 32). One function call per user: the
 * engine evaluates it at every plan.
 */
export function derivedPassword(seed: string, user: string, version: number, length: number): string {
  return `substr(sha512("\${${seed}.hex}:${user}:${version}"), 0, ${length})`;
}

/** The HCL expression of `username`'s generated password on `service` (without `${…}`): derived from the service's seed. */
export function generatedPasswordExpression(service: string, username: string, version: number, length: number): string {
  return derivedPassword(`random_bytes.${passwordSeedName(service)}`, userKey(username), version, length);
}
