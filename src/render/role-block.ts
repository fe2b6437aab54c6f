/**
 * A user's role block, from plain data: the one definition the renderer
 * writes (render.ts, UserRole) and the review re-derives from an access
 * document to check a stack's blocks (report/blocks.ts). No cdktf import.
 */
import { generatedPasswordExpression, userResourceName } from '../domain/conventions';
import { BackendId } from '../domain/backend';
import { UserSpec } from '../domain/model';
import { roleBlockOverrides } from './grants';
import { mstApiName } from './mst-api';

/** The resource type of a user's role, by its service's backend. */
export type RoleType = 'postgresql_role' | 'aiven_pg_user';

export function roleType(backend: BackendId | undefined): RoleType {
  return backend === 'mst-api' ? 'aiven_pg_user' : 'postgresql_role';
}

/** What of its service and project a role block names. */
export interface RoleBlockService {
  readonly name: string;
  readonly project: string;
  readonly backend?: BackendId;
  readonly writeOnlyPasswords: boolean;
}

/** The HCL expression (without `${…}`) of a user's password on `service`; undefined for a literal, which the rules refuse. */
export function passwordExpression(service: string, user: Pick<UserSpec, 'username' | 'password' | 'passwordVersion'>): string | undefined {
  const source = user.password;
  return source.kind === 'generated'
    ? generatedPasswordExpression(service, user.username, user.passwordVersion, source.length)
    : source.kind === 'variable' ? `var.${source.name}` : undefined;
}

/** The role block of `user` (keys sorted, as cdktf writes them): its type, name and body. */
export function roleBlock(
  service: RoleBlockService,
  user: Pick<UserSpec, 'username' | 'allowReplication' | 'password' | 'passwordVersion' | 'grants'>,
): { type: RoleType; name: string; body: Record<string, unknown> } {
  const expression = passwordExpression(service.name, user);
  const password = expression === undefined ? undefined : `\${${expression}}`;
  const type = roleType(service.backend);
  const name = userResourceName(service.name, user.username);
  if (type === 'aiven_pg_user') {
    return {
      type, name, body: {
        // The live service is read first: its postcondition refuses any user change unless it is RUNNING.
        depends_on: [`data.aiven_pg.${service.name}`],
        ...(service.writeOnlyPasswords ? { password_wo: password, password_wo_version: user.passwordVersion } : { password }),
        pg_allow_replication: user.allowReplication,
        project: service.project,
        provider: `aiven.${mstApiName(service.project)}`,
        service_name: service.name,
        username: user.username,
      },
    };
  }
  // Keys in sorted order, as cdktf writes them (and the HCL rendering keeps them).
  const body: Record<string, unknown> = {};
  // The provider reads a member's roles into its role block: what the grants manage is not a change of the role.
  Object.assign(body, roleBlockOverrides(user));
  body.login = true;
  body.name = user.username;
  if (service.writeOnlyPasswords) {
    body.password_wo = password;
    body.password_wo_version = String(user.passwordVersion);
  } else {
    body.password = password;
  }
  body.provider = `postgresql.${service.name}`;
  // Off is the provider's default: written only when on (most users of a large service are not replicas).
  if (user.allowReplication) body.replication = true;
  return { type, name, body };
}
