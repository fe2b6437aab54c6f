import { AnnotationMetadataEntryType, TerraformElement, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { checkDeclarationsAgree } from '../domain/agreement';
import { checkAdminSecret, checkSecret } from '../domain/checks';
import { Finding, findingText, quote, sortFindings, throwOnErrors } from '../domain/findings';
import { Acknowledgement, ProjectSpec } from '../domain/model';
import { acknowledgementMatcher, validateProjects } from '../domain/validate';
import { visible } from '../domain/visible';
import { Acknowledgements } from './acknowledgements';
import { StackRendering } from '../render/render';
import type { ProjectInvitation, ProjectMember } from './member';
import type { MstProject } from './project';
import type { MstService } from './service';
import type { ServiceUser } from './service-user';

/**
 * @internal Validation of the MST declarations of one stack, at synth: the
 * projects, services and users are found in the stack's construct tree (one
 * walk per change of the app's tree), turned into specs, judged by the domain
 * rules together with the same projects declared in the app's other stacks,
 * and the findings reported at each declaration's path (errors fail the
 * synth, warnings print as annotations). Keeps a stack with errors from
 * rendering; what a valid stack renders is src/render/render.ts's.
 *
 * The findings are asked for several times per synth (the error gate, the
 * stack's validation, the rendering), so the result is cached until the app's
 * tree changes: each declaration of this library (and each acknowledgement)
 * counts as a change of its app.
 */
export class StackValidation {
  /** The validation of `scope`'s stack, set up on first use. */
  public static of(scope: IConstruct): StackValidation {
    const stack = TerraformStack.of(scope);
    let validation = byStack.get(stack);
    if (!validation) {
      validation = new StackValidation(stack);
      byStack.set(stack, validation);
    }
    return validation;
  }

  /**
   * Records that `construct`, a declaration of this library, was added to the
   * tree: its stack is validated at synth, and the findings reported at its path.
   */
  public static declared(construct: IConstruct): void {
    // A declaration is in its parent's stack: one lookup per parent (a service's thousands of users share one).
    const parent = construct.node.scope;
    if (!parent || !byParent.has(parent)) {
      const validation = StackValidation.of(construct);
      if (parent) byParent.set(parent, validation);
    }
    StackValidation.changed(construct);
  }

  /** Records a change of the tree of `scope`'s app (a declaration, an acknowledgement) that validation depends on. */
  public static changed(scope: IConstruct): void {
    const root = scope.node.root;
    revisions.set(root, (revisions.get(root) ?? 0) + 1);
  }

  /**
   * Tells whether `scope`'s app holds no declaration of this library yet:
   * then a manifest loaded into it is the whole of what its stack will
   * validate, as long as nothing is declared after it ({@link validatedAtLoad}).
   */
  public static noDeclarationsYet(scope: IConstruct): boolean {
    return (byApp.get(scope.node.root)?.size ?? 0) === 0;
  }

  /** The findings loadManifest computed for this stack's only declarations, and the app revision they hold at. */
  private loaded?: { revision: number; findings: Finding[] };
  private cached?: ValidationResult;
  private cachedTree?: { revision: number; tree: StackTree };
  private readonly annotated = new Set<string>();
  private annotatedRevision?: number;

  private constructor(private readonly stack: TerraformStack) {
    stacksOfApp(stack).add(this);
    StackRendering.setUp(stack, this);
    new ErrorGate(stack, 'cdktf-mst-errors', () => this.refuseErrors());
    stack.node.addValidation({ validate: () => this.validateAtSynth() });
  }

  /** The members of `project` declared in this stack, in tree order. */
  public membersOf(project: MstProject): readonly ProjectMember[] {
    return this.tree().members.get(project) ?? [];
  }

  /** The invitations of `project` declared in this stack, in tree order. */
  public invitationsOf(project: MstProject): readonly ProjectInvitation[] {
    return this.tree().invitations.get(project) ?? [];
  }

  /** The services of `project` declared in this stack, in tree order. */
  public servicesOf(project: MstProject): readonly MstService[] {
    return this.tree().services.get(project) ?? [];
  }

  /** The users of `service` declared in this stack, in tree order. */
  public usersOf(service: MstService): readonly ServiceUser[] {
    return this.tree().users.get(service) ?? [];
  }

  /** Every service declared in this stack, in tree order. */
  public services(): readonly MstService[] {
    return [...this.tree().services.values()].flat();
  }

  /** Every user declared in this stack, in tree order. */
  public users(): readonly ServiceUser[] {
    return this.tree().allUsers;
  }

  /**
   * Throws every error of this stack's declarations. Errors cannot be silenced: with cdktf's
   * skipValidation the node validations do not run, so whatever renders the stack asks this first.
   */
  public refuseErrors(): void {
    throwOnErrors(this.result().findings);
    throwOnErrors(this.secretsAsRendered());
  }

  /**
   * The secret rules (MST-SEC-*) over every password as its variable renders
   * now. The findings above are kept while the tree does not change, and an
   * escape hatch on a variable (`addOverride('default', …)`) is no change of
   * the tree: whatever was judged before it, the stack is not rendered with it.
   */
  private secretsAsRendered(): Finding[] {
    const tree = this.tree();
    return [
      ...[...tree.services.values()].flat().flatMap((s) => checkAdminSecret(s.node.path, s.adminSecret(), s.name)),
      ...tree.allUsers.flatMap((u) => checkSecret(u.node.path, u.password.source, () => `password of user ${quote(u.username)}`)),
    ];
  }

  /** Every finding of this stack's declarations, sorted by path. */
  public findings(): readonly Finding[] {
    return this.result().findings;
  }

  /** This stack's projects as plain data, once per change of the tree. */
  public specs(): ProjectSpec[] {
    return this.tree().specs();
  }

  /**
   * Records the findings loadManifest computed for the declarations it has
   * just built, when they were the app's first ({@link noDeclarationsYet}):
   * while the app's tree stays as the manifest left it, they are this stack's
   * findings, and the manifest is not validated a second time at synth. Any
   * later declaration or acknowledgement anywhere in the app changes its
   * revision, and the stack is then validated as a whole.
   */
  public validatedAtLoad(findings: readonly Finding[]): void {
    this.loaded = { revision: revisions.get(this.stack.node.root) ?? 0, findings: sortFindings([...findings]) };
  }

  /**
   * The stack's declarations, found in one walk of its construct tree: a
   * project's services and a service's users may be declared in any scope of
   * the stack, not only below them.
   */
  private tree(): StackTree {
    const revision = revisions.get(this.stack.node.root) ?? 0;
    if (this.cachedTree?.revision !== revision) this.cachedTree = { revision, tree: walk(this.stack) };
    return this.cachedTree.tree;
  }

  private result(): ValidationResult {
    // Keyed by the revision of the app: another stack's declaration of a project bears on this one.
    const revision = revisions.get(this.stack.node.root) ?? 0;
    if (this.cached?.revision === revision) return this.cached;
    const findings = this.loaded?.revision === revision ? this.loaded.findings : this.validate();
    this.cached = { revision, findings };
    return this.cached;
  }

  /** The rules over this stack's projects, judged with the same projects declared in the app's other stacks. */
  private validate(): Finding[] {
    const specs = this.specs();
    const others = [...stacksOfApp(this.stack)].filter((v) => v !== this).flatMap((v) => v.specs());
    const inStack = `${this.stack.node.path}/`;
    return sortFindings([
      ...validateProjects(specs),
      ...(others.length === 0 ? [] : checkDeclarationsAgree([...others, ...specs]).filter((f) => f.path.startsWith(inStack))),
    ]);
  }

  /**
   * The stack's validation, run by cdktf at synth when the tree is complete:
   * annotates the warnings and throws every error, each at its declaration's
   * path (an MstValidationError, as the ErrorGate throws when cdktf renders).
   */
  private validateAtSynth(): string[] {
    const result = this.result();
    // Annotate here rather than in result(): findings() may be asked for while the tree is
    // still being built, and a warning annotated then would stay even if acknowledged later.
    if (this.annotatedRevision !== result.revision) {
      this.annotatedRevision = result.revision;
      this.annotate(result.findings);
    }
    throwOnErrors(result.findings);
    return [];
  }

  /**
   * Warnings print through cdktf's annotations, once each, at their
   * declaration. Acknowledged ones print as info with the reason: one line per
   * acknowledgement, at the declaration when it covers one finding, else at
   * the construct it was made on, with how many it covers and the first of
   * them (an acknowledgement made on a project may cover thousands; `cdktf-mst
   * report` lists each).
   */
  private annotate(findings: Finding[]): void {
    const acknowledgementOf = acknowledgementMatcher(this.specs().flatMap((p) => p.acknowledgements));
    const covered = new Map<Acknowledgement | undefined, Finding[]>();
    for (const f of findings) {
      if (f.level !== 'warning') continue;
      if (f.acknowledged === undefined) {
        this.addAnnotation(f.path, AnnotationMetadataEntryType.WARN, findingText(f));
      } else {
        const ack = acknowledgementOf(f);
        const list = covered.get(ack);
        if (list) list.push(f); else covered.set(ack, [f]);
      }
    }
    for (const [ack, list] of covered) {
      const [first] = list;
      if (ack === undefined || list.length === 1) {
        for (const f of list) this.addAnnotation(f.path, AnnotationMetadataEntryType.INFO, visible(`${f.ruleId} (acknowledged: ${f.acknowledged}): ${f.message}.`));
      } else {
        this.addAnnotation(ack.path, AnnotationMetadataEntryType.INFO, visible(`${first.ruleId} (acknowledged: ${first.acknowledged}): `
          + `${list.length} findings at or below this path, the first: ${first.message}; cdktf-mst report lists each.`));
      }
    }
  }

  private addAnnotation(path: string, type: AnnotationMetadataEntryType, text: string): void {
    const key = `${path}\u0000${text}`;
    if (this.annotated.has(key)) return;
    this.annotated.add(key);
    // What Annotations.of(target).addInfo/addWarning record, minus the stack trace: it would only
    // show this validation machinery, never the user's declaration, and capturing it (source-mapped
    // under ts-node) costs time and memory per warning (docs/performance.md).
    (constructAt(this.stack, path) ?? this.stack).node.addMetadata(type, text);
  }
}

/** The construct at `path` below `stack` (a finding's path), if there is one. */
function constructAt(stack: TerraformStack, path: string): IConstruct | undefined {
  const prefix = `${stack.node.path}/`;
  if (!path.startsWith(prefix)) return undefined;
  let at: IConstruct | undefined = stack;
  for (const id of path.slice(prefix.length).split('/')) at = at?.node.tryFindChild(id);
  return at;
}

const byStack = new WeakMap<TerraformStack, StackValidation>();
/** The validation of each scope that holds declarations, by that scope. */
const byParent = new WeakMap<IConstruct, StackValidation>();
/** The stacks of one app that hold declarations, so a project several of them declare is judged as one. */
const byApp = new WeakMap<IConstruct, Set<StackValidation>>();
/** How many times each app's tree changed in ways validation depends on. */
const revisions = new WeakMap<IConstruct, number>();

function stacksOfApp(stack: TerraformStack): Set<StackValidation> {
  const root = stack.node.root;
  let set = byApp.get(root);
  if (!set) byApp.set(root, set = new Set());
  return set;
}

interface ValidationResult {
  /** The app's revision it was computed at. */
  readonly revision: number;
  readonly findings: Finding[];
}

/** What one walk of a stack's tree finds. */
interface StackTree {
  readonly projects: readonly MstProject[];
  readonly members: ReadonlyMap<MstProject, ProjectMember[]>;
  readonly invitations: ReadonlyMap<MstProject, ProjectInvitation[]>;
  readonly services: ReadonlyMap<MstProject, MstService[]>;
  readonly users: ReadonlyMap<MstService, ServiceUser[]>;
  readonly allUsers: readonly ServiceUser[];
  /** The projects as plain data, made on first use. */
  specs(): ProjectSpec[];
}

function walk(stack: TerraformStack): StackTree {
  const projects: MstProject[] = [];
  const members = new Map<MstProject, ProjectMember[]>();
  const invitations = new Map<MstProject, ProjectInvitation[]>();
  const services = new Map<MstProject, MstService[]>();
  const users = new Map<MstService, ServiceUser[]>();
  const allUsers: ServiceUser[] = [];
  const acknowledgements: Acknowledgement[] = [];
  for (const c of [...stack.node.scopes.slice(0, -1), ...stack.node.findAll()]) {
    acknowledgements.push(...Acknowledgements.on(c));
    const kind = (c as Partial<Declaration>)[DECLARATION];
    if (kind === 'project') {
      projects.push(c as MstProject);
    } else if (kind === 'member') {
      add(members, (c as ProjectMember).project, c as ProjectMember);
    } else if (kind === 'invitation') {
      add(invitations, (c as ProjectInvitation).project, c as ProjectInvitation);
    } else if (kind === 'service') {
      add(services, (c as MstService).project, c as MstService);
    } else if (kind === 'user') {
      add(users, (c as ServiceUser).service, c as ServiceUser);
      allUsers.push(c as ServiceUser);
    }
  }
  let specs: ProjectSpec[] | undefined;
  const tree: StackTree = {
    projects, members, invitations, services, users, allUsers,
    specs: () => (specs ??= projects.map((p) => p.specWith(acknowledgements, members.get(p) ?? [], invitations.get(p) ?? [],
      services.get(p) ?? [], (s) => users.get(s) ?? []))),
  };
  return tree;
}

function add<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}

/** The property by which the walk tells the library's declarations apart (works across copies of the library). */
const DECLARATION = Symbol.for('cdktf-mst.declaration');

interface Declaration {
  readonly [DECLARATION]: 'project' | 'member' | 'invitation' | 'service' | 'user';
}

/** @internal Marks the instances of `type` (and of its subclasses) as declarations of kind `kind`, for the walk. */
export function markDeclaration(type: abstract new (...args: never[]) => IConstruct, kind: Declaration[typeof DECLARATION]): void {
  Object.defineProperty(type.prototype, DECLARATION, { value: kind });
}

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
  constructor(scope: TerraformStack, id: string, private readonly refuseErrors: () => void) {
    super(scope, id);
  }

  public toTerraform(): Record<string, unknown> {
    this.refuseErrors();
    return {};
  }
}
