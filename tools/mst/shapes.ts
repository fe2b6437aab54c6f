/**
 * Response bodies in the shapes of Aiven's published API (the `…Out` types of
 * github.com/aiven/go-client-codegen v0.239.0). Every field those types declare without `omitempty`
 * is present; tools/mst/conformance checks that against the codegen itself.
 */
import { ClusterInfo } from '../sandbox/cluster';
import { Invitation, OrganizationUser, PROJECT_ROLES, Permission, Project, Records, Service, ServiceUser } from './records';

/** The service's connection URI, as Aiven's `service_uri` (with the admin's password, as `include_secrets` gives it). */
function serviceUri(c: ClusterInfo): string {
  return `postgres://${c.adminUser}:${encodeURIComponent(c.adminPassword)}@${c.host}:${c.port}/${c.database}?sslmode=${c.sslmode}`;
}

/** `UserOut` / `ServiceUserGetOut`: the admin is the service's `primary` user, the others `normal`. */
export function userJson(user: ServiceUser, primary = false): Record<string, unknown> {
  return {
    username: user.username,
    password: user.password,
    type: primary ? 'primary' : 'normal',
    access_control: { pg_allow_replication: user.replication },
    password_encryption_type: 'scram-sha-256',
    password_updated_time: user.passwordUpdatedTime,
  };
}

/** The admin as a service user record (its password is the cluster's). */
export function adminUser(s: Service): ServiceUser {
  return {
    username: s.cluster.adminUser, password: s.cluster.adminPassword, replication: true,
    createTime: s.createTime, passwordUpdatedTime: s.createTime,
  };
}

/** `ServiceGetOut` (also the body of ServiceUpdate and ServiceUserCredentialsModify, which return the service). */
export function serviceJson(s: Service): Record<string, unknown> {
  const c = s.cluster;
  const running = s.state !== 'POWEROFF';
  return {
    service_name: s.name,
    service_type: 'pg',
    service_type_description: 'PostgreSQL - Object-Relational Database Management System',
    cloud_name: s.cloud,
    cloud_description: 'Local PostgreSQL cluster',
    plan: s.plan,
    state: s.state,
    create_time: s.createTime,
    update_time: s.updateTime,
    group_list: ['default'],
    project_vpc_id: null,
    termination_protection: false,
    service_integrations: [],
    user_config: { pg_version: String(c.major) },
    service_uri: serviceUri(c),
    service_uri_params: {
      host: c.host, port: String(c.port), user: c.adminUser, password: c.adminPassword, dbname: c.database, sslmode: c.sslmode,
    },
    components: [{ component: 'pg', host: c.host, port: c.port, route: 'dynamic', usage: 'primary', ssl: false }],
    connection_info: {
      pg: [serviceUri(c)],
      pg_params: [{
        host: c.host, port: String(c.port), user: c.adminUser, password: c.adminPassword, dbname: c.database, sslmode: c.sslmode,
      }],
      pg_standby: [],
      pg_syncing: [],
    },
    maintenance: { dow: 'sunday', time: '04:00:00', enabled: true, updates: [] },
    metadata: { max_connections: 50, pg_version: String(c.major) },
    databases: [c.database],
    disk_space_mb: planSpecs(s.plan).disk_space_mb,
    node_count: running ? 1 : 0,
    node_states: running ? [{ name: `${s.name}-1`, state: 'running', availability_zone: '' }] : [],
    tags: {},
    tech_emails: [],
    users: [userJson(adminUser(s), true), ...s.users.map((u) => userJson(u))],
  };
}

/** `ProjectServicePlanSpecsGetOut`: the same answer for any plan name, as the local services have no sizes. */
export function planSpecs(plan: string): Record<string, unknown> & { disk_space_mb: number } {
  return {
    service_plan: plan,
    service_type: 'pg',
    node_count: 1,
    disk_space_mb: 20480,
    disk_space_cap_mb: 20480,
    disk_space_step_mb: 10240,
    backup_config: { interval: 24, max_count: 2, recovery_mode: 'pitr' },
  };
}

/** organizationuser `UserOut`. */
export function organizationUserJson(u: OrganizationUser): Record<string, unknown> {
  return {
    user_id: u.userId,
    is_super_admin: false,
    join_time: u.joinTime,
    last_activity_time: u.joinTime,
    state: 'active',
    user_info: {
      user_email: u.email,
      real_name: u.realName,
      create_time: u.joinTime,
      is_application_user: false,
      managed_by_scim: false,
      state: 'active',
    },
  };
}

/** organization `OrganizationOut`. */
export function organizationJson(r: Records): Record<string, unknown> {
  const o = r.organization;
  return {
    organization_id: o.id, organization_name: o.name, account_id: o.accountId,
    create_time: o.createTime, update_time: o.createTime, tier: 'business',
  };
}

/** organization `PermissionOut`. */
export function permissionJson(p: Permission): Record<string, unknown> {
  return {
    principal_type: p.principalType, principal_id: p.principalId, permissions: p.permissions,
    create_time: p.createTime, update_time: p.updateTime,
  };
}

export function invitationJson(i: Invitation): Record<string, unknown> {
  return {
    invited_user_email: i.email, inviting_user_email: i.invitingEmail, member_type: i.memberType, invite_time: i.inviteTime,
  };
}

/**
 * project `ProjectUserListOut`: the members are the organization users that hold a project role on
 * the project through an organization permission; pending invitations are listed apart.
 */
export function projectUsersJson(r: Records, p: Project): Record<string, unknown> {
  const users = p.permissions.filter((perm) => perm.principalType === 'user').flatMap((perm) => {
    const u = r.organization.users.find((x) => x.userId === perm.principalId);
    const role = perm.permissions.find((x) => (PROJECT_ROLES as readonly string[]).includes(x));
    return u && role ? [{
      user_email: u.email, user_id: u.userId, real_name: u.realName, member_type: role, create_time: perm.createTime,
      auth: ['password'], billing_contact: false, team_id: '', team_name: '',
    }] : [];
  });
  return { users, invitations: p.invitations.map(invitationJson), group_users: [] };
}
