import * as fs from 'fs';
import * as path from 'path';
import { ISynthesisSession, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { DEFAULT_PASSWORD_LENGTH, keyedShapeBlockName } from '../domain/conventions';
import { finding, MstValidationError } from '../domain/findings';
import type { MstService } from './service';
import type { ServiceUser } from './service-user';
import { grantBlocks } from '../render/grants';
import { StackValidation } from './stack-validation';

/**
 * cdktf's hook for constructs that write files of their own at synth, as
 * TerraformAsset does: before it writes cdk.tf.json, the stack's synthesizer
 * calls `onSynthesize(session)` on the object a construct holds under this
 * global symbol. cdktf sets it with `addCustomSynthesis`, which its package
 * root does not export; CDK Terrain (cdktn) reads the same symbol, so setting
 * it directly serves both flavours without a deep import.
 */
const CUSTOM_SYNTHESIS = Symbol.for('cdktf/customSynthesis');

/** The file, next to `cdk.tf.json` in the stack's directory, that holds the users' blocks. */
export const USERS_FILE = 'mst-users.tf.json';

/**
 * The context key (cdktf.json `"context"`, or the App's `context`) that adds a
 * `moved` block from each address cdktf-mst 0.1 gave a user: set it to `true`
 * for the deploy that upgrades a stack deployed with 0.1, and remove it once
 * every deployment of the stack has applied. Off by default: the engine checks
 * moved blocks pairwise, so they cost plan time that grows with the square of
 * the users (docs/performance.md). Without them, a stack still holding 0.1's
 * addresses fails its plan on the guards (see {@link UsersFile}) instead of
 * dropping a role.
 */
export const UPGRADE_MOVES_CONTEXT = 'cdktf-mst:upgradeMoves';

/**
 * @internal The Terraform blocks of every service user of one stack, written
 * at synth into {@link USERS_FILE} in the stack's directory, where Terraform
 * and OpenTofu read it together with `cdk.tf.json`:
 *
 * - `resource.postgresql_role.<name>` and, for a generated password,
 *   `resource.random_password.<name>`, one block each per user, where `<name>`
 *   is `<service>_<lowercased username>` (see {@link ServiceUser.resourceName});
 * - per service, a guard on the addresses of cdktf-mst 0.1, which kept a
 *   service's users in one keyed (`for_each`) block of each type named after
 *   the service: a block of that name with no instance and `prevent_destroy`.
 *   It plans nothing, until a state holds 0.1's addresses and this version
 *   would destroy them (drop every role): then the plan fails, naming them;
 * - with {@link UPGRADE_MOVES_CONTEXT} `true`, a `moved` block from each of
 *   0.1's addresses, so such a stack upgrades by moving state;
 *
 * The passwords' outputs stay in `cdk.tf.json`: one sensitive map per service
 * (MstService.passwordsOutput), and any per-user output asked for.
 *
 * Why a file of its own: cdktf resolves every element's JSON token by token,
 * three times, before writing it; at 10,000 users that was 70% of the synth,
 * more than a hand-written `for_each` stack takes in all. The blocks here hold
 * no token (plain strings), so they are written as they are: the JSON is what
 * one `Role` and one `Password` L1 per user (with these logical IDs) would give,
 * minus cdktf's per-resource `"//"` metadata. Per-user blocks, unlike one
 * `for_each` block per service, plan and apply in time linear in the users
 * (docs/performance.md).
 */
export class UsersFile extends Construct {
  /** The stack's file, created on first use. */
  public static of(scope: IConstruct): UsersFile {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(UsersFile.ID) as UsersFile | undefined) ?? new UsersFile(stack, UsersFile.ID);
  }

  private static readonly ID = 'mst-users';

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, CUSTOM_SYNTHESIS, {
      value: { onSynthesize: (session: ISynthesisSession) => this.write(session) }, enumerable: false,
    });
  }

  /**
   * The stack's users, ordered by block name: the same file whatever the
   * declaration order. Two users with one name are refused: validation reports
   * them first (MST-USER-002), this makes sure none is ever merged away.
   */
  private users(): ServiceUser[] {
    const users = [...StackValidation.of(this).users()].sort((a, b) => compare(a.resourceName, b.resourceName));
    for (let i = 1; i < users.length; i++) {
      const [previous, user] = [users[i - 1], users[i]];
      if (previous.resourceName !== user.resourceName) continue;
      throw new MstValidationError([finding('MST-USER-002', user.node.path,
        `username "${user.username}" collides with "${previous.username}" in service "${user.service.name}" (role names are compared case-insensitively)`,
        'rename one of them', user.username)]);
    }
    return users;
  }

  /** The file's text (what {@link write} writes, in pieces). */
  public render(): string {
    return [...this.pieces()].join('');
  }

  /**
   * The file's text in pieces of about 256 KB, laid out as `JSON.stringify(…,
   * null, 2)` lays it out (test/constructs/user-blocks.test.ts checks it), but
   * without building the whole document or its whole text first: at 10,000
   * users that would hold some 40,000 objects and an 8 MB string at once.
   * Keys are in sorted order, as cdktf writes cdk.tf.json.
   */
  private *pieces(): Generator<string> {
    const users = this.users();
    const generated = users.filter((u) => u.passwordAddress !== undefined);
    const upgradeMoves = ['true', true].includes(this.node.tryGetContext(UPGRADE_MOVES_CONTEXT));
    const comment = `Service users of stack ${TerraformStack.of(this).node.id}, written by cdktf-mst at synth with cdk.tf.json; edit the stack's code, not this file.`;
    let text = `{\n  "//": ${JSON.stringify(comment)}`;
    /** `v` as JSON text, indented for nesting depth `depth`. */
    const value = (v: unknown, depth: number) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${'  '.repeat(depth)}`);
    function* section<T>(open: string, close: string, items: readonly T[], item: (x: T) => string): Generator<string> {
      text += open;
      items.forEach((x, i) => {
        text += (i === 0 ? '' : ',') + item(x);
        if (text.length > 1 << 18) pending.push(text), text = '';
      });
      yield* pending.splice(0);
      text += close;
    }
    const pending: string[] = [];
    if (upgradeMoves && users.length > 0) {
      // Ordered by `to`: every role (by name), then every password (by name).
      const moved = [...users.map((u) => u.movedFromKeyedShape()[0]), ...generated.map((u) => u.movedFromKeyedShape()[1])];
      yield* section(',\n  "moved": [', '\n  ]', moved, (m) => `\n    ${value(m, 2)}`);
    }
    if (users.length > 0) {
      text += ',\n  "resource": {';
      const block = ([name, config]: Block) => `\n      ${JSON.stringify(name)}: ${value(config, 3)}`;
      const roles = withGuards(users.map((u): Block => [u.resourceName, u.roleConfig()]), users, (service) => ({
        provider: service.provider.fqn, name: '${each.key}',
      }));
      // Resource types in sorted order, as everywhere in the file: the grants' types come before postgresql_role.
      const grants = grantSections(users);
      for (const [type, blocks] of grants) yield* section(`\n    ${JSON.stringify(type)}: {`, '\n    },', blocks, block);
      yield* section('\n    "postgresql_role": {', '\n    }', roles, block);
      if (generated.length > 0) {
        const passwords = withGuards(generated.map((u): Block => [u.resourceName, u.passwordConfig()]), generated, () => ({ length: DEFAULT_PASSWORD_LENGTH }));
        yield* section(',\n    "random_password": {', '\n    }', passwords, block);
      }
      text += '\n  }';
    }
    yield `${text}\n}\n`;
  }

  private write(session: ISynthesisSession): void {
    // Custom synthesis runs before the stack's elements render (and their ErrorGate): write nothing while there are errors.
    StackValidation.of(this).refuseErrors();
    const dir = path.join(session.outdir, session.manifest.forStack(TerraformStack.of(this)).workingDirectory);
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(path.join(dir, USERS_FILE), 'w');
    try {
      for (const piece of this.pieces()) fs.writeSync(fd, piece);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * The blocks of every user's grants (render/grants.ts), by resource type in
 * sorted order, each type's blocks sorted by name.
 */
function grantSections(users: readonly ServiceUser[]): Array<[string, Block[]]> {
  const byType = new Map<string, Block[]>();
  for (const u of users) {
    if (u.grants.length === 0) continue;
    const spec = u.toSpec();
    const service = { name: u.service.name, providerFqn: u.service.provider.fqn, adminUsername: u.service.adminUsername, database: u.service.database };
    for (const b of grantBlocks(spec, service)) {
      const list = byType.get(b.type);
      if (list) list.push([b.name, b.body]); else byType.set(b.type, [[b.name, b.body]]);
    }
  }
  return [...byType.entries()].sort(([a], [b]) => compare(a, b))
    .map(([type, blocks]) => [type, blocks.sort(([a], [b]) => compare(a, b))]);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A resource block: its name and its body. */
type Block = readonly [string, unknown];

const GUARD_COMMENT = 'cdktf-mst: the addresses cdktf-mst 0.1 gave this service\'s users, kept from being destroyed; '
  + 'a plan that fails on this block upgrades with the context cdktf-mst:upgradeMoves set to true (README, Upgrading from cdktf-mst 0.1).';

/**
 * `blocks` (the users' blocks of one resource type, sorted by name) with the
 * guard of each service of `users` (see {@link UsersFile}) among them, still
 * sorted by name: a block named as 0.1 named the service's keyed block, with
 * no instance (`for_each` of nothing), the attributes the type requires, and
 * `prevent_destroy`.
 */
function withGuards(blocks: Block[], users: readonly ServiceUser[], required: (service: MstService) => Record<string, unknown>): Block[] {
  const services = [...new Set(users.map((u) => u.service))];
  const guards = services.map((service): Block => [keyedShapeBlockName(service.name), {
    '//': GUARD_COMMENT, for_each: {}, lifecycle: { prevent_destroy: true }, ...required(service),
  }]);
  // Keys in sorted order, as everywhere in the file.
  const sorted = guards.map(([name, body]): Block => [name, Object.fromEntries(Object.entries(body as object).sort(([a], [b]) => compare(a, b)))]);
  return [...blocks, ...sorted].sort(([a], [b]) => compare(a, b));
}
