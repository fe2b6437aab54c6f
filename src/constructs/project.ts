import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { declarationPath, INVITATIONS_SCOPE, MEMBERS_SCOPE } from '../domain/conventions';
import { Finding, finding, quote } from '../domain/findings';
import { Acknowledgement, ProjectSpec } from '../domain/model';
import { checkBackend, checkEmail, checkOrganizationId, checkProjectName } from '../domain/checks';
import { UserBackend } from '../domain/backend';
import { Secret } from './secret';
import { ProjectRole } from '../domain/permissions';
import { Acknowledgements } from './acknowledgements';
import { declare } from './declare';
import { ProjectInvitation, ProjectInvitationOptions, ProjectMember } from './member';
import { MstService, MstServiceProps } from './service';
import type { ServiceUser } from './service-user';
import { markDeclaration, StackValidation } from './stack-validation';

/** Billing details of a project. */
export interface BillingDetails {
  /** Where invoices go. @default - no billing contact is managed */
  readonly email?: string;
}

/** The project's connection to MST's own API (Aiven's). */
export interface MstApiConnection {
  /** The Aiven organization the project belongs to: its ID (`org…`), from the console's organization settings. */
  readonly organizationId: string;
  /**
   * The API token, from a sensitive variable.
   * @default - the aiven provider's AIVEN_TOKEN environment variable
   */
  readonly apiToken?: Secret;
}

/** Props of {@link MstProject}. */
export interface MstProjectProps {
  /** The MST project's name. @default - the construct id */
  readonly name?: string;
  /**
   * Email of the member whose credentials run `cdktf deploy`. Its role must
   * grant every kind of change the stack carries (MST-DEPLOY-002).
   */
  readonly deployer: string;
  /**
   * Billing details to manage; needs the deployer to hold Modify billing information.
   * @default - billing is left as it is
   */
  readonly billing?: BillingDetails;
  /**
   * Connect the project to MST's own API: its members and their roles are
   * applied as the project's organization permissions, and services on the
   * {@link UserBackend.MST_API} backend get their users through it.
   * @default - members are validated and recorded only; no service may use the MST API backend
   */
  readonly mstApi?: MstApiConnection;
  /**
   * How its services' users are made real, unless a service says otherwise.
   * @default UserBackend.POSTGRES_ROLES
   */
  readonly backend?: UserBackend;
}

/**
 * An MST project: its members, pending invitations, services and their users.
 * At synth the console's permission table and the other rules of the
 * catalogue are enforced; errors fail the synth, warnings print.
 *
 * @example
 * const project = new MstProject(stack, 'acme', { deployer: 'ci-bot@acme.example' });
 * project.addMember('ci-bot@acme.example', ProjectRole.ADMIN);
 * project.addInvitation('ana@acme.example', { role: ProjectRole.DEVELOPER, invitedBy: 'ci-bot@acme.example' });
 * project.addService('metrics', { postgresVersion: 16 }).addUser('grafana');
 */
export class MstProject extends Construct {
  /** Whether `x` is an MstProject (works across copies of the library). */
  public static isMstProject(x: unknown): x is MstProject {
    return typeof x === 'object' && x !== null && PROJECT_SYMBOL in x;
  }

  public readonly name: string;
  public readonly deployer: string;
  public readonly billing?: BillingDetails;
  public readonly mstApi?: MstApiConnection;
  /** The backend of the project's services unless a service says otherwise. */
  public readonly backend: UserBackend;
  /** @internal */ public readonly membersScope: Construct;
  /** @internal */ public readonly invitationsScope: Construct;

  constructor(scope: Construct, id: string, props: MstProjectProps) {
    super(scope, declare(scope, id, (path) => [
      ...checkProjectName(path, props.name ?? id),
      ...checkEmail(path, props.deployer, 'deployer'),
      ...(props.billing?.email !== undefined ? checkEmail(declarationPath.billing(path), props.billing.email, 'billing email') : []),
      ...(props.mstApi ? checkOrganizationId(declarationPath.mstApi(path), props.mstApi.organizationId) : []),
      ...checkBackend(path, props.backend),
    ], (path, existing) => (MstProject.isMstProject(existing) ? finding('MST-API-002', path,
      `project ${quote(existing.name)} is already declared at ${existing.node.path}`,
      'declare each project once per scope (one loadManifest per manifest), or give one of them another construct id', id) : undefined)));
    Object.defineProperty(this, PROJECT_SYMBOL, { value: true });
    this.name = props.name ?? id;
    this.deployer = props.deployer;
    this.billing = props.billing;
    this.mstApi = props.mstApi;
    this.backend = props.backend ?? UserBackend.POSTGRES_ROLES;
    this.membersScope = new Construct(this, MEMBERS_SCOPE);
    this.invitationsScope = new Construct(this, INVITATIONS_SCOPE);
    StackValidation.declared(this);
  }

