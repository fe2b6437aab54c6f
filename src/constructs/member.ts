import { Construct, IConstruct } from 'constructs';
import { checkEmail } from '../domain/checks';
import { finding, MstValidationError, quote } from '../domain/findings';
import { declare } from './declare';
import { StackValidation } from './stack-validation';
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
    super(project.membersScope, declare(project.membersScope, id,
      (path) => checkEmail(path, props.email, 'member email'), (path, existing) => alreadyUsed(path, props.email, existing)));
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    StackValidation.declared(this);
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
    super(project.invitationsScope, declare(project.invitationsScope, id, (path) => [
      ...checkEmail(path, props.email, 'invitation email'),
      ...checkEmail(path, props.invitedBy, 'invitedBy'),
    ], (path, existing) => alreadyUsed(path, props.email, existing)));
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    this.invitedBy = props.invitedBy;
    StackValidation.declared(this);
  }
}

function requireRole(role: unknown, path: string): ProjectRole {
  if (role instanceof ProjectRole) return role;
  const found = typeof role === 'string' ? ProjectRole.tryOf(role) : undefined;
  if (found) return found;
  throw new MstValidationError([finding('MST-API-001', path,
    `role ${typeof role === 'string' ? quote(role) : String(role)} is not a project role`,
    'use ProjectRole.ADMIN, OPERATOR, DEVELOPER or READ_ONLY', String(role))]);
}

/** The same email declared twice as a member, or twice as an invitation (MST-MEMBER-003, found at declaration). */
function alreadyUsed(path: string, email: string, existing: IConstruct) {
  const what = existing instanceof ProjectMember ? 'a member' : existing instanceof ProjectInvitation ? 'an invitation' : 'a construct';
  return finding('MST-MEMBER-003', path,
    `email ${quote(email)} is already used by ${what} at ${existing.node.path} (emails are compared case-insensitively)`,
    'remove one of them; an accepted invitation moves to the members', email);
}
