/**
 * The MST API backend: the blocks that make a project's members and its MST
 * API services real through MST's own control plane (Aiven's API, through the
 * aiven provider). A second renderer of the same spec; src/render/render.ts
 * adds what it returns to the stack's JSON and gives each user's block.
 *
 * Per project with `mstApi`:
 *   provider aiven (alias `mst_<project>`), the token from a variable or AIVEN_TOKEN;
 *   data.aiven_organization_user_list.mst_<project>   the organization's users, email → user ID;
 *   aiven_organization_permission.mst_<project>       every member's role on the project, each member's
 *                                                     joining checked first (a precondition naming the email);
 *   check.mst_<project>_invitation_<n>                a warning when an invitee has joined.
 * Per MST API service:
 *   data.aiven_pg.<service>                           the live service; with users, a postcondition that it
 *                                                     is RUNNING, so no user change is planned otherwise;
 *   check.<service>_power_state                       a warning when the declared power state is not the live one;
 *   aiven_pg_user.<service>_<user>                    per user (render.ts, UserRole).
 */
import { MstApiSpec, ProjectSpec, ServiceSpec } from '../domain/model';
import { RoleId } from '../domain/permissions';
import { emailKey } from '../domain/conventions';
import { compareText } from '../domain/findings';
import { escapeTemplate } from './hcl';

/** The provider the stacks pin, as `@cdktf/provider-*` packages pin theirs. */
export const AIVEN_PROVIDER = { source: 'aiven/aiven', version: '4.61.0' } as const;

/** MST's name of each project role in Aiven's permission model. */
export const AIVEN_ROLE: Readonly<Record<RoleId, string>> = {
  'admin': 'admin',
  'operator': 'operator',
  'developer': 'developer',
  'read-only': 'read_only',
};

/** The alias of a project's aiven provider, and the name of its project-wide blocks. */
export function mstApiName(project: string): string {
  return `mst_${project}`;
}

/** A string inside an HCL expression: quoted, with `${` and `%{` kept as text. */
function hclString(value: string): string {
  return JSON.stringify(escapeTemplate(value));
}

/** What the backend adds to a stack's JSON, by top-level key. */
export interface MstApiFragment {
  readonly provider: Record<string, unknown>[];
  readonly data: Record<string, Record<string, unknown>>;
  readonly resource: Record<string, Record<string, unknown>>;
  readonly check: Record<string, unknown>;
}

/** The blocks of every project of `projects` with an MST API connection, and of their MST API services. */
export function mstApiFragment(projects: readonly ProjectSpec[]): MstApiFragment | undefined {
  const fragment: MstApiFragment = { provider: [], data: {}, resource: {}, check: {} };
  const add = (section: Record<string, Record<string, unknown>>, type: string, name: string, body: unknown) => {
    (section[type] ??= {})[name] = body;
  };
  for (const project of [...projects].sort((a, b) => compareText(a.name, b.name))) {
    if (!project.mstApi) continue;
    const name = mstApiName(project.name);
    const provider = `aiven.${name}`;
    fragment.provider.push(providerConfig(name, project.mstApi));
    const users = `data.aiven_organization_user_list.${name}.users`;
    const joined = `[for u in ${users} : lower(u.user_info[0].user_email)]`;
    add(fragment.data, 'aiven_organization_user_list', name, { provider, id: project.mstApi.organizationId });
    const members = [...project.members].sort((a, b) => compareText(emailKey(a.email), emailKey(b.email)));
    add(fragment.resource, 'aiven_organization_permission', name, {
      provider,
      organization_id: project.mstApi.organizationId,
      resource_type: 'project',
      resource_id: project.name,
      permissions: members.map((m) => ({
        principal_type: 'user',
        principal_id: `\${one([for u in ${users} : u.user_id if lower(u.user_info[0].user_email) == ${hclString(emailKey(m.email))}])}`,
        permissions: [AIVEN_ROLE[m.role.id]],
      })),
      lifecycle: {
        precondition: members.map((m) => ({
          condition: `\${contains(${joined}, ${hclString(emailKey(m.email))})}`,
          error_message: escapeTemplate(`Member ${m.email} of MST project ${project.name} has not joined organization `
            + `${project.mstApi!.organizationId}, so no role can be applied to them: invite them to the organization `
            + '(the console, Invite users), or declare them as an invitation until they accept, and deploy again.'),
        })),
      },
    });
    [...project.invitations].sort((a, b) => compareText(emailKey(a.email), emailKey(b.email))).forEach((i, n) => {
      fragment.check[`${name}_invitation_${n + 1}`] = {
        assert: [{
          condition: `\${!contains(${joined}, ${hclString(emailKey(i.email))})}`,
          error_message: escapeTemplate(`Invitee ${i.email} has joined organization ${project.mstApi!.organizationId}: `
            + `declare them as a member of MST project ${project.name} (role ${i.role.id}) instead of an invitation.`),
        }],
      };
    });
    for (const service of project.services) {
      if (service.backend === 'mst-api') serviceBlocks(fragment, add, project, service, provider);
    }
  }
  return fragment.provider.length > 0 ? fragment : undefined;
}

function providerConfig(alias: string, api: MstApiSpec): Record<string, unknown> {
  return { alias, ...(api.apiToken?.kind === 'variable' ? { api_token: `\${var.${api.apiToken.name}}` } : {}) };
}

function serviceBlocks(
  fragment: MstApiFragment,
  add: (section: Record<string, Record<string, unknown>>, type: string, name: string, body: unknown) => void,
  project: ProjectSpec,
  service: ServiceSpec,
  provider: string,
): void {
  const live = `data.aiven_pg.${service.name}.state`;
  add(fragment.data, 'aiven_pg', service.name, {
    provider,
    project: project.name,
    service_name: service.name,
    ...(service.users.length > 0 ? {
      lifecycle: {
        postcondition: [{
          condition: '${self.state == "RUNNING"}',
          error_message: `MST service ${service.name} is \${self.state}, not RUNNING, and MST manages service users only on a `
            + `running service: power it on (the console, or \`avn service update --project ${project.name} --power-on ${service.name}\`) `
            + 'and deploy again.',
        }],
      },
    } : {}),
  });
  if (service.state !== undefined) {
    const expected = service.state === 'running' ? 'RUNNING' : 'POWEROFF';
    fragment.check[`${service.name}_power_state`] = {
      assert: [{
        condition: `\${${live} == "${expected}"}`,
        error_message: `MST service ${service.name} is declared ${service.state} but MST reports \${${live}}: `
          + 'power it on or off in the console, or change the declaration.',
      }],
    };
  }
}
