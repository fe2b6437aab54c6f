import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import { DEFAULT_ALLOW_REPLICATION, DEFAULT_PASSWORD_VERSION, userKey, userPasswordOutputName } from '../domain/conventions';
import { finding, quote, usernameCollision } from '../domain/findings';
import { UserSpec } from '../domain/model';
import { checkPasswordVersion, checkSecret, checkUsername } from '../domain/checks';
import { renderPasswordOutput, UserRole } from '../render/render';
import { passwordExpression } from '../render/role-block';
import { checkGrantAlone } from '../domain/grant-checks';
import { GrantSpec, PredefinedRole } from '../domain/grants';
import { throwOnErrors } from '../domain/findings';
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
  /** Where the password comes from. @default - a generated password of 32 hexadecimal characters (`Secret.generated()`) */
  readonly password?: Secret;
  /**
   * Bump to rotate a generated password: a new one is derived and set on the
   * role; the other users' passwords do not change. With write-only passwords,
   * bump it after changing the variable so the new value is sent.
   * @default 1
   */
  readonly passwordVersion?: number;
}

/** A privilege PostgreSQL has on tables. */
export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER';

/** The tables a read or write grant covers: a whole schema, or named tables of it. */
export interface GrantTarget {
  /** The schema the tables are in. The user is also given USAGE on it. */
  readonly schema: string;
  /**
   * Only these tables of the schema.
   * @default - every table of the schema: those there at the deploy, and those its admin creates later (default privileges)
   */
  readonly tables?: readonly string[];
  /** @default - the service's database (its connection's `database`, `defaultdb` unless told otherwise) */
  readonly database?: string;
}

/** The tables a write grant covers, and what it gives on them. */
export interface WriteGrantTarget extends GrantTarget {
  /**
   * With named tables: the sequences their inserts draw from (a serial or
   * identity column's `<table>_<column>_seq`), given USAGE and SELECT.
   * @default - none with named tables; a write on a whole schema covers every sequence of it, present and future
   */
  readonly sequences?: readonly string[];
  /** Only these privileges on the tables. @default - SELECT, INSERT, UPDATE and DELETE */
  readonly privileges?: readonly TablePrivilege[];
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
  private readonly declaredGrants: GrantSpec[] = [];

  constructor(scope: Construct, id: string, props: ServiceUserProps) {
    const parent = scope === props.service ? props.service.usersScope : scope;
    const username = props.username ?? id;
    const password = Secret.of(props.password, undefined) ?? Secret.generated();
    const passwordVersion = props.passwordVersion ?? DEFAULT_PASSWORD_VERSION;
    super(parent, declare(parent, id, (path) => [
      ...checkUsername(path, username),
      ...checkSecret(path, password.source, () => `password of user ${quote(username)}`),
      ...checkPasswordVersion(path, passwordVersion, username),
      ...(props.allowReplication === undefined || typeof props.allowReplication === 'boolean' ? [] : [finding('MST-API-001', path,
        `allowReplication ${quote(String(props.allowReplication))} of user ${quote(username)} is not a boolean`, 'pass true or false')]),
      ...checkSameStack(path, parent, props.service, () => ({ what: `user ${quote(username)}`, ownerWhat: `service ${quote(props.service.name)}` })),
    ], (path, existing) => (existing instanceof ServiceUser && existing.service === props.service
      ? usernameCollision(path, username, existing.username, props.service.name) : undefined)));
    this.service = props.service;
    this.username = username;
    this.allowReplication = props.allowReplication ?? DEFAULT_ALLOW_REPLICATION;
    this.password = password;
    this.passwordVersion = passwordVersion;
    this._role = new UserRole(this);
    StackValidation.declared(this);
    // The seed and the passwords output exist as soon as one user has a generated password.
    if (password.source.kind === 'generated') this.service.generatesPasswords();
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

  /**
   * Lets the user read (SELECT) a schema's tables, or named tables of it, and
   * use the schema. A whole schema covers the tables its admin creates after
   * the deploy too, with no new deploy.
   *
   * @example grafana.grantRead({ schema: 'public' });
   */
  public grantRead(target: GrantTarget): this {
    return this.grant({ kind: 'read', ...target });
  }

  /**
   * Lets the user read and write (SELECT, INSERT, UPDATE, DELETE unless
   * `privileges` says otherwise) a schema's tables, or named tables of it, and
   * use what their inserts need: the schema, and its sequences (every one for a
   * whole schema, those named in `sequences` for named tables).
   *
   * @example ingest.grantWrite({ schema: 'metrics', tables: ['samples'] });
   */
  public grantWrite(target: WriteGrantTarget): this {
    return this.grant({ kind: 'write', ...target });
  }

  /** Lets the user connect to `database` of the service (for a database whose CONNECT was revoked from PUBLIC). */
  public grantConnect(database: string): this {
    return this.grant({ kind: 'connect', database });
  }

  /**
   * Makes the user a member of `role`: a PostgreSQL predefined role MST's
   * admin can grant on the service's version (MST-GRANT-006; docs/grants.md),
   * or another user of the same service, whose privileges it then holds.
   *
   * @example monitor.grantRole(PredefinedRole.PG_MONITOR);
   */
  public grantRole(role: PredefinedRole | ServiceUser): this {
    return this.grant(role instanceof ServiceUser
      ? { kind: 'role', role: role.username, service: role.service.name }
      : { kind: 'role', role: role instanceof PredefinedRole ? role.name : String(role) });
  }

  /** What the user is granted, in declaration order. */
  public get grants(): readonly GrantSpec[] {
    return [...this.declaredGrants];
  }

  /** @internal {@link grants} without a copy, for the renderer. */
  public get grantList(): readonly GrantSpec[] {
    return this.declaredGrants;
  }

  /** @internal A grant as the model holds it (a manifest's): a membership in a user names it and its service. */
  public addGrant(spec: GrantSpec): this {
    return this.grant(spec);
  }

  private grant(spec: GrantSpec): this {
    // Wrong on its own (a bad name, a privilege tables do not take): refused at the call.
    throwOnErrors(checkGrantAlone(this.node.path, this.username, spec));
    this.declaredGrants.push(spec);
    // Grants go through the service's admin connection, which an MST API service declares on first use.
    void this.service.provider;
    StackValidation.changed(this);
    return this;
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
  public passwordExpression(): string | undefined {
    return passwordExpression(this.service.name, { username: this.username, password: this.password.source, passwordVersion: this.passwordVersion });
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
      ...(this.declaredGrants.length > 0 ? { grants: this.grants } : {}),
    };
  }
}

markDeclaration(ServiceUser, 'user');
