import {
  DefaultTokenResolver, StringConcat, TerraformOutput, TerraformStack, TerraformVariable, Token, Tokenization,
} from 'cdktf';
import { Construct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { finding, quote } from '../domain/findings';
import { ConnectionSetting, ConnectionSpec, ServiceSpec } from '../domain/model';
import { PowerState } from '../domain/power-state';
import {
  DEFAULT_ADMIN_IS_SUPERUSER, DEFAULT_ADMIN_USERNAME, DEFAULT_DATABASE, DEFAULT_SSLMODE, DEFAULT_WRITE_ONLY_PASSWORDS,
  defaultAdminPasswordVariable, hostVariable, portVariable, serviceVariablePrefix, servicePasswordsOutputName, USERS_SCOPE,
} from '../domain/conventions';
import { checkAdminSecret, checkConnectionStrings, checkPostgresVersion, checkServiceName } from '../domain/checks';
import { checkSameStack, declare } from './declare';
import { Deferred } from './deferred';
import type { MstProject } from './project';
import { Secret } from './secret';
import { ServiceUser, ServiceUserOptions } from './service-user';
import { markDeclaration, StackValidation } from './stack-validation';
import { UsersFile } from './user-blocks';

/** How the provider reaches the service's PostgreSQL. Every field has MST's default. */
export interface ServiceConnection {
  /** @default - the Terraform variable `<service>_host` (set `TF_VAR_<service>_host`) */
  readonly host?: string;
  /** @default - the Terraform variable `<service>_port` (set `TF_VAR_<service>_port`) */
  readonly port?: number;
  /** @default 'defaultdb' */
  readonly database?: string;
  /** @default 'tsdbadmin' */
  readonly username?: string;
  /**
   * @default - the app context value `cdktf-mst:sslmode` when set (`npm start` sets
   * `disable` for its local clusters, which have no TLS), else 'require'
   */
  readonly sslmode?: string;
  /**
   * Whether the admin is a PostgreSQL superuser. MST's tsdbadmin is not; this
   * decides whether replication users need PostgreSQL 16+ (MST-USER-004).
   * @default false
   */
  readonly superuser?: boolean;
}

/** Props of {@link MstService}. */
export interface MstServiceProps {
  /** The project the service belongs to. */
  readonly project: MstProject;
  /** The MST service name; resource addresses derive from it. @default - the construct id */
  readonly name?: string;
  /** How to reach the service. @default - MST's defaults, host and port from variables */
  readonly connection?: ServiceConnection;
  /**
   * The admin's password, from a sensitive variable.
   * @default - a sensitive variable `<service>_admin_password` (set `TF_VAR_<service>_admin_password`)
   */
  readonly adminPassword?: Secret;
  /** PostgreSQL major version. @default - unknown: replication users get MST-USER-005 */
  readonly postgresVersion?: number;
  /** Managed power state; needs Start and stop services. @default - not managed */
  readonly state?: PowerState;
  /**
   * Send user passwords through the provider's write-only attributes
   * (`password_wo`), keeping them out of the Terraform state. Needs OpenTofu
   * 1.11+ / Terraform 1.11+ and passwords from variables (MST-SEC-003).
   * @default false
   */
  readonly writeOnlyPasswords?: boolean;
}

/**
 * An MST service and the PostgreSQL users on it. Emits one aliased
 * `postgresql` provider and, per user, one `postgresql_role` block and (for a
 * generated password) one `random_password` block named
 * `<service>_<lowercased username>`, e.g. `postgresql_role.metrics_grafana`.
 */
export class MstService extends Construct {
  public readonly project: MstProject;
  public readonly name: string;
  public readonly postgresVersion?: number;
  public readonly state?: PowerState;
  public readonly writeOnlyPasswords: boolean;
  public readonly adminIsSuperuser: boolean;
  /** The provider configured for this service; pass it to your own postgresql resources. */
  public readonly provider: PostgresqlProvider;
  /** @internal Parent of the users added with `addUser`. */
  public readonly usersScope: Construct;
  private readonly adminPassword: Secret;
  private readonly connection: ConnectionSpec;
  private _passwordsOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: MstServiceProps) {
    const name = props.name ?? id;
    const givenAdminPassword = Secret.of(props.adminPassword, undefined);
    super(scope, declare(scope, id, (path) => [
      ...checkServiceName(path, name),
      ...checkPostgresVersion(path, props.postgresVersion),
      ...(givenAdminPassword ? checkAdminSecret(path, givenAdminPassword.source, name) : []),
      ...checkConnectionStrings(path, literals(props.connection), name),
      ...checkSameStack(path, scope, `service ${quote(name)}`, props.project, `project ${quote(props.project.name)}`),
    ], (path, existing) => (existing instanceof MstService ? finding('MST-SVC-003', path,
      `service name ${quote(existing.name)} is already used at ${existing.node.path}`, 'rename one of the services', name) : undefined)));
    this.project = props.project;
    this.name = name;
    this.postgresVersion = props.postgresVersion;
    this.state = props.state;
    this.writeOnlyPasswords = props.writeOnlyPasswords ?? DEFAULT_WRITE_ONLY_PASSWORDS;

    const c = props.connection ?? {};
    this.adminIsSuperuser = c.superuser ?? DEFAULT_ADMIN_IS_SUPERUSER;
    this.adminPassword = givenAdminPassword
      ?? Secret.fromVariable(variable(this, 'admin-password', defaultAdminPasswordVariable(this.name), {
        type: 'string', sensitive: true, description: `Password of the admin of MST service ${this.name}.`,
      }));
    const sslmode = c.sslmode ?? this.node.tryGetContext(SSLMODE_CONTEXT) ?? DEFAULT_SSLMODE;
    this.connection = {
      host: setting(this, c.host, { variable: hostVariable(this.name) }),
      port: setting(this, c.port, { variable: portVariable(this.name) }),
      database: setting(this, c.database, { literal: DEFAULT_DATABASE }),
      username: setting(this, c.username, { literal: DEFAULT_ADMIN_USERNAME }),
      sslmode: setting(this, sslmode, { literal: DEFAULT_SSLMODE }),
    };
    this.provider = new PostgresqlProvider(this, 'provider', {
      alias: this.name,
      host: c.host ?? variable(this, 'host', hostVariable(this.name), {
        type: 'string', description: `Host name of MST service ${this.name}.`,
      }).stringValue,
      port: c.port ?? variable(this, 'port', portVariable(this.name), {
        type: 'number', description: `Port of MST service ${this.name}.`,
      }).numberValue,
      database: c.database ?? DEFAULT_DATABASE,
      username: c.username ?? DEFAULT_ADMIN_USERNAME,
      password: this.adminPassword.expression,
      sslmode,
      superuser: this.adminIsSuperuser,
    });
    this.usersScope = new Construct(this, USERS_SCOPE);
    // The users' blocks are written with the stack's other users' into mst-users.tf.json.
    UsersFile.of(this);
    markDeclaration(this, 'service');
    StackValidation.declared(this);
  }

  /** Users on this service, in the order of the construct tree (declaration order for those added with `addUser`). */
  public get users(): readonly ServiceUser[] {
    return StackValidation.of(this).usersOf(this);
  }

  /** Adds a PostgreSQL user (login role) to this service. */
  public addUser(username: string, options: ServiceUserOptions = {}): ServiceUser {
    return new ServiceUser(this, username, { ...options, service: this, username });
  }

  /** The service as plain data. */
  public toSpec(): ServiceSpec {
    return this.specWith(this.users);
  }

  /** @internal The service as plain data, given its users (found by the stack's walk). */
  public specWith(users: readonly ServiceUser[]): ServiceSpec {
    return {
      path: this.node.path,
      name: this.name,
      ...(this.state ? { state: this.state.id } : {}),
      ...(this.postgresVersion !== undefined ? { postgresVersion: this.postgresVersion } : {}),
      adminIsSuperuser: this.adminIsSuperuser,
      connection: this.connection,
      adminPassword: this.adminPassword.source,
      writeOnlyPasswords: this.writeOnlyPasswords,
      users: users.map((u) => u.toSpec()),
    };
  }

  /** @internal Where the admin password comes from, read afresh (the stack's last check of the secrets, at synth). */
  public get adminSecret(): Secret {
    return this.adminPassword;
  }

  /** Prefix of the variables and outputs of this service (`-` becomes `_` for shell-friendly TF_VAR_ names). */
  public get variablePrefix(): string {
    return serviceVariablePrefix(this.name);
  }

  /**
   * The sensitive output `<service>_passwords` (hyphens become underscores, as
   * in the variables): the generated passwords of the service's users, keyed by
   * lowercased username (`tofu output -json metrics_passwords`). Undefined while
   * no user has a generated password. One map per service rather than one
   * output per user: 1,000 outputs add about 40% to the CPU time of a plan, one
   * map per service about 3% (docs/performance.md). A user's own output is
   * there on request ({@link ServiceUser.passwordOutput}).
   */
  public get passwordsOutput(): TerraformOutput | undefined {
    return this._passwordsOutput;
  }

  /** @internal Called by a ServiceUser of this service with a generated password: the random provider and the map output. */
  public generatesPasswords(): void {
    MstRandomProvider.ensure(this);
    this._passwordsOutput ??= this.newPasswordsOutput();
  }

  private newPasswordsOutput(): TerraformOutput {
    const output = new TerraformOutput(this, 'passwords', {
      description: `Generated passwords of the users of MST service ${this.name}, by lowercased username.`,
      sensitive: true,
      value: Deferred.any(() => passwordsMap(this.users)),
    });
    output.overrideLogicalId(servicePasswordsOutputName(this.name));
    return output;
  }
}