  /** Accepted members, in the order of the construct tree (declaration order for those added with `addMember`). */
  public get members(): readonly ProjectMember[] {
    return StackValidation.of(this).membersOf(this);
  }

  /** Pending invitations, in the order of the construct tree (declaration order for those added with `addInvitation`). */
  public get invitations(): readonly ProjectInvitation[] {
    return StackValidation.of(this).invitationsOf(this);
  }

  /** Services, in the order of the construct tree (declaration order for those added with `addService`). */
  public get services(): readonly MstService[] {
    return StackValidation.of(this).servicesOf(this);
  }

  /** Adds an accepted member. */
  public addMember(email: string, role: ProjectRole): ProjectMember {
    return new ProjectMember(this.membersScope, email, { project: this, email, role });
  }

  /** Records a pending invitation sent by member `options.invitedBy`. */
  public addInvitation(email: string, options: ProjectInvitationOptions): ProjectInvitation {
    return new ProjectInvitation(this.invitationsScope, email, { ...options, project: this, email });
  }

  /** Adds a service; its users are added with `service.addUser`. */
  public addService(name: string, props: Omit<MstServiceProps, 'project' | 'name'> = {}): MstService {
    return new MstService(this, name, { ...props, project: this, name });
  }

  /** Acknowledges warning `ruleId` for the whole project, with a written reason. */
  public acknowledge(ruleId: string, reason: string): this {
    Acknowledgements.of(this).add(ruleId, reason);
    return this;
  }

  /** Every finding of the stack this project belongs to, sorted by path. */
  public findings(): readonly Finding[] {
    return StackValidation.of(this).findings();
  }

  /**
   * The project as plain data, for the domain rules, reports and diffs, with
   * the acknowledgements made anywhere in its stack that bear on it.
   */
  public toSpec(): ProjectSpec {
    const validation = StackValidation.of(this);
    return this.specWith(Acknowledgements.collect(TerraformStack.of(this)), this.members, this.invitations,
      validation.servicesOf(this), (s) => validation.usersOf(s));
  }

  /**
   * @internal The spec, given what one walk of the stack found: its acknowledgements,
   * this project's members, invitations and services, and each service's users.
   */
  public specWith(
    stackAcknowledgements: readonly Acknowledgement[],
    members: readonly ProjectMember[],
    invitations: readonly ProjectInvitation[],
    services: readonly MstService[],
    usersOf: (service: MstService) => readonly ServiceUser[],
  ): ProjectSpec {
    const path = this.node.path;
    const spec: ProjectSpec = {
      path,
      name: this.name,
      deployer: this.deployer,
      members: members.map((m) => ({ path: m.node.path, email: m.email, role: m.role })),
      invitations: invitations.map((i) => ({
        path: i.node.path, email: i.email, role: i.role, invitedBy: i.invitedBy,
      })),
      ...(this.billing ? { billing: { path: declarationPath.billing(path), ...this.billing } } : {}),
      ...(this.mstApi ? { mstApi: {
        path: declarationPath.mstApi(path), organizationId: this.mstApi.organizationId,
        ...(this.mstApi.apiToken ? { apiToken: this.mstApi.apiToken.source } : {}),
      } } : {}),
      services: services.map((s) => s.specWith(usersOf(s))),
      acknowledgements: [],
    };
    return { ...spec, acknowledgements: bearingOn(spec, stackAcknowledgements) };
  }
}

markDeclaration(MstProject, 'project');

const PROJECT_SYMBOL = Symbol.for('cdktf-mst.MstProject');

/**
 * The acknowledgements that can match a finding of `spec`: made on the project
 * or below it, or on an ancestor of any of its declarations (a stack-wide one,
 * or the scope of a user declared outside the project).
 */
function bearingOn(spec: ProjectSpec, acks: readonly Acknowledgement[]): Acknowledgement[] {
  if (acks.length === 0) return [];
  const atOrAbove = (ack: string, path: string) => ack === '' || path === ack || path.startsWith(`${ack}/`);
  let declarations: string[] | undefined;
  return acks.filter((a) => atOrAbove(a.path, spec.path) || atOrAbove(spec.path, a.path)
    // An acknowledgement outside the project: on the scope of a declaration made outside it, or of nothing here.
    || (declarations ??= [
      ...spec.members.map((m) => m.path), ...spec.invitations.map((i) => i.path),
      ...spec.services.flatMap((s) => [s.path, ...s.users.map((u) => u.path)]),
    ]).some((d) => atOrAbove(a.path, d)));
}
