/**
 * Everything cdktf-mst emits leaves through this module. The pipeline:
 *
 *   declarations   MstProject, MstService, ServiceUser, … (src/constructs), or a manifest loaded into them
 *     → spec       the same as plain data (src/domain/model.ts)
 *     → findings   the rule catalogue over the specs (src/domain/validate.ts); an error refuses the synth
 *     → blocks     here:
 *                  per service  the `postgresql` provider (aliased by service name), the variables it reads,
 *                               the password seed (`random_bytes.<service>_passwords`) and the sensitive
 *                               passwords output, as cdktf elements ({@link renderService});
 *                  per user     one `postgresql_role.<service>_<username>` block ({@link UserRole});
 *                  per stack    the access document under the JSON's `"//"` key ({@link StackRendering}).
 *
 * Role blocks are written by {@link StackRendering} into the JSON cdktf has just
 * rendered, after its token resolution: they hold no token (plain strings and
 * HCL expressions), and cdktf resolves an element's JSON value by value three
 * times per synth, which at thousands of users would cost more than all the
 * rest of the synth. Each role still has a handle ({@link UserRole}) that
 * other resources depend on and reference, and that takes overrides.
 *
 * Strings a user wrote (hosts, database names, usernames) are escaped before
 * they reach Terraform, which reads every string as a template: `${` and `%{`
 * in them stay text ({@link literal}). The rules refuse them earlier anyway.
 */
