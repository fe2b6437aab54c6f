import { App, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { PostgresqlProvider } from '@cdktf/provider-postgresql/lib/provider';
import { Role } from '@cdktf/provider-postgresql/lib/role';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { finding, MstValidationError, quote } from '../domain/findings';
import { PowerState as PowerStateId, ServiceSpec } from '../domain/model';
import {
  checkAdminSecret, checkPostgresVersion, checkServiceName, defaultAdminPasswordVariable, serviceVariablePrefix,
} from '../domain/names';
import { declare } from './declare';
import { Deferred } from './deferred';
import type { MstProject } from './project';
import { PasswordOutputs } from './password-outputs';
import { Secret } from './secret';
import { ServiceUser, ServiceUserOptions } from './service-user';

/** A service's power state, when the stack manages it. */
export class PowerState {
  public static readonly RUNNING = new PowerState('running');
  public static readonly POWERED_OFF = new PowerState('powered-off');

  /** The state spelled `id` (`running`, `powered-off`). */
  public static of(id: string): PowerState {
    const state = [PowerState.RUNNING, PowerState.POWERED_OFF].find((s) => s.id === id);
    if (!state) {
      throw new MstValidationError([finding('MST-API-001', 'PowerState.of', `power state ${quote(String(id))} is not known`,
        'use PowerState.RUNNING or PowerState.POWERED_OFF (running or powered-off)', String(id))]);
    }
    return state;
  }

  private constructor(public readonly id: PowerStateId) {}
}

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
 * `postgresql` provider, one `postgresql_role` block keyed by username
 * (`postgresql_role.<service>["<username>"]`) and one `random_password` block
 * for the generated passwords.
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
  /** @internal Whether the app writes HCL, where each user's password output must be a TerraformOutput of its own. */
  public readonly synthesizesHcl: boolean;
  private readonly adminPassword: Secret;
  private readonly _users: ServiceUser[] = [];
  private roles?: Role;
  private passwords?: Password;

  constructor(scope: Construct, id: string, props: MstServiceProps) {
    const name = props.name ?? id;
    const givenAdminPassword = Secret.of(props.adminPassword, undefined);
    super(scope, declare(scope, id, (path) => [
      ...checkServiceName(path, name),
      ...checkPostgresVersion(path, props.postgresVersion),
      ...(givenAdminPassword ? checkAdminSecret(path, givenAdminPassword.source, name) : []),
    ], (path, existing) => (existing instanceof MstService ? finding('MST-SVC-003', path,
      `service name ${quote(existing.name)} is already used at ${existing.node.path}`, 'rename one of the services', name) : undefined)));
    this.project = props.project;
    this.name = name;
    this.postgresVersion = props.postgresVersion;
    this.state = props.state;
    this.writeOnlyPasswords = props.writeOnlyPasswords ?? false;

    const c = props.connection ?? {};
    this.adminIsSuperuser = c.superuser ?? false;
    const base = this.variablePrefix;
    this.adminPassword = givenAdminPassword
      ?? Secret.fromVariable(variable(this, 'admin-password', defaultAdminPasswordVariable(this.name), {
        type: 'string', sensitive: true, description: `Password of the admin of MST service ${this.name}.`,
      }));
    this.provider = new PostgresqlProvider(this, 'provider', {
      alias: this.name,
      host: c.host ?? variable(this, 'host', `${base}_host`, {
        type: 'string', description: `Host name of MST service ${this.name}.`,
      }).stringValue,
      port: c.port ?? variable(this, 'port', `${base}_port`, {
        type: 'number', description: `Port of MST service ${this.name}.`,
      }).numberValue,
      database: c.database ?? 'defaultdb',
      username: c.username ?? 'tsdbadmin',
      password: this.adminPassword.expression,
      sslmode: c.sslmode ?? this.node.tryGetContext(SSLMODE_CONTEXT) ?? 'require',
      superuser: this.adminIsSuperuser,
    });
    this.usersScope = new Construct(this, 'users');
    this.synthesizesHcl = synthesizesHcl(this);
    // Renders the users' password outputs (nothing while no user has a generated password).
    new PasswordOutputs(this, 'password-outputs', () => this._users);
    this.project.registerService(this);
  }

  /** Users on this service, in declaration order. */
  public get users(): readonly ServiceUser[] {
    return this._users;
  }

  /** Adds a PostgreSQL user (login role) to this service. */
  public addUser(username: string, options: ServiceUserOptions = {}): ServiceUser {
    return new ServiceUser(this, username, { ...options, service: this, username });
  }

  /** The service as plain data. */
  public toSpec(): ServiceSpec {
    return {
      path: this.node.path,
      name: this.name,
      ...(this.state ? { state: this.state.id } : {}),
      ...(this.postgresVersion !== undefined ? { postgresVersion: this.postgresVersion } : {}),
      adminIsSuperuser: this.adminIsSuperuser,
      adminPassword: this.adminPassword.source,
      writeOnlyPasswords: this.writeOnlyPasswords,
      users: this._users.map((u) => u.toSpec()),
    };
  }

  /** Terraform address of the role block; each user is `<address>["<key>"]`. */
  public get roleAddress(): string {
    return `postgresql_role.${this.name}`;
  }

  /** Terraform address of the generated-password block. */
  public get passwordAddress(): string {
    return `random_password.${this.name}`;
  }

  /** Prefix of the variables and outputs of this service (`-` becomes `_` for shell-friendly TF_VAR_ names). */
  public get variablePrefix(): string {
    return serviceVariablePrefix(this.name);
  }

  /** @internal Called by ServiceUser: renders the blocks the first user needs. */
  public registerUser(user: ServiceUser): void {
    this._users.push(user);
    this.project.registerChild(user);
    this.roles ??= this.renderRoles();
    if (user.password.source.kind === 'generated') this.passwords ??= this.renderPasswords();
  }

  private renderRoles(): Role {
    // One block keyed by username: stable, readable addresses and one resource to resolve per service.
    const role = new Role(this, 'roles', { provider: this.provider, name: '${each.value.name}', login: true });
    role.overrideLogicalId(this.name);
    role.addOverride('for_each', Deferred.any(
      () => Object.fromEntries(this.sortedUsers().map((u) => [u.key, u.roleInstance()])),
    ));
    role.addOverride('replication', '${each.value.replication}');
    if (this.writeOnlyPasswords) {
      role.addOverride('password_wo', Deferred.string(() => this.passwordExpression()));
      role.addOverride('password_wo_version', '${each.value.password_version}');
    } else {
      role.addOverride('password', Deferred.string(() => this.passwordExpression()));
    }
    return role;
  }

  private renderPasswords(): Password {
    ensureRandomProvider(this);
    const passwords = new Password(this, 'passwords', { length: 32, special: false });
    passwords.overrideLogicalId(this.name);
    passwords.addOverride('for_each', Deferred.any(
      () => Object.fromEntries(this.sortedUsers()
        .filter((u) => u.password.source.kind === 'generated')
        .map((u) => [u.key, u.passwordInstance()])),
    ));
    passwords.addOverride('length', '${each.value.length}');
    // A new version replaces the password: that is how a rotation is declared.
    passwords.addOverride('keepers', { version: '${each.value.version}' });
    return passwords;
  }

  /** The role's password: the generated one, or — when some users bring their own — a map lookup. */
  private passwordExpression(): string {
    const own = this.sortedUsers().filter((u) => u.password.source.kind !== 'generated');
    if (own.length === 0) return `\${${this.passwordAddress}[each.key].result}`;
    const entries = own.map((u) => `${JSON.stringify(u.key)} = ${u.password.reference() ?? 'null'}`);
    const generated = this.passwords ? `{ for k, p in ${this.passwordAddress} : k => p.result }, ` : '';
    return `\${merge(${generated}{ ${entries.join(', ')} })[each.key]}`;
  }

  private sortedUsers(): ServiceUser[] {
    return [...this._users].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** App context key that sets the default `sslmode` of every service (cdktf.json's `context`). */
export const SSLMODE_CONTEXT = 'cdktf-mst:sslmode';

function variable(scope: Construct, id: string, name: string, config: ConstructorParameters<typeof TerraformVariable>[2]): TerraformVariable {
  const v = new TerraformVariable(scope, id, config);
  v.overrideLogicalId(name);
  return v;
}

/**
 * One default random provider per stack, created on first need unless the
 * stack already has one (two unaliased configurations would not plan).
 */
function ensureRandomProvider(scope: Construct): void {
  const stack = TerraformStack.of(scope);
  if (randomProviderChecked.has(stack)) return;
  randomProviderChecked.add(stack);
  const existing = stack.node.findAll().some((c) => c instanceof RandomProvider && c.alias === undefined);
  if (!existing) new RandomProvider(stack, 'mst-random');
}
const randomProviderChecked = new WeakSet<TerraformStack>();

/**
 * Whether the stack is synthesized as HCL. cdktf decides it twice: the App's
 * `hclOutput` (config or SYNTH_HCL_OUTPUT=true) names the file, and the stack's
 * synthesizer writes HCL when SYNTH_HCL_OUTPUT is "true" or "1"; either counts.
 */
function synthesizesHcl(scope: Construct): boolean {
  const env = process.env.SYNTH_HCL_OUTPUT;
  if (env === 'true' || env === '1') return true;
  const root = scope.node.root;
  return App.isApp(root) && root.hclOutput;
}
