import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_ALLOW_REPLICATION, DEFAULT_PASSWORD_VERSION, userKey, userPasswordOutputName } from '../domain/conventions';
import { finding, quote, usernameCollision } from '../domain/findings';
import { UserSpec } from '../domain/model';
import { checkPasswordVersion, checkSecret, checkUsername } from '../domain/checks';
import { derivedPassword, renderPasswordOutput, UserRole } from '../render/render';
import { checkSameStack, declare } from './declare';
import { Secret } from './secret';
import type { MstService } from './service';
import { markDeclaration, StackValidation } from './stack-validation';

/** Options of a service user, as given to `service.addUser(username, options)`. */
export interface ServiceUserOptions {
  /**
   * Let the user open replication connections (PostgreSQL `REPLICATION`).
   * Such a user can read every row of the service (MST-USER-006).
   * @default false
   */
  readonly allowReplication?: boolean;
  /** Where the password comes from. @default - a generated password of 32 letters and digits (`Secret.generated()`) */
  readonly password?: Secret;
  /**
   * Bump to rotate a generated password: a new one is derived and set on the
   * role; the other users' passwords do not change. With write-only passwords,
   * bump it after changing the variable so the new value is sent.
   * @default 1
   */
  readonly passwordVersion?: number;
}

/** Props of {@link ServiceUser}. */
export interface ServiceUserProps extends ServiceUserOptions {
  /** The service the user is created on. */
  readonly service: MstService;
  /** The PostgreSQL role name. @default - the construct id */
  readonly username?: string;
}

/**
 * A PostgreSQL login role on an MST service. Its block is
 * `postgresql_role.<service>_<username lowercased>` wherever the declaration
 * lives, so moving it to another construct or file does not re-create the
 * role; {@link role} is the handle your own resources depend on. A generated
 * password is in the service's sensitive map output (`cdktf-mst password
 * <service> <user>` prints it), and in an output of its own on request
 * ({@link passwordOutput}). Deleting the user is removing the declaration.
 */
export class ServiceUser extends Construct {
  public readonly service: MstService;
  public readonly username: string;
  public readonly allowReplication: boolean;
  public readonly password: Secret;
  public readonly passwordVersion: number;
  private readonly _role: UserRole;
  private ownPasswordOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: ServiceUserProps) {
    const parent = scope === props.service ? props.service.usersScope : scope;
    const username = props.username ?? id;
    const password = Secret.of(props.password, undefined) ?? Secret.generated();
    const passwordVersion = props.passwordVersion ?? DEFAULT_PASSWORD_VERSION;
    super(parent, declare(parent, id, (path) => [
      ...checkUsername(path, username),
      ...checkSecret(path, password.source, `password of user ${quote(username)}`),
      ...checkPasswordVersion(path, passwordVersion, username),
      ...(props.allowReplication === undefined || typeof props.allowReplication === 'boolean' ? [] : [finding('MST-API-001', path,
        `allowReplication ${quote(String(props.allowReplication))} of user ${quote(username)} is not a boolean`, 'pass true or false')]),
      ...checkSameStack(path, parent, `user ${quote(username)}`, props.service, `service ${quote(props.service.name)}`),
    ], (path, existing) => (existing instanceof ServiceUser && existing.service === props.service
      ? usernameCollision(path, username, existing.username, props.service.name) : undefined)));
    this.service = props.service;
    this.username = username;
    this.allowReplication = props.allowReplication ?? DEFAULT_ALLOW_REPLICATION;
    this.password = password;
    this.passwordVersion = passwordVersion;
    this._role = new UserRole(this);
    markDeclaration(this, 'user');
    StackValidation.declared(this);
    // The seed and the passwords output exist as soon as one user has a generated password.
    if (password.source.kind === 'generated') this.service.passwordSeed();
  }

  /**
   * A sensitive output `<service>_<username>_password` with this user's
   * generated password, created on first access (the child `password`);
   * undefined for a password from a variable. Every generated password is in
   * the service's map output in any case ({@link MstService.passwordsOutput});
   * one output per user costs plan time.
   */
  public get passwordOutput(): TerraformOutput | undefined {
    if (this.password.source.kind !== 'generated') return undefined;
    this.ownPasswordOutput ??= renderPasswordOutput(this);
    return this.ownPasswordOutput;
  }

  /** The username lowercased: usernames are unique case-insensitively within a service. */
  public get key(): string {
    return userKey(this.username);
  }

  /** The user's PostgreSQL role: pass it to `dependsOn`, or use its `name` in your own resources. */
  public get role(): UserRole {
    return this._role;
  }

  /** Terraform address of this user's role, e.g. `postgresql_role.metrics_grafana`. */
  public get address(): string {
    return this.role.address;
  }

  /**
   * @internal The HCL expression of the user's password: derived from the
   * service's seed for a generated one, the variable's `var.<name>` (read at synth) otherwise.
   */
  public passwordExpression(): string {
    const source = this.password.source;
    if (source.kind === 'generated') return derivedPassword(this.service.passwordSeed(), this.key, this.passwordVersion, source.length);
    return this.password.reference()!;
  }

  /** Name of the sensitive output with the generated password: `<service>_<username>_password`. */
  public get passwordOutputName(): string {
    return userPasswordOutputName(this.service.name, this.username);
  }

  /** The user as plain data. */
  public toSpec(): UserSpec {
    return {
      path: this.node.path,
      username: this.username,
      allowReplication: this.allowReplication,
      password: this.password.source,
      passwordVersion: this.passwordVersion,
    };
  }
}
