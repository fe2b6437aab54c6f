import { AnnotationMetadataEntryType, Lazy, TerraformElement, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { DOCUMENT_KEY, toDocument } from '../domain/document';
import { checkDeclarationsAgree } from '../domain/agreement';
import { Finding, finding, findingText, MstValidationError, quote, sortFindings } from '../domain/findings';
import { Acknowledgement, ProjectSpec } from '../domain/model';
import { checkEmail, checkProjectName } from '../domain/names';
import { ProjectRole } from '../domain/permissions';
import { validateProjects } from '../domain/validate';
import { visible } from '../domain/visible';
import { Acknowledgements } from './acknowledgements';
import { declare } from './declare';
import { ProjectInvitation, ProjectMember } from './member';
import { generation, touch } from './registry';
import { MstService, MstServiceProps } from './service';

/** Billing details of a project. */
export interface BillingDetails {
  /** Where invoices go. @default - no billing contact is managed */
  readonly email?: string;
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
}

/**
 * An MST project: its members, pending invitations, services and their users.
 * At synth the console's permission table and the other rules of the
 * catalogue are enforced; errors fail the synth, warnings print.
 *
 * @example
 * const project = new MstProject(stack, 'acme', { deployer: 'ci-bot@acme.example' });
 * project.addMember('ci-bot@acme.example', ProjectRole.ADMIN);
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
  /** @internal */ public readonly membersScope: Construct;
  /** @internal */ public readonly invitationsScope: Construct;

  private readonly _members: ProjectMember[] = [];
  private readonly _invitations: ProjectInvitation[] = [];
  private readonly _services: MstService[] = [];

  constructor(scope: Construct, id: string, props: MstProjectProps) {
    super(scope, declare(scope, id, (path) => [
      ...checkProjectName(path, props.name ?? id),
      ...checkEmail(path, props.deployer, 'deployer'),
      ...(props.billing?.email !== undefined ? checkEmail(`${path}/billing`, props.billing.email, 'billing email') : []),
    ], (path, existing) => (MstProject.isMstProject(existing) ? finding('MST-API-002', path,
      `project ${quote(existing.name)} is already declared at ${existing.node.path}`,
      'declare each project once per scope (one loadManifest per manifest), or give one of them another construct id', id) : undefined)));
    Object.defineProperty(this, PROJECT_SYMBOL, { value: true });
    this.name = props.name ?? id;
    this.deployer = props.deployer;
    this.billing = props.billing;
    this.membersScope = new Construct(this, 'members');
    this.invitationsScope = new Construct(this, 'invitations');
    StackAccess.of(this).register(this);
    this.node.addValidation({ validate: () => StackAccess.of(this).errorsAt(this.node.path) });
  }

  /** Accepted members, in declaration order. */
  public get members(): readonly ProjectMember[] {
    return this._members;
  }

  /** Pending invitations, in declaration order. */
  public get invitations(): readonly ProjectInvitation[] {
    return this._invitations;
  }

  /** Services, in declaration order. */
  public get services(): readonly MstService[] {
    return this._services;
  }

  /** Adds an accepted member. */
  public addMember(email: string, role: ProjectRole): ProjectMember {
    return new ProjectMember(this, email, { email, role });
  }

  /** Records a pending invitation sent by member `invitedBy`. */
  public invite(email: string, options: { readonly role: ProjectRole; readonly invitedBy: string }): ProjectInvitation {
    return new ProjectInvitation(this, email, { email, ...options });
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
    return StackAccess.of(this).result().findings;
  }

  /**
   * The project as plain data, for the domain rules, reports and diffs, with
   * the acknowledgements made anywhere in its stack that bear on it.
   */
  public toSpec(): ProjectSpec {
    return this.specWith(Acknowledgements.collect(TerraformStack.of(this)));
  }

  /** @internal The spec, given the stack's acknowledgements (collected once for every project). */
  public specWith(stackAcknowledgements: readonly Acknowledgement[]): ProjectSpec {
    const path = this.node.path;
    const spec: ProjectSpec = {
      path,
      name: this.name,
      deployer: this.deployer,
      members: this._members.map((m) => ({ path: m.node.path, email: m.email, role: m.role })),
      invitations: this._invitations.map((i) => ({
        path: i.node.path, email: i.email, role: i.role, invitedBy: i.invitedBy,
      })),
      ...(this.billing ? { billing: { path: `${path}/billing`, ...this.billing } } : {}),
      services: this._services.map((s) => s.toSpec()),
      acknowledgements: [],
    };
    return { ...spec, acknowledgements: bearingOn(spec, stackAcknowledgements) };
  }

  /** @internal */
  public registerMember(member: ProjectMember): void {
    this._members.push(member);
    this.registerChild(member);
  }

  /** @internal */
  public registerInvitation(invitation: ProjectInvitation): void {
    this._invitations.push(invitation);
    this.registerChild(invitation);
  }

  /** @internal */
  public registerService(service: MstService): void {
    this._services.push(service);
    this.registerChild(service);
  }

  /** @internal Reports the findings at `construct`'s path when the stack is validated. */
  public registerChild(construct: IConstruct): void {
    touch(this);
    construct.node.addValidation({ validate: () => StackAccess.of(construct).errorsAt(construct.node.path) });
  }
}

