/**
 * What the local MST remembers between restarts: the organization and its users, the projects'
 * permissions and invitations, the services (where their PostgreSQL runs, their power state) and
 * the service users with their passwords. One JSON file in the data folder, replaced atomically and
 * readable by its owner only, because it holds passwords.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterInfo } from '../sandbox/cluster';

/** The service states Aiven reports (`ServiceStateType` in the codegen). */
export const SERVICE_STATES = ['RUNNING', 'POWEROFF', 'REBUILDING', 'REBALANCING'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** States in which the service's PostgreSQL serves and its users can be changed. */
export const SERVING_STATES: readonly ServiceState[] = ['RUNNING', 'REBALANCING'];

/** The project roles an organization permission on a project may grant (and an invitation may offer). */
export const PROJECT_ROLES = ['admin', 'operator', 'developer', 'read_only'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export interface OrganizationUser {
  readonly userId: string;
  readonly email: string;
  readonly realName: string;
  readonly joinTime: string;
}

export interface Permission {
  readonly principalType: 'user' | 'user_group';
  readonly principalId: string;
  readonly permissions: string[];
  readonly createTime: string;
  updateTime: string;
}

export interface Invitation {
  readonly email: string;
  readonly memberType: ProjectRole;
  readonly invitingEmail: string;
  readonly inviteTime: string;
}

export interface Project {
  readonly name: string;
  readonly createTime: string;
  permissions: Permission[];
  invitations: Invitation[];
}

export interface ServiceUser {
  readonly username: string;
  /** The password PostgreSQL has for the role, generated or set through the API (Aiven returns both). */
  password: string;
  replication: boolean;
  readonly createTime: string;
  passwordUpdatedTime: string;
}

export interface Service {
  readonly project: string;
  readonly name: string;
  plan: string;
  cloud: string;
  state: ServiceState;
  readonly createTime: string;
  updateTime: string;
  cluster: ClusterInfo;
  users: ServiceUser[];
}

export interface Records {
  readonly version: 1;
  organization: {
    readonly id: string;
    name: string;
    readonly accountId: string;
    readonly createTime: string;
    users: OrganizationUser[];
  };
  projects: Project[];
  services: Service[];
}

export const RECORDS_FILE = 'mst.json';

/** The records in `dataDir`, or undefined when the folder has none yet. */
export function loadRecords(dataDir: string): Records | undefined {
  const file = path.join(dataDir, RECORDS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<Records>;
  if (parsed.version !== 1 || !parsed.organization || !Array.isArray(parsed.projects) || !Array.isArray(parsed.services)) {
    throw new Error(`${file} is not a local MST records file (version 1); move it away or choose another data folder`);
  }
  return parsed as Records;
}

export function saveRecords(dataDir: string, records: Records): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, RECORDS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
