/**
 * The access document: the model as JSON, written into the synthesized stack
 * under `"//"."cdktf-mst"` (Terraform ignores "//" keys) and read back by the
 * report and diff commands. It never holds a secret value, only where each
 * secret comes from, and it holds everything that decides who can reach
 * what: members, invitations, billing, each service's connection (where the
 * admin password is sent, and over which TLS mode) and every password's source.
 *
 * It leaves out what a reader can derive: a member's, an invitation's or a
 * user's construct path when it is the one `addMember`, `invite` or `addUser`
 * gives (`<project>/members/<email>`, `<project>/invitations/<email>`,
 * `<service>/users/<username>`), and a user's `allowReplication: false`,
 * `passwordVersion: 1` and default generated password; a user with nothing
 * else is written as its username alone. At 10,000 users that
 * halves what cdktf resolves and pretty-prints for the document, the largest
 * part of the library's own synth time (docs/performance.md). fromDocument
 * restores them. A reader reads its own version only: a document of another
 * version may lack what the diff compares, and is refused (MST-INPUT-002).
 */
import { z } from 'zod';
import { finding, MstValidationError } from './findings';
import { InvitationSpec, MemberSpec, ProjectSpec, ServiceSpec, UserSpec } from './model';
import {
  connectionOf, declarationPath, DEFAULT_ALLOW_REPLICATION, DEFAULT_PASSWORD_VERSION, generatedPassword, isDefaultUserPassword, userKey,
} from './conventions';
import { RoleId } from './permissions';
import { parseRole } from './checks';
import { visible } from './visible';

export const DOCUMENT_KEY = 'cdktf-mst';
export const DOCUMENT_VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [DOCUMENT_VERSION];

export interface AccessDocument {
  readonly schemaVersion: number;
  readonly projects: readonly ProjectDocument[];
}

/** A user as JSON: fields at their default (see the module comment) left out. */
export type UserDocument = string | (Pick<UserSpec, 'username'> & Partial<Omit<UserSpec, 'username'>>);

/** A service as JSON: its connection always written out. */
export type ServiceDocument = Omit<ServiceSpec, 'users' | 'connection'> & {
  readonly connection: NonNullable<ServiceSpec['connection']>;
  readonly users: readonly UserDocument[];
};

/** A project as JSON: the model with roles spelled as in manifests, derivable paths left out. */
export type ProjectDocument = Omit<ProjectSpec, 'members' | 'invitations' | 'services'> & {
  readonly members: readonly (Omit<MemberSpec, 'role' | 'path'> & { readonly path?: string; readonly role: RoleId })[];
  readonly invitations: readonly (Omit<InvitationSpec, 'role' | 'path'> & { readonly path?: string; readonly role: RoleId })[];
  readonly services: readonly ServiceDocument[];
};

const { member: memberPath, invitation: invitationPath, user: userPath } = declarationPath;

/**
 * The document of `projects`, in canonical order — projects by path, members
 * and invitations by email, services by name, users by username (each
 * case-insensitively first), acknowledgements by path and rule — so the same
 * declarations in any order give the same bytes.
 */
export function toDocument(projects: readonly ProjectSpec[]): AccessDocument {
  return {
    schemaVersion: DOCUMENT_VERSION,
    projects: sortBy(projects, (p) => [p.path]).map((p) => ({
      path: p.path,
      name: p.name,
      deployer: p.deployer,
      ...(p.billing ? { billing: { ...p.billing } } : {}),
      ...(p.mstApi ? { mstApi: { ...p.mstApi } } : {}),
      members: sortBy(p.members, (m) => [m.email.toLowerCase(), m.email, m.path]).map((m) => ({
        ...(m.path !== memberPath(p.path, m.email) ? { path: m.path } : {}), email: m.email, role: m.role.id,
      })),
      invitations: sortBy(p.invitations, (i) => [i.email.toLowerCase(), i.email, i.path]).map((i) => ({
        ...(i.path !== invitationPath(p.path, i.email) ? { path: i.path } : {}), email: i.email, role: i.role.id, invitedBy: i.invitedBy,
      })),
      services: sortBy(p.services, (s) => [s.name, s.path]).map((s) => ({
        ...s,
        connection: connectionOf(s),
        users: sortBy(s.users, (u) => [userKey(u.username), u.username, u.path]).map((u) => userDocument(s.path, u)),
      })),
      acknowledgements: sortBy(p.acknowledgements, (a) => [a.path, a.ruleId, a.reason]).map((a) => ({ ...a })),
    })),
  };
}

/** A user with the fields at their default left out; a user with nothing but its name is its name (most users). */
function userDocument(servicePath: string, u: UserSpec): UserDocument {
  const user: { -readonly [K in keyof UserSpec]?: UserSpec[K] } = {};
  let plain = true;
  if (u.path !== userPath(servicePath, u.username)) { user.path = u.path; plain = false; }
  user.username = u.username;
  if (u.allowReplication !== DEFAULT_ALLOW_REPLICATION) { user.allowReplication = u.allowReplication; plain = false; }
  if (!isDefaultUserPassword(u.password)) { user.password = u.password; plain = false; }
  if (u.passwordVersion !== DEFAULT_PASSWORD_VERSION) { user.passwordVersion = u.passwordVersion; plain = false; }
  // Grants in canonical order too: their order changes nothing PostgreSQL holds.
  if (u.grants && u.grants.length > 0) { user.grants = sortBy(u.grants, (g) => [JSON.stringify(g)]); plain = false; }
  return plain ? u.username : user as UserDocument;
}

