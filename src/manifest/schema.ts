/**
 * The manifest format: the same model as the constructs, as a reviewed
 * YAML/JSON file. Strict: an unknown key is an error that names it.
 */
import { z } from 'zod';

const email = z.string().min(1).describe('An email address; compared case-insensitively.');
const role = z.enum(['admin', 'operator', 'developer', 'read-only']).describe('Project role, as in the console\'s permission table.');
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'a Terraform variable name (letters, digits, _ and -, not starting with a digit)');

/** A password: generated, or read from a sensitive Terraform variable. A plain string is refused (MST-SEC-001). */
const password = z.union([
  z.string().describe('Never accepted: plaintext passwords are refused (MST-SEC-001).'),
  z.strictObject({
    generated: z.strictObject({
      length: z.number().int().optional().describe('Length of the generated password, 24 to 128 (MST-USER-007). Default 32.'),
    }),
  }),
  z.strictObject({
    variable: variableName.describe('Name of a sensitive Terraform variable holding the password (set TF_VAR_<name>).'),
  }),
]);

const acknowledgement = z.strictObject({
  rule: z.string().describe('ID of the warning rule, e.g. MST-USER-006.'),
  reason: z.string().describe('Why the warning is accepted.'),
});

const tables = z.strictObject({
  schema: z.string().describe('The schema the tables are in; the user also gets USAGE on it.'),
  tables: z.array(z.string()).optional().describe('Only these tables of the schema. Default: every table of it, including those the admin creates after the deploy.'),
  database: z.string().optional().describe('Default: the service\'s database (connection.database, defaultdb).'),
});

/** What a service user may do besides logging in: one key per grant. */
const grant = z.union([
  z.strictObject({ read: tables.describe('SELECT on a schema\'s tables (present and future) or on named tables.') }),
  z.strictObject({
    write: tables.extend({
      sequences: z.array(z.string()).optional().describe('With named tables: the sequences their inserts draw from. A write on a whole schema covers every sequence of it.'),
      privileges: z.array(z.string()).optional().describe('Only these table privileges (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER). Default: SELECT, INSERT, UPDATE, DELETE.'),
    }).describe('Read and write a schema\'s tables (present and future) or named tables, with the sequences inserts need.'),
  }),
  z.strictObject({ connect: z.string().describe('CONNECT on this database of the service.') }),
  z.strictObject({
    role: z.union([
      z.string().describe('A PostgreSQL predefined role MST\'s admin can grant on the service\'s version (MST-GRANT-006), e.g. pg_monitor on 15.'),
      z.strictObject({
        user: z.string().describe('A user of the same service, whose privileges the user then holds.'),
        service: z.string().optional().describe('Default: this service (a user of another service is refused, MST-GRANT-002).'),
      }),
    ]).describe('Membership in a role.'),
  }),
]);

const user = z.strictObject({
  username: z.string().describe('PostgreSQL role name: letters, digits and underscores, at most 63 bytes.'),
  allowReplication: z.boolean().optional().describe('Allow replication connections. Default false.'),
  password: password.optional().describe('Default: a generated 32-character password.'),
  passwordVersion: z.number().int().optional().describe('Bump to rotate the password; a whole number from 1 (MST-USER-008). Default 1.'),
  grants: z.array(grant).optional().describe('What the user may do besides logging in. Default: nothing.'),
  acknowledge: z.array(acknowledgement).optional().describe('Warnings accepted for this user.'),
});

const connection = z.strictObject({
  host: z.string().min(1).optional().describe('Default: the Terraform variable <service>_host.'),
  port: z.number().int().min(1).max(65535).optional().describe('Default: the Terraform variable <service>_port.'),
  database: z.string().min(1).optional().describe('Default: defaultdb.'),
  username: z.string().min(1).optional().describe('Default: tsdbadmin.'),
  sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional().describe('Default: require.'),
  superuser: z.boolean().optional().describe('Whether the admin is a PostgreSQL superuser. Default false (MST\'s tsdbadmin is not).'),
});

const backend = z.enum(['postgres-roles', 'mst-api'])
  .describe('How users are made real: PostgreSQL roles through the admin connection, or MST\'s own service users through its API.');

const service = z.strictObject({
  name: z.string().describe('MST service name: lowercase letters, digits and hyphens.'),
  backend: backend.optional().describe('Default: the project\'s backend.'),
  state: z.enum(['running', 'powered-off']).optional().describe('Managed power state; absent means not managed.'),
  postgresVersion: z.number().optional().describe('PostgreSQL major version.'),
  connection: connection.optional(),
  adminPassword: password.optional().describe('Default: the sensitive variable <service>_admin_password.'),
  writeOnlyPasswords: z.boolean().optional().describe('Keep user passwords out of the Terraform state (password_wo). Default false.'),
  passwordsVersion: z.number().int().optional().describe('Bump to rotate every generated password of the service; a whole number from 1. Default 1.'),
  users: z.array(user).optional(),
  acknowledge: z.array(acknowledgement).optional(),
});

export const manifestSchema = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
  project: z.string().min(1).describe('MST project name.'),
  deployer: email.describe('Email of the member whose credentials run cdktf deploy.'),
  billing: z.strictObject({ email: email.optional() }).optional().describe('Billing details to manage.'),
  mstApi: z.strictObject({
    organizationId: z.string().describe('The Aiven organization ID (org…) the project belongs to.'),
    apiToken: z.strictObject({
      variable: variableName.describe('Name of a sensitive Terraform variable holding the API token.'),
    }).optional().describe('Default: the AIVEN_TOKEN environment variable.'),
  }).optional().describe('Connect the project to MST\'s own API: members are applied, mst-api services get their users through it.'),
  backend: backend.optional().describe('Default backend of the services. Default postgres-roles.'),
  members: z.array(z.strictObject({ email, role })).describe('Accepted members.'),
  invitations: z.array(z.strictObject({
    email,
    role,
    invitedBy: email.describe('Email of the member sending the invitation.'),
  })).optional().describe('Pending invitations.'),
  services: z.array(service).optional(),
  acknowledge: z.array(acknowledgement).optional().describe('Warnings accepted for the whole project.'),
}).describe('cdktf-mst manifest: an MST project\'s members, invitations, services and service users.');

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestPassword = z.infer<typeof password>;
export type ManifestGrant = z.infer<typeof grant>;

/** The JSON Schema shipped in schema/ for editor completion. */
export function manifestJsonSchema(): unknown {
  return z.toJSONSchema(manifestSchema, { target: 'draft-7', io: 'input' });
}
