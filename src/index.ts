// Public API: the constructs and the helpers the README documents. Everything else is internal.
export { MstProject } from './constructs/project';
export type { MstProjectProps, BillingDetails, MstApiConnection } from './constructs/project';
export { ProjectMember, ProjectInvitation } from './constructs/member';
export type { ProjectMemberProps, ProjectInvitationOptions, ProjectInvitationProps } from './constructs/member';
export { MstService } from './constructs/service';
export type { MstServiceProps, ServiceConnection } from './constructs/service';
export { ServiceUser } from './constructs/service-user';
export type {
  GrantTarget, ServiceUserOptions, ServiceUserProps, TablePrivilege, WriteGrantTarget,
} from './constructs/service-user';
export { UserRole, SSLMODE_CONTEXT } from './render/render';
export { PredefinedRole, grantableRoles } from './domain/grants';
export type { ConnectGrantSpec, GrantSpec, RoleGrantSpec, TableGrantSpec } from './domain/grants';
export { Secret } from './constructs/secret';
export { Acknowledgements } from './constructs/acknowledgements';
export { synthOrExit } from './constructs/synth';
export { loadManifest } from './manifest/constructs';
export { ProjectRole, PERMISSIONS, PERMISSION_LABELS } from './domain/permissions';
export type { Permission, RoleId } from './domain/permissions';
export { PowerState } from './domain/power-state';
export { UserBackend } from './domain/backend';
export type { BackendId } from './domain/backend';
export type { PowerStateId } from './domain/power-state';
export { RULES, findRule } from './domain/rules';
export type { Rule, RuleId, RuleLevel } from './domain/rules';
export { formatFinding, MstValidationError } from './domain/findings';
export type { Finding } from './domain/findings';