import { ITerraformDependable, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { Bytes } from '@cdktf/provider-random/lib/bytes';
import {
  DEFAULT_DATABASE, DEFAULT_ADMIN_USERNAME, DEFAULT_SSLMODE, defaultAdminPassword, defaultAdminPasswordVariable, hostVariable, portVariable, passwordSeedName,
  servicePasswordsOutputName, userPasswordOutputName, userResourceName,
} from '../domain/conventions';
import { DOCUMENT_KEY, toDocument } from '../domain/document';
import { compareText, finding, MstValidationError, usernameCollision } from '../domain/findings';
import { AIVEN_PROVIDER, mstApiFragment } from './mst-api';
import { escapeTemplate } from './hcl';
import { grantBlocks, postgresRole, RoleReference, TerraformBlock } from './grants';
import { roleBlock, RoleType, roleType } from './role-block';
import { ProjectSpec, SecretSource } from '../domain/model';
import { Deferred } from '../constructs/deferred';
import { Secret } from '../constructs/secret';
import { UserBackend } from '../domain/backend';
import type { MstService, ServiceConnection } from '../constructs/service';
import type { ServiceUser } from '../constructs/service-user';

/** App context key that sets the default `sslmode` of every service (cdktf.json's `context`). */
export const SSLMODE_CONTEXT = 'cdktf-mst:sslmode';

/**
 * `value` as Terraform reads it literally: a string is a template, so `${` and
 * `%{` are doubled to `$${` and `%%{`. A cdktf token (a variable's value, a
 * function call) is left for cdktf to render.
 */
export function literal(value: string): string {
  return Token.isUnresolved(value) ? value : escapeTemplate(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Per service

/** What {@link renderService} made for a service: the elements its users and the user's own code refer to. */
export interface ServiceBlocks {
  /** The admin connection's provider; made on first use (at once on the PostgreSQL-role backend, which needs it). */
  provider(): PostgresqlProvider;
  /** Where the admin password comes from (the default variable's name while it is not declared). */
  adminPassword(): SecretSource;
  /** The seed every generated password of the service derives from, and the output that shows them; made on first use. */
  passwords(): { readonly seed: Bytes; readonly output: TerraformOutput };
}

/**
 * The elements of one service: its provider (alias = service name, reaching the
 * admin connection), the variables it reads unless told otherwise, and, once a
 * user has a generated password, the seed and the sensitive passwords output.
 */
export function renderService(service: MstService, connection: ServiceConnection, adminPassword: Secret | undefined): ServiceBlocks {
  // The admin password's variable is declared with the provider: an MST API service without one reads none.
  let declared: Secret | undefined;
  const adminSecret = () => adminPassword ?? (declared ??= Secret.fromVariable(variable(service, 'admin-password',
    defaultAdminPasswordVariable(service.name), { type: 'string', sensitive: true, description: `Password of the admin of MST service ${service.name}.` })));
  const makeProvider = () => new PostgresqlProvider(service, 'provider', {
    alias: service.name,
    host: connection.host !== undefined ? literal(connection.host) : Deferred.variable(variable(service, 'host', hostVariable(service.name), {
      type: 'string', description: `Host name of MST service ${service.name}.`,
    })),
    port: connection.port ?? Deferred.numberVariable(variable(service, 'port', portVariable(service.name), {
      type: 'number', description: `Port of MST service ${service.name}.`,
    })),
    database: literal(connection.database ?? DEFAULT_DATABASE),
    username: literal(connection.username ?? DEFAULT_ADMIN_USERNAME),
    password: adminSecret().expressionIn(service),
    sslmode: literal(connection.sslmode ?? DEFAULT_SSLMODE),
    superuser: service.adminIsSuperuser,
  });
  let provider = service.backend === UserBackend.POSTGRES_ROLES ? makeProvider() : undefined;
  let passwords: { seed: Bytes; output: TerraformOutput } | undefined;
  return {
    provider: () => (provider ??= makeProvider()),
    adminPassword: () => (adminPassword ?? declared)?.source ?? defaultAdminPassword(service.name),
    passwords: () => (passwords ??= renderPasswords(service)),
  };
}

/**
 * The seed of a service's generated passwords and the output that shows them.
 * The seed is 64 random bytes kept in the state; bumping the service's
 * `passwordsVersion` replaces it, and with it every generated password of the service.
 */
function renderPasswords(service: MstService): { seed: Bytes; output: TerraformOutput } {
  const seed = new Bytes(service, 'password-seed', {
    provider: LibraryRandomProvider.of(service),
    length: 64,
    keepers: { version: String(service.passwordsVersion) },
  });
  seed.overrideLogicalId(passwordSeedName(service.name));
  const output = new TerraformOutput(service, 'passwords', {
    description: `Generated passwords of the users of MST service ${service.name}, by lowercased username.`,
    sensitive: true,
    value: Deferred.string(passwordsMap(service)),
  });
  output.overrideLogicalId(servicePasswordsOutputName(service.name));
  return { seed, output };
}

/**
 * The map of generated passwords by user key, as one Terraform expression
 * (`${{"grafana" = postgresql_role.metrics_grafana.password, …}}`): one string
 * cdktf scans quickly, where a JSON object it would resolve value by value.
 * Sorted by key, so the output is the same whatever the declaration order.
 */
function passwordsMap(service: MstService): () => string {
  // cdktf resolves the output twice per synth (preparing the stack, then rendering it): the
  // map is made again only when the service's users changed (the tree's walk gives a new list).
  let made: { users: readonly ServiceUser[]; map: string } | undefined;
  return () => {
    const users = service.users;
    if (made?.users !== users) {
      const entries = users.filter((u) => u.password.source.kind === 'generated')
        .map((u) => [u.key, `${u.role.address}.password`] as const)
        .sort(([a], [b]) => compareText(a, b));
      // Keys are usernames (letters, digits, underscores): a JSON string is an HCL string for them.
      made = { users, map: `\${{${entries.map(([key, reference]) => `${JSON.stringify(key)} = ${reference}`).join(', ')}}}` };
    }
    return made.map;
  };
}

function variable(scope: Construct, id: string, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, id, config);
  v.overrideLogicalId(name);
  return v;
}

/**
 * The library's own `random` provider configuration, aliased so it never meets
 * one the user declares (two unaliased configurations of one provider do not plan).
 */
class LibraryRandomProvider extends RandomProvider {
  public static of(scope: IConstruct): LibraryRandomProvider {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(LibraryRandomProvider.ID) as LibraryRandomProvider | undefined)
      ?? new LibraryRandomProvider(stack, LibraryRandomProvider.ID, { alias: 'cdktf_mst' });
  }

  private static readonly ID = 'cdktf-mst-random';
}

// ---------------------------------------------------------------------------------------------------------------
// Generated passwords

// ---------------------------------------------------------------------------------------------------------------
// Per user

/**
 * The PostgreSQL role of a {@link ServiceUser}, as its backend makes it (a
 * handle, not a construct of its own: one per user would double the tree's
 * size at thousands of users):
 * `postgresql_role.<service>_<username lowercased>`, or
 * `aiven_pg_user.<service>_<username lowercased>` on the MST API backend.
 * Pass it to `dependsOn` of your own resources (a grant, a database owned by
 * the user) so they are created after it and destroyed before it, or use
 * {@link name} in them, which does the same.
 */
export class UserRole implements ITerraformDependable {
  /** The block's address, e.g. `postgresql_role.metrics_grafana`: what `dependsOn` renders. */
  public readonly fqn: string;
  /** The block's address, e.g. `postgresql_role.metrics_grafana`. */
  public readonly address: string;
  /** The role's name as a reference to the block (`${postgresql_role.metrics_grafana.name}`): using it orders your resource after the role. */
  public readonly name: string;
  /** @internal The block's resource type and name. */
  public readonly type: RoleType;
  /** @internal */
  public readonly blockName: string;
  private readonly overrides: Record<string, unknown> = {};

  /** @internal */
  constructor(private readonly user: ServiceUser) {
    this.type = roleType(user.service.backend.id);
    this.blockName = userResourceName(user.service.name, user.username);
    this.address = `${this.type}.${this.blockName}`;
    this.fqn = this.address;
    this.name = `\${${this.address}.${this.type === 'aiven_pg_user' ? 'username' : 'name'}}`;
  }

  /**
   * Sets `path` (dot-separated, e.g. `lifecycle.prevent_destroy`) in the
   * rendered block, as cdktf's escape hatch does for its resources; a value of
   * `undefined` removes the attribute.
   */
  public addOverride(path: string, value: unknown): void {
    const parts = path.split('.');
    let at = this.overrides;
    for (const part of parts.slice(0, -1)) {
      const next = at[part];
      at = (at[part] = typeof next === 'object' && next !== null && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    at[parts[parts.length - 1]] = value;
  }

  /**
   * @internal The blocks of the user's grants (render/grants.ts): through the
   * service's admin connection, whatever the backend that made the role.
   */
  public grantBlocks(roleOf: RoleReference): TerraformBlock[] {
    const user = this.user;
    if (user.grantList.length === 0) return [];
    const service = user.service;
    return grantBlocks(user.toSpec(), {
      name: service.name, providerFqn: `postgresql.${service.name}`, adminUsername: service.adminUsername, database: service.database,
    }, roleOf);
  }

  /** @internal The block's attributes (keys sorted, as cdktf writes them), overrides applied. */
  public body(): Record<string, unknown> {
    const user = this.user;
    const { body } = roleBlock(user.service.roleBlockService, { username: user.username, allowReplication: user.allowReplication,
      password: user.password.source, passwordVersion: user.passwordVersion, grants: user.grantList });
    return Object.keys(this.overrides).length === 0 ? body : merged(body, this.overrides);
  }

}

function merged(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const old = out[key];
    if (value === undefined) delete out[key];
    else if (isRecord(value) && isRecord(old)) out[key] = merged(old, value);
    else out[key] = value;
  }
  return out;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The sensitive output of one user's generated password: `<service>_<username>_password`. */
export function renderPasswordOutput(user: ServiceUser): TerraformOutput {
  const output = new TerraformOutput(user, 'password', {
    value: `\${${user.role.address}.password}`,
    description: `Password of user ${user.username} on MST service ${user.service.name}.`,
    sensitive: true,
  });
  output.overrideLogicalId(userPasswordOutputName(user.service.name, user.username));
  return output;
}

// ---------------------------------------------------------------------------------------------------------------
// Per stack

/** What the stack's rendering needs from its validation. */
export interface StackDeclarations {
  /** Every service of the stack. */
  services(): readonly MstService[];
  /** Every user of the stack. */
  users(): readonly ServiceUser[];
  /** The stack's projects as plain data. */
  specs(): ProjectSpec[];
}

/**
 * Adds the stack's role blocks and access document to what cdktf renders for
 * it (`toTerraform`, and `toHclTerraform` when the app writes HCL), set up once
 * per stack. A stack with errors never gets here: its ErrorGate (stack-validation.ts)
 * throws when cdktf asks it for its JSON, in `prepareStack` before either is
 * rendered and inside `toTerraform` itself, whether validation was skipped or not.
 */
export class StackRendering {
  public static setUp(stack: TerraformStack, declarations: StackDeclarations): void {
    if (rendered.has(stack)) return;
    rendered.add(stack);
    const json = stack.toTerraform.bind(stack);
    stack.toTerraform = () => {
      const tf = json() as Record<string, any>;
      sortOwnProviders(tf.provider?.postgresql, new Set(declarations.services().map((s) => s.name)));
      const roleOf = roleReferences(declarations.services());
      for (const role of roleBlocks(declarations.users())) {
        ((tf.resource ??= {})[role.type] ??= {})[role.blockName] = role.body();
        for (const b of role.grantBlocks(roleOf)) (tf.resource[b.type] ??= {})[b.name] = b.body;
      }
      const api = mstApiFragment(declarations.specs());
      if (api) {
        (tf.provider ??= {}).aiven = [...(tf.provider.aiven ?? []), ...api.provider];
        ((tf.terraform ??= {}).required_providers ??= {}).aiven = AIVEN_PROVIDER;
        for (const [section, blocks] of [['data', api.data], ['resource', api.resource]] as const) {
          for (const [type, byName] of Object.entries(blocks)) tf[section] = { ...tf[section], [type]: { ...tf[section]?.[type], ...byName } };
        }
        if (Object.keys(api.check).length > 0) tf.check = { ...tf.check, ...api.check };
      }
      tf['//'] = { ...tf['//'], [DOCUMENT_KEY]: toDocument(declarations.specs()) };
      return tf;
    };
    const hcl = stack.toHclTerraform.bind(stack);
    stack.toHclTerraform = () => {
      const out = hcl() as { hcl: string };
      const api = mstApiFragment(declarations.specs());
      if (api) {
        throw new MstValidationError([finding('MST-BACKEND-003', stack.node.path,
          'the stack uses the MST API backend and is synthesized as HCL', 'turn off hclOutput (SYNTH_HCL_OUTPUT) for the stack')]);
      }
      const roleOf = roleReferences(declarations.services());
      const blocks = roleBlocks(declarations.users(), 'name').flatMap((r) => [
        hclBlock(`resource "${r.type}"`, r.blockName, r.body()),
        ...r.grantBlocks(roleOf).map((b) => hclBlock(`resource "${b.type}"`, b.name, b.body)),
      ]);
      return { ...out, hcl: `${out.hcl}${blocks.map((b) => `\n${b}`).join('')}` };
    };
  }
}

const rendered = new WeakSet<TerraformStack>();

/** How each service of the stack names its users' roles, by its backend (for grants naming another user). */
function roleReferences(services: readonly MstService[]): RoleReference {
  const mstApi = new Set(services.filter((s) => s.backend === UserBackend.MST_API).map((s) => s.name));
  return (service, username) => (mstApi.has(service)
    ? `\${aiven_pg_user.${userResourceName(service, username)}.username}` : postgresRole(service, username));
}

/**
 * Orders the library's own provider configurations (one per service) by alias,
 * in the places they hold among the stack's: cdktf lists them in declaration
 * order, and reordering services should leave the bytes alone. The user's own
 * configurations keep their places.
 */
function sortOwnProviders(configs: unknown, aliases: ReadonlySet<string>): void {
  if (!Array.isArray(configs)) return;
  const own = (c: unknown) => isRecord(c) && typeof c.alias === 'string' && aliases.has(c.alias);
  const slots = configs.flatMap((c, i) => (own(c) ? [i] : []));
  const sorted = slots.map((i) => configs[i] as { alias: string }).sort((a, b) => compareText(a.alias, b.alias));
  slots.forEach((slot, k) => { configs[slot] = sorted[k]; });
}

/**
 * Each user's role block, in tree order, or by name for HCL (the JSON's keys
 * are sorted as it is written); two users with one name are refused:
 * validation reports them first (MST-USER-002), this makes sure none is ever merged away.
 */
function roleBlocks(users: readonly ServiceUser[], order: 'tree' | 'name' = 'tree'): UserRole[] {
  const byName = new Map<string, ServiceUser>();
  for (const user of users) {
    const previous = byName.get(user.role.blockName);
    if (previous) {
      throw new MstValidationError([usernameCollision(user.node.path, user.username, previous.username, user.service.name)]);
    }
    byName.set(user.role.blockName, user);
  }
  const roles = users.map((u) => u.role);
  return order === 'tree' ? roles : roles.sort((a, b) => compareText(a.blockName, b.blockName));
}

/** One block in HCL: nested objects as nested blocks, `provider` and `depends_on` as references. */
function hclBlock(head: string, name: string | undefined, body: Record<string, unknown>, indent = ''): string {
  const inner = `${indent}  `;
  const lines = Object.entries(body).map(([key, value]) => {
    if (isRecord(value)) return hclBlock(key, undefined, value, inner);
    if (Array.isArray(value) && value.every(isRecord)) return value.map((v) => hclBlock(key, undefined, v, inner)).join('');
    if (key === 'provider') return `${inner}${key} = ${String(value)}`;
    if (key === 'depends_on' && Array.isArray(value)) return `${inner}${key} = [${value.join(', ')}]`;
    return `${inner}${key} = ${JSON.stringify(value)}`;
  });
  return `${indent}${head}${name === undefined ? '' : ` ${JSON.stringify(name)}`} {\n${lines.join('\n')}\n${indent}}\n`;
}