const PROJECT_SYMBOL = Symbol.for('cdktf-mst.MstProject');

/**
 * Renders nothing; refuses to render a stack with errors. cdktf asks every
 * element for its JSON before it resolves tokens (in `prepareStack`, and in
 * `Testing.synth` whether validations run or not), so the MstValidationError
 * thrown here reaches the caller as it is: every finding, one line each, with
 * no "Resolution error" around it and no stack trace of a Lazy in it, even
 * with cdktf's skipValidation, and when the app writes HCL (prepareStack asks
 * every element for its JSON then too).
 */
class ErrorGate extends TerraformElement {
  constructor(scope: TerraformStack, id: string, private readonly findings: () => readonly Finding[]) {
    super(scope, id);
  }

  public toTerraform(): Record<string, unknown> {
    const errors = this.findings().filter((f) => f.level === 'error');
    if (errors.length > 0) throw new MstValidationError(errors);
    return {};
  }
}

/**
 * The acknowledgements that can match a finding of `spec`: made on the project
 * or below it, or on an ancestor of any of its declarations (a stack-wide one,
 * or the scope of a user declared outside the project).
 */
function bearingOn(spec: ProjectSpec, acks: readonly Acknowledgement[]): Acknowledgement[] {
  if (acks.length === 0) return [];
  const ancestors = new Set<string>();
  const declarations = [
    spec.path, ...spec.members.map((m) => m.path), ...spec.invitations.map((i) => i.path),
    ...spec.services.flatMap((s) => [s.path, ...s.users.map((u) => u.path)]),
  ];
  for (const declared of declarations) {
    // Stops at the first ancestor already seen: siblings share theirs, so this stays linear.
    for (let p = declared; !ancestors.has(p); p = p.slice(0, Math.max(p.lastIndexOf('/'), 0))) {
      ancestors.add(p);
      if (p === '') break;
    }
  }
  const below = `${spec.path}/`;
  return acks.filter((a) => ancestors.has(a.path) || a.path.startsWith(below));
}

interface AccessResult {
  /** The generations of the app's stacks it was computed at. */
  readonly generation: string;
  readonly findings: Finding[];
  readonly errorsByPath: Map<string, string[]>;
}

/**
 * The projects of one stack, validated together once per change of the tree:
 * every construct asks for its own findings, so the result is cached.
 */
class StackAccess {
  private static readonly byStack = new WeakMap<TerraformStack, StackAccess>();

  public static of(scope: IConstruct): StackAccess {
    const stack = TerraformStack.of(scope);
    let access = StackAccess.byStack.get(stack);
    if (!access) {
      access = new StackAccess(stack);
      StackAccess.byStack.set(stack, access);
    }
    return access;
  }

  private readonly projects: MstProject[] = [];
  private cached?: AccessResult;
  private readonly annotated = new Set<string>();
  private annotatedGeneration?: string;

  private constructor(private readonly stack: TerraformStack) {
    canonicalProviders(stack);
    StackAccess.ofApp(stack).add(this);
    // The access document rides in the synthesized JSON under "//", which Terraform ignores.
    stack.addOverride(`//.${DOCUMENT_KEY}`, Lazy.anyValue({
      produce: () => {
        const { findings } = this.result();
        const specs = this.specs();
        // Errors cannot be silenced: with cdktf's skipValidation the node validations do not run,
        // so the stack's JSON refuses to render instead of shipping a stack the rules reject.
        const errors = findings.filter((f) => f.level === 'error');
        if (errors.length > 0) throw new MstValidationError(errors);
        return toDocument(specs, findings);
      },
    }));
    new ErrorGate(stack, 'cdktf-mst-errors', () => this.result().findings);
  }

  public register(project: MstProject): void {
    this.projects.push(project);
  }