/**
 * The map of `users`' generated passwords by user key, as one Terraform
 * expression (`${{"grafana" = random_password.metrics_grafana.result, …}}`)
 * rather than a JSON object of one reference each: the engine reads both the
 * same way, but cdktf resolves an element's JSON value by value, three times
 * per synth, and at 1,000 users per service that walk cost a fifth of the
 * library's synth; one string it scans in a few passes of a regular expression.
 * Sorted by key, so the output is the same whatever the declaration order.
 */
function passwordsMap(users: readonly ServiceUser[]): string {
  const entries = users.filter((u) => u.passwordAddress !== undefined)
    .map((u) => [u.key, u.passwordReference!] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Keys are usernames (letters, digits, underscores): a JSON string is an HCL string for them.
  return `\${{${entries.map(([key, reference]) => `${JSON.stringify(key)} = ${reference}`).join(', ')}}}`;
}

/**
 * A connection setting as the spec records it: a value written in the
 * configuration, or, for a token of the typed API (a variable's value, a
 * function call), the expression cdktf renders it as, resolved when the
 * access document is written, once the tree is complete (a token may refer
 * to what is declared after the service).
 */
function setting(scope: Construct, given: unknown, fallback: ConnectionSetting): ConnectionSetting {
  if (given === undefined) return fallback;
  if (!Token.isUnresolved(given)) return { literal: given as string | number };
  const stack = TerraformStack.of(scope);
  return {
    get expression(): string {
      return String(Tokenization.resolve(given, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) }));
    },
  };
}