/** A sorted copy, comparing the keys `key` gives in turn (by code unit: the same everywhere). */
export function sortBy<T>(items: readonly T[], key: (item: T) => readonly string[]): T[] {
  return items.map((item) => ({ item, k: key(item) })).sort((a, b) => {
    for (let i = 0; i < a.k.length; i++) {
      if (a.k[i] !== b.k[i]) return a.k[i] < b.k[i] ? -1 : 1;
    }
    return 0;
  }).map(({ item }) => item);
}

/**
 * Reads a document back, whatever JSON it was read from: something that is not
 * a document, a version this library cannot read, or a first field that does
 * not match is thrown as an MstValidationError with one MST-INPUT-002 finding
 * at the document's key.
 */
export function fromDocument(doc: AccessDocument | unknown): ProjectSpec[] {
  const where = `"//"."${DOCUMENT_KEY}"`;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MstValidationError([finding('MST-INPUT-002', where, 'the access document is malformed (not an object)',
      'synthesize the stack again with cdktf-mst')]);
  }
  const { schemaVersion, projects } = doc as Partial<AccessDocument>;
  if (!READABLE_VERSIONS.includes(schemaVersion as number)) {
    throw new MstValidationError([finding('MST-INPUT-002', where,
      `access document schemaVersion ${visible(String(schemaVersion))} is not supported (expected ${READABLE_VERSIONS.join(' or ')})`,
      'synthesize with this version of cdktf-mst')]);
  }
  const parsed = documentProjects.safeParse(projects);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['projects', ...issue.path].map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
    throw new MstValidationError([finding('MST-INPUT-002', where,
      `the access document is malformed at ${visible(field)} (${visible(issue.message)})`, 'synthesize the stack again with cdktf-mst')]);
  }
  return (parsed.data as unknown as ProjectDocument[]).map((p) => ({
    ...p,
    members: p.members.map((m) => ({ ...m, path: m.path ?? memberPath(p.path, m.email), role: parseRole(m.role) })),
    invitations: p.invitations.map((i) => ({ ...i, path: i.path ?? invitationPath(p.path, i.email), role: parseRole(i.role) })),
    services: p.services.map((s) => ({
      ...s,
      users: (s.users as Exclude<UserDocument, string>[]).map((u) => ({
        path: u.path ?? userPath(s.path, u.username),
        username: u.username,
        allowReplication: u.allowReplication ?? DEFAULT_ALLOW_REPLICATION,
        password: u.password ?? generatedPassword(),
        passwordVersion: u.passwordVersion ?? DEFAULT_PASSWORD_VERSION,
        ...(u.grants ? { grants: u.grants } : {}),
      })),
    })),
  }));
}

// The shape of a document's projects, checked before anything reads them.
const str = z.string();
const role = z.enum(['admin', 'operator', 'developer', 'read-only']);
const secret = z.union([
  z.object({ kind: z.literal('generated'), length: z.number() }),
  z.object({ kind: z.literal('variable'), name: str, sensitive: z.boolean() }),
  z.object({ kind: z.literal('literal') }),
]);
const names = z.array(str);
const grant = z.union([
  z.object({
    kind: z.enum(['read', 'write']), database: str.optional(), schema: str, tables: names.optional(),
    sequences: names.optional(), privileges: names.optional(),
  }),
  z.object({ kind: z.literal('connect'), database: str }),
  z.object({ kind: z.literal('role'), role: str, service: str.optional() }),
]);
const setting = z.union([
  z.strictObject({ literal: z.union([str, z.number()]) }),
  z.strictObject({ variable: str }),
  z.strictObject({ expression: str }),
]);
const documentProjects = z.array(z.object({
  path: str,
  name: str,
  deployer: str,
  // Paths and user fields at their default are left out (see the module comment).
  members: z.array(z.object({ path: str.optional(), email: str, role })),
  invitations: z.array(z.object({ path: str.optional(), email: str, role, invitedBy: str })),
  billing: z.object({ path: str, email: str.optional() }).optional(),
  mstApi: z.object({ path: str, organizationId: str, apiToken: secret.optional() }).optional(),
  services: z.array(z.object({
    path: str,
    name: str,
    state: z.enum(['running', 'powered-off']).optional(),
    postgresVersion: z.number().optional(),
    adminIsSuperuser: z.boolean(),
    connection: z.object({ host: setting, port: setting, database: setting, username: setting, sslmode: setting }),
    adminPassword: secret,
    writeOnlyPasswords: z.boolean(),
    backend: z.enum(['postgres-roles', 'mst-api']).optional(),
    // A user with nothing but its name is written as its name.
    users: z.array(z.preprocess((u) => (typeof u === 'string' ? { username: u } : u), z.object({
      path: str.optional(), username: str, allowReplication: z.boolean().optional(), password: secret.optional(), passwordVersion: z.number().optional(),
      grants: z.array(grant).optional(),
    }))),
  })),
  acknowledgements: z.array(z.object({ path: str, ruleId: str, reason: str })),
}));
