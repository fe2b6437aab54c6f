/**
 * The access document: the model as JSON, written into the synthesized stack
 * under `"//"."cdktf-mst"` (Terraform ignores "//" keys) and read back by the
 * report and diff commands. It never holds a secret value, only where each
 * secret comes from.
 */
import { z } from 'zod';
import { Finding } from './findings';
import { InvitationSpec, MemberSpec, ProjectSpec } from './model';
import { ProjectRole, RoleId } from './permissions';
import { visible } from './visible';

export const DOCUMENT_KEY = 'cdktf-mst';
export const DOCUMENT_VERSION = 1;

export interface AccessDocument {
  readonly schemaVersion: number;
  readonly projects: readonly ProjectDocument[];
  /** Warnings (with their acknowledgements) the rules raised at synth. */
  readonly findings: readonly Finding[];
}

/** A project as JSON: the model with roles spelled as in manifests. */
export type ProjectDocument = Omit<ProjectSpec, 'members' | 'invitations'> & {
  readonly members: readonly (Omit<MemberSpec, 'role'> & { readonly role: RoleId })[];
  readonly invitations: readonly (Omit<InvitationSpec, 'role'> & { readonly role: RoleId })[];
};

/**
 * The document of `projects`, in canonical order — projects by path, members
 * and invitations by email, services by name, users by username (each
 * case-insensitively first), acknowledgements by path and rule — so the same
 * declarations in any order give the same bytes.
 */
export function toDocument(projects: readonly ProjectSpec[], findings: readonly Finding[]): AccessDocument {
  return {
    schemaVersion: DOCUMENT_VERSION,
    projects: sortBy(projects, (p) => [p.path]).map((p) => ({
      path: p.path,
      name: p.name,
      deployer: p.deployer,
      ...(p.billing ? { billing: { ...p.billing } } : {}),
      members: sortBy(p.members, (m) => [m.email.toLowerCase(), m.email, m.path])
        .map((m) => ({ path: m.path, email: m.email, role: m.role.id })),
      invitations: sortBy(p.invitations, (i) => [i.email.toLowerCase(), i.email, i.path])
        .map((i) => ({ path: i.path, email: i.email, role: i.role.id, invitedBy: i.invitedBy })),
      services: sortBy(p.services, (s) => [s.name, s.path]).map((s) => ({
        ...s,
        users: sortBy(s.users, (u) => [u.username.toLowerCase(), u.username, u.path]).map((u) => ({ ...u })),
      })),
      acknowledgements: sortBy(p.acknowledgements, (a) => [a.path, a.ruleId, a.reason]).map((a) => ({ ...a })),
    })),
    findings: findings.filter((f) => f.level === 'warning'),
  };
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

/** Reads a document back; throws an error naming the first malformed field. */
export function fromDocument(doc: AccessDocument): ProjectSpec[] {
  if (doc.schemaVersion !== DOCUMENT_VERSION) {
    throw new Error(`access document schemaVersion ${visible(String(doc.schemaVersion))} is not supported (expected ${DOCUMENT_VERSION}); synthesize with this version of cdktf-mst.`);
  }
  const parsed = documentProjects.safeParse(doc.projects);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['projects', ...issue.path].map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
    throw new Error(`the access document is malformed at ${visible(where)} (${visible(issue.message)}); synthesize the stack again with cdktf-mst.`);
  }
  return (parsed.data as unknown as ProjectDocument[]).map((p) => ({
    ...p,
    members: p.members.map((m) => ({ ...m, role: ProjectRole.of(m.role) })),
    invitations: p.invitations.map((i) => ({ ...i, role: ProjectRole.of(i.role) })),
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
const documentProjects = z.array(z.object({
  path: str,
  name: str,
  deployer: str,
  members: z.array(z.object({ path: str, email: str, role })),
  invitations: z.array(z.object({ path: str, email: str, role, invitedBy: str })),
  billing: z.object({ path: str, email: str.optional() }).optional(),
  services: z.array(z.object({
    path: str,
    name: str,
    state: z.enum(['running', 'powered-off']).optional(),
    postgresVersion: z.number().optional(),
    adminIsSuperuser: z.boolean(),
    adminPassword: secret,
    writeOnlyPasswords: z.boolean(),
    users: z.array(z.object({
      path: str, username: str, allowReplication: z.boolean(), password: secret, passwordVersion: z.number(),
    })),
  })),
  acknowledgements: z.array(z.object({ path: str, ruleId: str, reason: str })),
}));