/** The strings of a connection written in the configuration, not tokens: what reaches the provider block verbatim. */
function literals(c: ServiceConnection | undefined): Partial<Record<'host' | 'database' | 'username' | 'sslmode', unknown>> {
  const out: Partial<Record<'host' | 'database' | 'username' | 'sslmode', unknown>> = {};
  for (const key of ['host', 'database', 'username', 'sslmode'] as const) {
    const v = c?.[key];
    if (v !== undefined && !Token.isUnresolved(v)) out[key] = v;
  }
  return out;
}

/** App context key that sets the default `sslmode` of every service (cdktf.json's `context`). */
export const SSLMODE_CONTEXT = 'cdktf-mst:sslmode';

function variable(scope: Construct, id: string, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, id, config);
  v.overrideLogicalId(name);
  return v;
}

/**
 * The stack's default (unaliased) `random` provider, declared on the first
 * generated password. Whether the stack needs it is decided at synth, when the
 * tree is complete: if the user declares an unaliased RandomProvider of their
 * own, before or after the users, this one renders nothing (two default
 * configurations of one provider do not plan).
 */
class MstRandomProvider extends RandomProvider {
  public static ensure(scope: Construct): void {
    const stack = TerraformStack.of(scope);
    if (!stack.node.tryFindChild(MstRandomProvider.ID)) new MstRandomProvider(stack, MstRandomProvider.ID);
  }

  private static readonly ID = 'mst-random';

  public toTerraform(): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.userHasOwn() ? {} : super.toTerraform();
  }

  public toHclTerraform(): any { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.userHasOwn() ? {} : super.toHclTerraform();
  }

  private userHasOwn(): boolean {
    return TerraformStack.of(this).node.findAll()
      .some((c) => c !== this && c instanceof RandomProvider && c.alias === undefined);
  }
}