  /** The stacks of one app that hold projects, so a project several of them declare is judged as one. */
  private static ofApp(stack: TerraformStack): Set<StackAccess> {
    const root = stack.node.root;
    let set = StackAccess.byApp.get(root);
    if (!set) StackAccess.byApp.set(root, set = new Set());
    return set;
  }
  private static readonly byApp = new WeakMap<IConstruct, Set<StackAccess>>();

  private cachedSpecs?: { generation: number; specs: ProjectSpec[] };

  /** This stack's projects as plain data, once per change of the tree. */
  public specs(): ProjectSpec[] {
    const current = generation(this.stack);
    if (this.cachedSpecs?.generation !== current) {
      const acknowledgements = Acknowledgements.collect(this.stack);
      this.cachedSpecs = { generation: current, specs: this.projects.map((p) => p.specWith(acknowledgements)) };
    }
    return this.cachedSpecs.specs;
  }

  public result(): AccessResult {
    // Keyed by every stack of the app: another stack's declaration of a project bears on this one.
    const stacks = [...StackAccess.ofApp(this.stack)];
    const current = stacks.map((a) => generation(a.stack)).join(',');
    if (this.cached?.generation === current) return this.cached;
    const specs = this.specs();
    const others = stacks.filter((a) => a !== this).flatMap((a) => a.specs());
    const inStack = `${this.stack.node.path}/`;
    const findings = sortFindings([
      ...validateProjects(specs),
      ...(others.length === 0 ? [] : checkDeclarationsAgree([...others, ...specs]).filter((f) => f.path.startsWith(inStack))),
    ]);
    const errorsByPath = new Map<string, string[]>();
    for (const f of findings) {
      if (f.level !== 'error') continue;
      const list = errorsByPath.get(f.path);
      if (list) list.push(findingText(f)); else errorsByPath.set(f.path, [findingText(f)]);
    }
    this.cached = { generation: current, findings, errorsByPath };
    return this.cached;
  }

  /** Called by the constructs' validations, i.e. at synth, when the tree is complete. */
  public errorsAt(path: string): string[] {
    const result = this.result();
    // Annotate here rather than in result(): findings() may be asked for while the tree is
    // still being built, and a warning annotated then would stay even if acknowledged later.
    if (this.annotatedGeneration !== result.generation) {
      this.annotatedGeneration = result.generation;
      this.annotate(result.findings);
    }
    return result.errorsByPath.get(path) ?? [];
  }

  /** Warnings print through cdktf's annotations (once each); acknowledged ones as info with the reason. */
  private annotate(findings: Finding[]): void {
    const byPath = new Map(this.stack.node.findAll().map((c) => [c.node.path, c] as const));
    for (const f of findings) {
      if (f.level !== 'warning') continue;
      const text = f.acknowledged !== undefined
        ? visible(`${f.ruleId} (acknowledged: ${f.acknowledged}): ${f.message}.`)
        : findingText(f);
      const key = `${f.path}\u0000${text}`;
      if (this.annotated.has(key)) continue;
      this.annotated.add(key);
      const target = byPath.get(f.path) ?? this.stack;
      // What Annotations.of(target).addInfo/addWarning record, minus the stack trace: it would only
      // show this validation machinery, never the user's declaration, and capturing it (source-mapped
      // under ts-node) cost 0.4 s and 130 MB of garbage for 1,000 warnings.
      target.node.addMetadata(
        f.acknowledged !== undefined ? AnnotationMetadataEntryType.INFO : AnnotationMetadataEntryType.WARN, text);
    }
  }
}

/**
 * cdktf writes cdk.tf.json with its keys sorted; the one array whose order
 * follows declarations is each provider type's list of configurations (one
 * aliased `postgresql` provider per service). Ordered by alias, reordering
 * services leaves the bytes unchanged. Applied once per stack.
 */
function canonicalProviders(stack: TerraformStack): void {
  const render = stack.toTerraform.bind(stack);
  stack.toTerraform = () => {
    const tf = render() as { provider?: Record<string, unknown> };
    for (const configs of Object.values(tf.provider ?? {})) {
      if (!Array.isArray(configs)) continue;
      const alias = (c: unknown) => (typeof c === 'object' && c !== null && typeof (c as { alias?: unknown }).alias === 'string' ? (c as { alias: string }).alias : '');
      configs.sort((a, b) => (alias(a) < alias(b) ? -1 : alias(a) > alias(b) ? 1 : 0));
    }
    return tf;
  };
}
