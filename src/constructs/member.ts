import { Construct, IConstruct } from 'constructs';
import { checkEmail } from '../domain/checks';
import { finding, MstValidationError, quote } from '../domain/findings';
import { declare } from './declare';
import { markDeclaration, StackValidation } from './stack-validation';
import { ProjectRole } from '../domain/permissions';
import type { MstProject } from './project';

/** Props of {@link ProjectMember}. */
export interface ProjectMemberProps {
  /** The project the member belongs to. */
  readonly project: MstProject;
  /** The member's email; compared case-insensitively. */
  readonly email: string;
  /** The member's project role. */
  readonly role: ProjectRole;
}

/**
 * A project member whose invitation was accepted. Editing the role is editing
 * `role`; deleting the member is removing the declaration. Members are
 * validated against the permission table and recorded in the synthesized
 * access document (report, diff); the PostgreSQL backend creates nothing for them.
 */
export class ProjectMember extends Construct {
  public readonly project: MstProject;
  public readonly email: string;
  public readonly role: ProjectRole;

  constructor(scope: Construct, id: string, props: ProjectMemberProps) {
    super(scope, declare(scope, id,
      (path) => checkEmail(path, props.email, 'member email'), (path, existing) => alreadyUsed(path, props.email, existing)));
    this.project = props.project;
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    StackValidation.declared(this);
  }
}

markDeclaration(ProjectMember, 'member');

/** Options of an invitation, as given to `project.addInvitation(email, options)`. */
export interface ProjectInvitationOptions {
  /** Role the invitee gets on accepting. */
  readonly role: ProjectRole;
  /** Email of the member who sends it; must be a member whose role may invite and holds every permission of `role`. */
  readonly invitedBy: string;
}

/** Props of {@link ProjectInvitation}. */
export interface ProjectInvitationProps extends ProjectInvitationOptions {
  /** The project the invitation is to. */
  readonly project: MstProject;
  /** Email the invitation is sent to. */
  readonly email: string;
}

/**
 * A pending invitation. Withdrawing it is removing the declaration; when it is
 * accepted, replace it with a {@link ProjectMember}. Recorded, never sent: no
 * Terraform provider sends MST invitations (send it from the console).
 */
export class ProjectInvitation extends Construct {
  public readonly project: MstProject;
  public readonly email: string;
  public readonly role: ProjectRole;
  public readonly invitedBy: string;

  constructor(scope: Construct, id: string, props: ProjectInvitationProps) {
    super(scope, declare(scope, id, (path) => [
      ...checkEmail(path, props.email, 'invitation email'),
      ...checkEmail(path, props.invitedBy, 'invitedBy'),
    ], (path, existing) => alreadyUsed(path, props.email, existing)));
    this.project = props.project;
    this.email = props.email;
    this.role = requireRole(props.role, this.node.path);
    this.invitedBy = props.invitedBy;
    StackValidation.declared(this);
  }
}

markDeclaration(ProjectInvitation, 'invitation');

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
