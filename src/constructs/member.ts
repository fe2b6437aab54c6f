import { Construct } from 'constructs';
import { checkEmail } from '../domain/names';
import { MstValidationError } from '../domain/findings';
import { ProjectRole } from '../domain/permissions';
import type { MstProject } from './project';

/** Props of {@link ProjectMember}. */
export interface ProjectMemberProps {
  /** The member's email; compared case-insensitively. */
  readonly email: string;
  /** The member's project role. */
  readonly role: ProjectRole;
}

/**
 * A project member whose invitation was accepted. Editing the role is editing
 * `role`; deleting the member is removing the declaration. Creates nothing in
 * PostgreSQL: members are recorded in the synthesized access document.
 */
export class ProjectMember extends Construct {
  public readonly email: string;
  public readonly role: ProjectRole;

  constructor(project: MstProject, id: string, props: ProjectMemberProps) {
    super(project.membersScope, id);
    const findings = checkEmail(this.node.path, props.email, 'member email');
    if (findings.length > 0) throw new MstValidationError(findings);
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    project.registerMember(this);
  }
}

/** Props of {@link ProjectInvitation}. */
export interface ProjectInvitationProps {
  /** Email the invitation is sent to. */
  readonly email: string;
  /** Role the invitee gets on accepting. */
  readonly role: ProjectRole;
  /** Email of the member who sends it; must be a member whose role may invite and holds every permission of `role`. */
  readonly invitedBy: string;
}

/**
 * A pending invitation. Withdrawing it is removing the declaration; when it is
 * accepted, replace it with a {@link ProjectMember}. Creates nothing in
 * PostgreSQL (no Terraform resource sends MST invitations).
 */
export class ProjectInvitation extends Construct {
  public readonly email: string;
  public readonly role: ProjectRole;
  public readonly invitedBy: string;

  constructor(project: MstProject, id: string, props: ProjectInvitationProps) {
    super(project.invitationsScope, id);
    const findings = [
      ...checkEmail(this.node.path, props.email, 'invitation email'),
      ...checkEmail(this.node.path, props.invitedBy, 'invitedBy'),
    ];
    if (findings.length > 0) throw new MstValidationError(findings);
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    this.invitedBy = props.invitedBy;
    project.registerInvitation(this);
  }
}

function requireRole(role: unknown, path: string): ProjectRole {
  if (role instanceof ProjectRole) return role;
  const found = typeof role === 'string' ? ProjectRole.tryOf(role) : undefined;
  if (found) return found;
  throw new Error(
    `[${path}] role ${JSON.stringify(role)} is not a project role; use ProjectRole.ADMIN, OPERATOR, DEVELOPER or READ_ONLY.`,
  );
}
