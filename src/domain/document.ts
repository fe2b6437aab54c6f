/**
 * The access document: the model as JSON, written into the synthesized stack
 * under `"//"."cdktf-mst"` (Terraform ignores "//" keys) and read back by the
 * report and diff commands. It never holds a secret value, only where each
 * secret comes from.
 */
import { Finding } from './findings';
import { InvitationSpec, MemberSpec, ProjectSpec } from './model';
import { ProjectRole, RoleId } from './permissions';

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

export function toDocument(projects: readonly ProjectSpec[], findings: readonly Finding[]): AccessDocument {
  return {
    schemaVersion: DOCUMENT_VERSION,
    projects: projects.map((p) => ({
      path: p.path,
      name: p.name,
      deployer: p.deployer,
      ...(p.billing ? { billing: { ...p.billing } } : {}),
      members: p.members.map((m) => ({ path: m.path, email: m.email, role: m.role.id })),
      invitations: p.invitations.map((i) => ({ path: i.path, email: i.email, role: i.role.id, invitedBy: i.invitedBy })),
      services: p.services.map((s) => ({ ...s, users: s.users.map((u) => ({ ...u })) })),
      acknowledgements: p.acknowledgements.map((a) => ({ ...a })),
    })),
    findings: findings.filter((f) => f.level === 'warning'),
  };
}

export function fromDocument(doc: AccessDocument): ProjectSpec[] {
  if (doc.schemaVersion !== DOCUMENT_VERSION) {
    throw new Error(`access document schemaVersion ${doc.schemaVersion} is not supported (expected ${DOCUMENT_VERSION}); synthesize with this version of cdktf-mst.`);
  }
  return doc.projects.map((p) => ({
    ...p,
    members: p.members.map((m) => ({ ...m, role: ProjectRole.of(m.role) })),
    invitations: p.invitations.map((i) => ({ ...i, role: ProjectRole.of(i.role) })),
  }));
}
