import { DefaultTokenResolver, StringConcat, TerraformOutput, TerraformStack, Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { finding, quote } from '../domain/findings';
import { ConnectionSetting, ConnectionSpec, SecretSource, ServiceSpec } from '../domain/model';
import { PowerState } from '../domain/power-state';
import {
  DEFAULT_ADMIN_IS_SUPERUSER, DEFAULT_ADMIN_USERNAME, DEFAULT_DATABASE, DEFAULT_PASSWORD_VERSION, DEFAULT_SSLMODE,
  DEFAULT_WRITE_ONLY_PASSWORDS, hostVariable, portVariable, serviceVariablePrefix, USERS_SCOPE,
} from '../domain/conventions';
import {
  checkAdminSecret, checkBackend, checkConnectionStrings, checkPasswordVersion, checkPostgresVersion, checkServiceName,
} from '../domain/checks';
import { DEFAULT_BACKEND, UserBackend } from '../domain/backend';
import { renderService, ServiceBlocks, SSLMODE_CONTEXT } from '../render/render';
import type { RoleBlockService } from '../render/role-block';
import { checkSameStack, declare } from './declare';
import type { MstProject } from './project';
import { Secret } from './secret';
import { ServiceUser, ServiceUserOptions } from './service-user';
import { markDeclaration, StackValidation } from './stack-validation';

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
  readonly powerState?: PowerState;
  /**
   * Bump to rotate every generated password of the service at once: the seed
   * they derive from is replaced. (One user rotates with its own `passwordVersion`.)
   * @default 1
   */
  readonly passwordsVersion?: number;
  /**
   * How the service's users are made real: PostgreSQL roles through the admin
   * connection, or MST's own service users through its API (the console lists
   * them; needs the project's `mstApi`).
   * @default - the project's backend (`UserBackend.POSTGRES_ROLES` unless it says otherwise)
   */
  readonly backend?: UserBackend;
  /**
   * Send user passwords through the provider's write-only attributes
   * (`password_wo`), keeping them out of the Terraform state. Needs OpenTofu
   * 1.11+ / Terraform 1.11+ and passwords from variables (MST-SEC-003).
   * @default false
   */
  readonly writeOnlyPasswords?: boolean;
}

/**
 * An MST service and the PostgreSQL users on it. Emits one aliased `postgresql`
 * provider (alias = the service name) and, per user, one `postgresql_role`
 * block named `<service>_<lowercased username>`, e.g.
 * `postgresql_role.metrics_grafana`; generated passwords derive from one
 * `random_bytes.<service>_passwords` seed (src/render/render.ts).
 */
export class MstService extends Construct {
  public readonly project: MstProject;
  public readonly name: string;
  public readonly postgresVersion?: number;
  public readonly powerState?: PowerState;
  public readonly writeOnlyPasswords: boolean;
  public readonly adminIsSuperuser: boolean;
  /** The version of the seed every generated password of the service derives from. */
  public readonly passwordsVersion: number;
  /** How the service's users are made real. */
  public readonly backend: UserBackend;
  /** The admin the provider connects as: the owner of the tables its deploys and migrations create, whose future tables grants cover. */
  public readonly adminUsername: string;
  /** The database the provider connects to: where grants apply unless they name another. */
  public readonly database: string;
  /** @internal Parent of the users added with `addUser`. */
  public readonly usersScope: Construct;
  private readonly blocks: ServiceBlocks;
  private readonly connection: ConnectionSpec;
  private _passwordsOutput?: TerraformOutput;
  private _roleBlockService?: RoleBlockService;

