import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { finding, quote } from '../domain/findings';
import { UserSpec } from '../domain/model';
import { checkPasswordVersion, checkSecret, checkUsername } from '../domain/names';
import { declare } from './declare';
import { Secret } from './secret';
import type { MstService } from './service';

/** Options of a service user, as given to `service.addUser(username, options)`. */
export interface ServiceUserOptions {
  /**
   * Let the user open replication connections (PostgreSQL `REPLICATION`).
   * Such a user can read every row of the service (MST-USER-006).
   * @default false
   */
  readonly allowReplication?: boolean;
  /** Where the password comes from. @default - a generated 32-character password (`Secret.generated()`) */
  readonly password?: Secret;
  /**
   * Bump to rotate a generated password: a new one is generated and set on the
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
 * A PostgreSQL login role on an MST service. Its address is
 * `postgresql_role.<service>["<username>"]` wherever the declaration lives, so
 * moving it to another construct or file does not re-create the role. A
 * generated password can be viewed with `cdktf output` / `tofu output -json
 * <service>_<username>_password`. Deleting the user is removing the declaration.
 */
export class ServiceUser extends Construct {
  public readonly service: MstService;
  public readonly username: string;
  public readonly allowReplication: boolean;
  public readonly password: Secret;
  public readonly passwordVersion: number;
  private ownPasswordOutput?: TerraformOutput;

  constructor(scope: Construct, id: string, props: ServiceUserProps) {
    const parent = scope === props.service ? props.service.usersScope : scope;
    const username = props.username ?? id;
    const password = Secret.of(props.password, undefined) ?? Secret.generated();
    super(parent, declare(parent, id, (path) => [
      ...checkUsername(path, username),
      ...checkSecret(path, password.source, `password of user ${quote(username)}`),
      ...checkPasswordVersion(path, props.passwordVersion ?? 1, username),
      ...(props.allowReplication === undefined || typeof props.allowReplication === 'boolean' ? [] : [finding('MST-API-001', path,
        `allowReplication ${quote(String(props.allowReplication))} of user ${quote(username)} is not a boolean`, 'pass true or false')]),
    ], (path, existing) => (existing instanceof ServiceUser && existing.service === props.service ? finding('MST-USER-002', path,
      `username ${quote(username)} collides with ${quote(existing.username)} in service ${quote(props.service.name)} (role names are compared case-insensitively)`,
      'rename one of them', username) : undefined)));
    this.service = props.service;
    this.username = username;
    this.allowReplication = props.allowReplication ?? false;
    this.password = password;
    this.passwordVersion = props.passwordVersion ?? 1;
    this.service.registerUser(this);
    // cdktf's HCL renderer takes one output per element: there every user keeps a TerraformOutput of its own.
    if (this.password.source.kind === 'generated' && this.service.synthesizesHcl) this.ownPasswordOutput = this.newPasswordOutput();
  }

  /**
   * The sensitive output `<service>_<username>_password` holding a generated
   * password; undefined for a password from a variable. The service renders
   * these outputs together (same JSON, far cheaper to synthesize at scale); the
   * first access gives this user a TerraformOutput construct of its own, the
   * child `password`, with the same name, path and content, to pass around or
   * override.
   */
  public get passwordOutput(): TerraformOutput | undefined {
    if (this.password.source.kind !== 'generated') return undefined;
    return this.ownPasswordOutput ??= this.newPasswordOutput();
  }

  /** @internal Whether {@link passwordOutput} was asked for, so the user has its own TerraformOutput. */
  public get hasOwnPasswordOutput(): boolean {
    return this.ownPasswordOutput !== undefined;
  }

  /** @internal The password output's attributes. */
  public passwordOutputConfig(): { value: string; description: string; sensitive: boolean } {
    return {
      value: `\${${this.service.passwordAddress}[${JSON.stringify(this.key)}].result}`,
      description: `Password of user ${this.username} on MST service ${this.service.name}.`,
      sensitive: true,
    };
  }

  private newPasswordOutput(): TerraformOutput {
    const { value, description, sensitive } = this.passwordOutputConfig();
    const output = new TerraformOutput(this, 'password', { value, description, sensitive });
    output.overrideLogicalId(this.passwordOutputName);
    return output;
  }

  /** The for_each key: the username lowercased (usernames are unique case-insensitively). */
  public get key(): string {
    return this.username.toLowerCase();
  }

  /** Terraform address of this user's role. */
  public get address(): string {
    return `${this.service.roleAddress}[${JSON.stringify(this.key)}]`;
  }

  /**
   * Name of the sensitive output with the generated password:
   * `<service>_<username>_password`. The service name keeps its hyphens: service
   * names hold no underscore, so the first underscore always ends the service
   * name and no two users can share an output.
   */
  public get passwordOutputName(): string {
    return `${this.service.name}_${this.key}_password`;
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

  /** @internal The role's for_each value: only non-sensitive attributes. */
  public roleInstance(): Record<string, unknown> {
    return { name: this.username, replication: this.allowReplication, password_version: String(this.passwordVersion) };
  }

  /** @internal The random_password's for_each value. */
  public passwordInstance(): Record<string, unknown> {
    const length = this.password.source.kind === 'generated' ? this.password.source.length : 0;
    return { length, version: String(this.passwordVersion) };
  }
}
