/**
 * The plain-data model of an MST project that validation, reports and diffs
 * work on. Constructs and manifests are both gathered into it; it has no cdktf
 * dependency so it can be checked in milliseconds without synthesizing.
 */
import { ProjectRole } from './permissions';

import { BackendId } from './backend';
import { GrantSpec } from './grants';
import { PowerStateId } from './power-state';

/** Where a password comes from. A `literal` is never accepted; it is modelled so the rule can name it. */
export type SecretSource =
  | { readonly kind: 'generated'; readonly length: number }
  | {
    readonly kind: 'variable';
    readonly name: string;
    readonly sensitive: boolean;
    /** Set (true) when the variable declares a `default`: a plaintext password (MST-SEC-001). */
    readonly hasDefault?: boolean;
  }
  | { readonly kind: 'literal' };

export interface MemberSpec {
  /** Construct path (or manifest path) used in findings. */
  readonly path: string;
  readonly email: string;
  readonly role: ProjectRole;
}

export interface InvitationSpec {
  readonly path: string;
  readonly email: string;
  readonly role: ProjectRole;
  /** Email of the member who sends the invitation. */
  readonly invitedBy: string;
}

export interface BillingSpec {
  readonly path: string;
  readonly email?: string;
}

export interface UserSpec {
  readonly path: string;
  readonly username: string;
  readonly allowReplication: boolean;
  readonly password: SecretSource;
  /** Bumped to rotate the password. */
  readonly passwordVersion: number;
  /** What the user may do besides logging in, in declaration order. Absent: nothing. */
  readonly grants?: readonly GrantSpec[];
}

/**
 * One setting of a service's connection, as the stack renders it into the
 * provider block: a value written in the configuration, a Terraform
 * variable's value, or (typed API only) another Terraform expression, as the
 * engine reads it (`${data.x.host}`).
 */
export type ConnectionSetting =
  | { readonly literal: string | number }
  | { readonly variable: string }
  | { readonly expression: string };

/** How the provider reaches a service's PostgreSQL as its admin: who decides where the admin password is sent. */
export interface ConnectionSpec {
  readonly host: ConnectionSetting;
  readonly port: ConnectionSetting;
  readonly database: ConnectionSetting;
  /** The admin's PostgreSQL role. */
  readonly username: ConnectionSetting;
  readonly sslmode: ConnectionSetting;
}

export interface ServiceSpec {
  readonly path: string;
  readonly name: string;
  /** Present when the stack manages the power state; absent means "left as it is". */
  readonly state?: PowerStateId;
  readonly postgresVersion?: number;
  /** Whether the admin the provider connects as is a PostgreSQL superuser (MST's tsdbadmin is not). */
  readonly adminIsSuperuser: boolean;
  /** @default - MST's: host and port from the variables `<service>_host` and `<service>_port`, defaultdb, tsdbadmin, require */
  readonly connection?: ConnectionSpec;
  readonly adminPassword: SecretSource;
  /** Passwords go to PostgreSQL through write-only attributes and stay out of the state. */
  readonly writeOnlyPasswords: boolean;
  /** How the users are made real; absent means PostgreSQL roles. */
  readonly backend?: BackendId;
  readonly users: readonly UserSpec[];
}

/** The project's connection to MST's own API: its members are applied as the project's organization permissions. */
export interface MstApiSpec {
  readonly path: string;
  /** The Aiven organization the project belongs to (`org…`). */
  readonly organizationId: string;
  /** Where the API token comes from; absent means the provider's AIVEN_TOKEN environment variable. */
  readonly apiToken?: SecretSource;
}

export interface Acknowledgement {
  /** Path of the construct the acknowledgement was made on; it covers that construct and everything below it. */
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
}

export interface ProjectSpec {
  readonly path: string;
  readonly name: string;
  /** Email of the member whose credentials run `cdktf deploy`. */
  readonly deployer: string;
  readonly members: readonly MemberSpec[];
  readonly invitations: readonly InvitationSpec[];
  readonly billing?: BillingSpec;
  /** Present when the project's members and its MST API services go through MST's own API. */
  readonly mstApi?: MstApiSpec;
  readonly services: readonly ServiceSpec[];
  readonly acknowledgements: readonly Acknowledgement[];
}