  constructor(scope: Construct, id: string, props: MstServiceProps) {
    const name = props.name ?? id;
    const givenAdminPassword = Secret.of(props.adminPassword, undefined);
    const passwordsVersion = props.passwordsVersion ?? DEFAULT_PASSWORD_VERSION;
    super(scope, declare(scope, id, (path) => [
      ...checkServiceName(path, name),
      ...checkPostgresVersion(path, props.postgresVersion),
      ...checkPasswordVersion(path, passwordsVersion, name, 'passwordsVersion', `service ${quote(name)}`),
      ...(givenAdminPassword ? checkAdminSecret(path, givenAdminPassword.source, name) : []),
      ...checkConnectionStrings(path, literals(props.connection), name),
      ...checkSameStack(path, scope, props.project, () => ({ what: `service ${quote(name)}`, ownerWhat: `project ${quote(props.project.name)}` })),
      ...checkBackend(path, props.backend),
    ], (path, existing) => (existing instanceof MstService ? finding('MST-SVC-003', path,
      `service name ${quote(existing.name)} is already used at ${existing.node.path}`, 'rename one of the services', name) : undefined)));
    this.project = props.project;
    this.name = name;
    this.postgresVersion = props.postgresVersion;
    this.powerState = props.powerState;
    this.passwordsVersion = passwordsVersion;
    this.writeOnlyPasswords = props.writeOnlyPasswords ?? DEFAULT_WRITE_ONLY_PASSWORDS;
    const connection = props.connection ?? {};
    this.adminIsSuperuser = connection.superuser ?? DEFAULT_ADMIN_IS_SUPERUSER;
    this.backend = props.backend ?? props.project.backend;
    this.adminUsername = connection.username ?? DEFAULT_ADMIN_USERNAME;
    this.database = connection.database ?? DEFAULT_DATABASE;
    const sslmode = connection.sslmode ?? this.node.tryGetContext(SSLMODE_CONTEXT) ?? DEFAULT_SSLMODE;
    this.connection = {
      host: setting(this, connection.host, { variable: hostVariable(this.name) }),
      port: setting(this, connection.port, { variable: portVariable(this.name) }),
      database: setting(this, connection.database, { literal: DEFAULT_DATABASE }),
      username: setting(this, connection.username, { literal: DEFAULT_ADMIN_USERNAME }),
      sslmode: setting(this, sslmode, { literal: DEFAULT_SSLMODE }),
    };
    this.blocks = renderService(this, { ...connection, sslmode }, givenAdminPassword);
    this.usersScope = new Construct(this, USERS_SCOPE);
    StackValidation.declared(this);
  }

  /**
   * The `postgresql` provider configured for this service's admin connection;
   * pass it to your own postgresql resources. On the MST API backend it is
   * declared on first use (with the host, port and admin password variables it reads).
   */
  public get provider(): PostgresqlProvider {
    return this.blocks.provider();
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
      ...(this.powerState ? { state: this.powerState.id } : {}),
      ...(this.postgresVersion !== undefined ? { postgresVersion: this.postgresVersion } : {}),
      adminIsSuperuser: this.adminIsSuperuser,
      connection: this.connection,
      adminPassword: this.blocks.adminPassword(),
      writeOnlyPasswords: this.writeOnlyPasswords,
      ...(this.backend.id !== DEFAULT_BACKEND ? { backend: this.backend.id } : {}),
      users: users.map((u) => u.toSpec()),
    };
  }

  /** Prefix of the variables and outputs of this service (`-` becomes `_` for shell-friendly TF_VAR_ names). */
  public get variablePrefix(): string {
    return serviceVariablePrefix(this.name);
  }

  /**
   * The sensitive output `<service>_passwords` (hyphens become underscores, as
   * in the variables): the generated passwords of the service's users, keyed by
   * lowercased username (`cdktf-mst password <service> <user>` prints one).
   * Undefined while no user has a generated password. One map per service
   * rather than one output per user, which costs plan time; a user's own output
   * is there on request ({@link ServiceUser.passwordOutput}).
   */
  public get passwordsOutput(): TerraformOutput | undefined {
    return this._passwordsOutput;
  }

  /** @internal What a role block names of the service and its project. */
  public get roleBlockService(): RoleBlockService {
    return (this._roleBlockService ??= {
      name: this.name, project: this.project.name, backend: this.backend.id, writeOnlyPasswords: this.writeOnlyPasswords,
    });
  }

  /** @internal Where the admin password comes from, read afresh (the stack's last check of the secrets, at synth). */
  public adminSecret(): SecretSource {
    return this.blocks.adminPassword();
  }

  /** @internal Called by a user with a generated password: the seed the service's generated passwords derive from, and their output. */
  public generatesPasswords(): void {
    this._passwordsOutput ??= this.blocks.passwords().output;
  }
}

markDeclaration(MstService, 'service');

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
