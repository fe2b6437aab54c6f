/**
 * The rule catalogue, as data (the cdk-nag model). Each rule has a stable ID
 * that findings, acknowledgements and the README's catalogue refer to.
 */
import { MST_API_USER_LIMIT } from './backend';
import { TABLE_PRIVILEGES } from './grants';
import { GOVERNING, holdersText, PERMISSION_LABELS, PERMISSIONS, ProjectRole } from './permissions';

/**
 * `error` fails the synth (and `cdktf-mst diff --fail-on error`); `warning`
 * prints and can be acknowledged; `escalation` names a kind of change
 * `cdktf-mst diff` reports as an escalation (`--fail-on escalation`), never a
 * finding of the rules.
 */
export type RuleLevel = 'error' | 'warning' | 'escalation';

export interface Rule<Id extends string = string> {
  readonly id: Id;
  readonly level: RuleLevel;
  /** One line: what the rule checks. */
  readonly summary: string;
  /** Why it matters and how to fix a finding. */
  readonly explanation: string;
}

const rule = <const Id extends string>(id: Id, level: RuleLevel, summary: string, explanation: string): Rule<Id> => ({
  id,
  level,
  summary,
  explanation,
});

// Who may do what is read from the permission table, never written out here.
const INVITE = PERMISSION_LABELS[GOVERNING.membership.permission];
const INVITERS = holdersText(GOVERNING.membership.permission, 'and');
const ALL_HOLDERS = ProjectRole.ALL.filter((r) => PERMISSIONS.every((p) => r.can(p))).map((r) => r.label).join(' and ');
const NEEDS = (g: keyof typeof GOVERNING) => PERMISSION_LABELS[GOVERNING[g].permission];

/** Every rule, in catalogue order. */
export const RULES = [
  rule('MST-DEPLOY-001', 'error', 'The deployer is a project member.',
    'The identity whose credentials run `cdktf deploy` must be one of the members; add it to the members or set `deployer` to a member\'s email.'),
  rule('MST-DEPLOY-002', 'error', 'The deployer\'s role grants every kind of change the stack carries.',
    `Invitations need ${NEEDS('membership')}, billing details need ${NEEDS('billing')}, service users need ${NEEDS('service-users')}, a managed power state needs ${NEEDS('power-state')}. Give the deployer a role that holds them (${ALL_HOLDERS} holds all) or remove the change.`),
  rule('MST-INVITE-001', 'error', 'An inviter is a project member.',
    '`invitedBy` must be the email of an accepted member; invite from an existing member.'),
  rule('MST-INVITE-002', 'error', 'An inviter\'s role may invite more users.',
    `Inviting needs ${INVITE}, which the ${INVITERS} roles hold (see the permission table); have a member holding it send the invitation.`),
  rule('MST-INVITE-003', 'error', 'An inviter cannot hand out a permission it lacks.',
    'Every permission of the invited role must be held by the inviter\'s role (see the permission table); have a member whose role holds them send the invitation, or choose a lesser role.'),
  rule('MST-MEMBER-001', 'error', 'At least one member is an Admin.',
    'A project without an Admin cannot change billing or hand out every role; make one member an Admin.'),
  rule('MST-MEMBER-002', 'error', 'Emails are valid ASCII addresses.',
    'Members, invitations, inviters, the deployer and billing contacts are addressed by email: ASCII letters, digits, dots and the other RFC 5322 atom characters (such as + and _) before the @, a dotted domain after it, no spaces, quotes or control characters, at most 254 characters; write a full address such as ana@acme.example.'),
  rule('MST-MEMBER-003', 'error', 'Emails are unique across members and invitations, compared case-insensitively.',
    'One person is either a member or invited, once; remove the duplicate (an accepted invitation moves to the members).'),
  rule('MST-PROJECT-001', 'error', 'Project names are valid MST project names.',
    'Letters, digits, hyphens and underscores, starting and ending with a letter or digit, at most 63 characters; rename the project.'),
  rule('MST-PROJECT-002', 'error', 'A project declared in several stacks is declared alike in each.',
    'A stack per service may each declare the project, but its deployer, members, invitations and billing details must be the same everywhere, and no service may be declared in two of them; make the declarations agree (a shared function or manifest helps).'),
  rule('MST-SVC-001', 'error', 'Users are declared only on a running service.',
    'MST manages users only on a running service; set the service\'s state to running or remove its users.'),
  rule('MST-SVC-002', 'error', 'Service names are valid MST service names.',
    'Lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, at most 63 characters, and not `constructor` (a property of every JavaScript object, which cdktf cannot key a construct by); rename the service.'),
  rule('MST-SVC-003', 'error', 'Service names are unique within a stack.',
    'Resource addresses are derived from service names; rename one of the services. Declaring the same name twice on one project is refused at the second declaration.'),
  rule('MST-SVC-004', 'error', 'The PostgreSQL version is a supported major version.',
    'Give the major version as a whole number from 12 upwards, such as 16.'),
  rule('MST-USER-001', 'error', 'Usernames are valid PostgreSQL role names.',
    'At most 63 bytes of letters, digits and underscores, not starting with a digit; rename the user.'),
  rule('MST-USER-002', 'error', 'Usernames are unique within a service, compared case-insensitively.',
    'Two roles that differ only in case are easy to confuse and address the same resource; rename one of them. Adding the same username twice to one service is refused at the second declaration.'),
  rule('MST-USER-003', 'error', 'Usernames are not reserved.',
    'Names such as postgres, tsdbadmin, public, none, current_user and anything starting with pg_ belong to PostgreSQL or MST, and names of the properties every JavaScript object has (constructor, hasOwnProperty, __proto__, toString, ...) cannot key a construct or a resource; choose another name.'),
  rule('MST-USER-004', 'error', 'A replication user on a service whose admin is not a superuser needs PostgreSQL 16 or newer.',
    'Up to PostgreSQL 15 only a superuser can create REPLICATION roles, and MST\'s tsdbadmin is not one; upgrade the service to 16+, turn replication off, or connect as a superuser.'),
  rule('MST-USER-005', 'warning', 'A replication user on a service whose PostgreSQL version is not declared.',
    'Without `postgresVersion` the synth cannot tell whether the admin may create REPLICATION roles (PostgreSQL 16+ only, for a non-superuser); declare the version.'),
  rule('MST-USER-006', 'warning', 'A replication user can read every row of the service.',
    'Replication streams the whole cluster, bypassing grants and row-level security; acknowledge with the reason it is needed.'),
  rule('MST-USER-007', 'error', 'Generated passwords are 24 to 128 characters long.',
    'Shorter generated passwords are easier to guess, and a length that is not a whole number (24.5, Infinity) or past 128 (1e9) cannot be generated sensibly; give a whole number from 24 to 128 as `Secret.generated({ length })`, or `generated: { length }` in a manifest.'),
  rule('MST-USER-008', 'error', 'A password version is a whole number from 1.',
    '`passwordVersion` starts at 1 (the default) and is bumped by one to rotate the password; 0, negative and fractional versions are refused.'),
  rule('MST-USER-009', 'warning', 'An MST API service has at most 50 service users.',
    `Aiven's documented default is ${MST_API_USER_LIMIT} service users per service; past it MST refuses new users unless the limit was raised for the project. Acknowledge with the reason (a raised limit), or keep the service's users as PostgreSQL roles (backend postgres-roles), which have no such limit.`),
  rule('MST-BACKEND-001', 'error', 'A service on the MST API backend belongs to a project connected to MST\'s API.',
    'Service users made through MST\'s API need the project\'s organization and API token: give the project `mstApi: { organizationId }` (the token comes from the AIVEN_TOKEN environment variable, or `apiToken: Secret.fromVariable(...)`), or keep the service on the PostgreSQL-role backend.'),
  rule('MST-BACKEND-002', 'error', 'MST\'s API connection names a valid organization ID.',
    'Aiven organization IDs are `org` followed by letters and digits, as the console shows them (Organization settings); copy the ID, not the organization\'s name.'),
  rule('MST-BACKEND-003', 'error', 'Stacks with the MST API backend are synthesized as JSON.',
    'The MST API blocks are written as JSON only; turn off hclOutput (or SYNTH_HCL_OUTPUT) for the stack.'),
  rule('MST-GRANT-001', 'error', 'A grant gives only privileges that apply to its object.',
    `Tables take ${TABLE_PRIVILEGES.join(', ')}; a privilege of another kind of object (USAGE, CONNECT, EXECUTE) or a misspelt one cannot be granted on them, and an empty list grants nothing. Give table privileges, or use grantConnect (\`connect:\` in a manifest) for a database.`),
  rule('MST-GRANT-002', 'error', 'A grant of membership names a user of the same service.',
    'A PostgreSQL role exists only on its own service: a user of another service, or a username no user of the service has, is not a role there. Declare the user on this service, or grant the other user\'s privileges directly.'),
  rule('MST-GRANT-003', 'error', 'A user\'s grants are neither repeated nor in conflict.',
    'The same grant twice, read and write on the same tables, a grant on a whole schema beside grants on named tables of it (the provider revokes a schema-wide grant\'s privileges on every table before granting, so the two would undo each other on each deploy), and users made members of themselves or of one another in a circle (PostgreSQL refuses the membership that closes it) are refused. Keep one grant per object: write includes read; grant the whole schema or list every table.'),
  rule('MST-GRANT-004', 'error', 'Grants are made on services the deployer may manage.',
    `A grant changes a service user, which needs ${NEEDS('service-users')}; give the deployer a role that holds it (${holdersText(GOVERNING['service-users'].permission, 'and')}) or remove the grant.`),
  rule('MST-GRANT-005', 'warning', 'A replication user is given write privileges.',
    'A replication user already reads every row; writing too makes one credential both the copy and the source of the data. Give writes to another user, or acknowledge with the reason.'),
  rule('MST-GRANT-006', 'error', 'A role membership is one MST\'s admin can grant.',
    'MST\'s admin holds CREATEROLE but is no superuser: up to PostgreSQL 15 it may grant the predefined roles (pg_monitor, pg_read_all_data, ...), from 16 none of them; pg_database_owner takes no members, and pg_read_server_files, pg_write_server_files and pg_execute_server_program reach the server\'s OS account and are never granted (docs/grants.md lists them per version). Declare postgresVersion, choose a role the admin can grant, or grant table privileges instead.'),
  rule('MST-GRANT-007', 'error', 'Grants name valid PostgreSQL objects.',
    'Databases, schemas, tables and sequences are named by PostgreSQL identifiers: 1 to 63 bytes, no NUL character; a list of tables or sequences is not empty. Correct the name.'),
  rule('MST-SEC-001', 'error', 'No plaintext password in the configuration.',
    'A literal password ends up in the repository, the synthesized JSON and the plan; use a generated password or a sensitive variable. A password variable\'s `default` is a literal too: declare the variable without one and set `TF_VAR_<name>` in the pipeline.'),
  rule('MST-SEC-002', 'error', 'Password variables are marked sensitive.',
    'A variable that is not sensitive prints its value in plans and logs; declare it with `sensitive: true`.'),
  rule('MST-SEC-003', 'error', 'Write-only passwords come from a variable.',
    'A generated password is kept in the Terraform state, which write-only passwords are meant to avoid; give the user a password from a sensitive variable, or turn write-only off.'),
  rule('MST-SEC-004', 'error', 'A service\'s admin password comes from a sensitive variable.',
    'The admin password is the one MST gave the service; it cannot be generated. Pass Secret.fromVariable (`adminPassword: { variable: NAME }` in a manifest) or leave the default variable <service>_admin_password.'),
  rule('MST-SEC-005', 'error', 'A password variable is not one of a service\'s connection variables.',
    'A user whose password comes from a service\'s admin password variable (`<service>_admin_password` or the one given) gets tsdbadmin\'s password; a password from a host or port variable (`<service>_host`, `<service>_port`) turns that variable sensitive and makes an address a password. Give each password a sensitive variable of its own.'),
  rule('MST-VAR-001', 'error', 'Password variables have valid, unreserved Terraform variable names.',
    'Terraform and OpenTofu refuse a variable named source, version, count, for_each, depends_on, providers, lifecycle, locals, provider or _ (their meaning in module blocks), and names that are not identifiers; rename the variable.'),
  rule('MST-TF-001', 'error', 'No Terraform template sequence in a string the stack writes into Terraform.',
    'A service\'s host, database, admin username and sslmode go into the provider block as written, and Terraform and OpenTofu evaluate `${...}` and `%{...}` in them when they plan, with the deploy\'s credentials: a host `${var.other_admin_password}.x.example` would send another service\'s admin password to a name server, a database `${file("/etc/passwd")}` would read a file of the runner. Write the value itself; in typed code, pass a TerraformVariable\'s value (a token) rather than an expression inside a string.'),
  rule('MST-API-001', 'error', 'Typed declarations pass values of the documented types.',
    'Plain JavaScript or a cast can pass what TypeScript would refuse: a role that is not a ProjectRole, an unknown power state, a flag that is not a boolean; pass the documented value.'),
  rule('MST-API-002', 'error', 'Each declaration has a construct id of its own.',
    'cdktf cannot hold two constructs with one id in one scope, a construct with an empty id, or one whose id every JavaScript object has as a property (constructor, __proto__, ...); declare a project once per scope, and give it another name.'),
  rule('MST-API-003', 'error', 'A project\'s services and a service\'s users are declared in its stack.',
    'Each stack is planned and applied on its own: a service declared in another stack than its project, or a user in another stack than its service, would be judged and written apart from it, where two usernames that differ only in case could merge into one role. Declare it in the stack of the project (or service) it belongs to, or declare a project in the other stack.'),
  rule('MST-MANIFEST-001', 'error', 'A manifest is valid YAML or JSON and matches the schema.',
    'Unknown keys, missing fields and wrong types are refused, naming the key and the value received; correct the manifest (the JSON Schema in schema/ gives editor completion). So is anything whose meaning could differ between tools: a duplicate key at any depth (JSON too), a `%YAML` or `%TAG` directive, a YAML tag (`!!binary`, `!foo`), several YAML documents, and a number not written in plain decimal (`0x1F`, `0o17`, `010`, `.inf`, `.nan`, `1e999`). A syntax error names the line and column, never the text there (docs/input-limits.md).'),
  rule('MST-MANIFEST-002', 'error', 'A manifest stays within the input limits.',
    'At most 512 KiB, nested at most 32 deep, at most 1,000 YAML aliases (100 of any one anchor), and at most 100,000 values and 512 KiB of text once aliases are expanded (docs/input-limits.md); past a limit the file is refused at once, with one line (`cdktf-mst check` exits 2). Split the manifest or remove what makes it so large.'),
  rule('MST-INPUT-001', 'error', 'Reports and diffs read a manifest or the output of cdktf synth.',
    'Give a manifest (.yaml, .yml, .json), the folder `cdktf synth` wrote (cdktf.out), one stack folder in it, or one stack\'s cdk.tf.json. A path that does not exist or cannot be read, a file of another kind, a folder without a synthesized stack, JSON that does not parse or passes the limits of synthesized output (64 MiB a file, nested 64 deep), a path in cdktf.out/manifest.json that leads outside the folder given (`..`, an absolute path, a symbolic link), and synthesized stacks none of which was built with cdktf-mst are refused with one line naming the path (`cdktf-mst report` and `diff` exit 2).'),
  rule('MST-INPUT-002', 'error', 'A synthesized stack\'s access document is one this version of cdktf-mst reads.',
    'report and diff read the model from each stack\'s `"//"."cdktf-mst"` document (schema version 3, which records every service\'s connection; a document of another version may lack what the diff compares). A document edited by hand, cut short, or written by a newer cdktf-mst is refused, naming the first field that does not match; synthesize the stack again with this version.'),
  rule('MST-INPUT-003', 'error', 'A synthesized stack\'s access document matches the blocks it describes.',
    'report and diff judge the document, the engine applies the blocks: every `postgresql_role` block of the stack\'s `*.tf.json` files must be a user of the document with its name, replication flag and password source (its generated password or `var.NAME`), every user must have its block, and each service\'s provider block must connect as the document says (admin password variable, superuser flag, and the connection the document records). A block added, changed or declared twice, a Terraform (.tf) file in the stack folder, or role blocks in a stack without a document, are refused, naming the stack and the block (`cdktf-mst report` and `diff` exit 2). Synthesize the stack again with `cdktf synth`; never edit the document or the blocks by hand.'),
  rule('MST-DIFF-001', 'error', 'Changing members needs a deployer who may invite (cdktf-mst diff).',
    `Adding a member, inviting, changing a role, removing a member, withdrawing or re-sending an invitation, accepting a member with another role than invited, and naming another deployer need the deployer of base to hold ${INVITE} in base (the ${INVITERS} roles); a deployer that is not a member in base holds nothing. Deploy the change as a member who holds it.`),
  rule('MST-DIFF-002', 'error', 'Nobody changes their own role (cdktf-mst diff).',
    'The role of the deployer of base differs between base and head; have another member make the change.'),
  rule('MST-DIFF-003', 'error', 'The deployer cannot grant a role beyond its own (cdktf-mst diff).',
    'As for inviters (MST-INVITE-003): a member added, an invitation sent or re-sent, a role raised or an invitation accepted with more than invited may not hand out a permission the deployer lacks in base; deploy as a member who holds it.'),
  rule('MST-DIFF-004', 'error', 'Every other change needs its permission from the deployer\'s role in base (cdktf-mst diff).',
    'As MST-DEPLOY-002 for what a stack carries, judged on what changes and with the role the deployer of base holds in base (whatever deployer head names): changes to service users, to a service\'s admin connection or admin password source, a managed power state or billing details each need the permission of the table that governs them. A project base does not declare is judged as one where nobody holds anything yet.'),
  rule('MST-DIFF-005', 'escalation', 'A service\'s admin connection moves (cdktf-mst diff).',
    'The provider sends the admin password to the host, port and database it connects to, as the admin role it names: a pull request that changes one of them decides where the admin password goes. Reported as an escalation whoever deploys, and it needs Manage services from the deployer in base (MST-DIFF-004); check the new value is the service\'s own.'),
  rule('MST-DIFF-006', 'escalation', 'A service\'s admin connection stops requiring TLS, or verifies less (cdktf-mst diff).',
    'With sslmode disable, allow or prefer the admin password and every statement may cross the network in clear text; verify-ca and verify-full also check the server is the service. A change to a weaker mode, or to one the diff cannot read (a variable, an expression), is an escalation; one to a stronger mode is listed only. It needs Manage services from the deployer in base (MST-DIFF-004).'),
  rule('MST-DIFF-007', 'escalation', 'A service\'s admin password comes from another source (cdktf-mst diff).',
    'Which variable holds the admin password decides which secret the provider sends to the service\'s connection; pointing it at another variable sends that secret instead. Reported as an escalation; it needs Manage services from the deployer in base (MST-DIFF-004).'),
  rule('MST-DIFF-008', 'escalation', 'A password comes from a variable another user or service\'s admin reads too (cdktf-mst diff).',
    'Two holders of one password variable share one password: whoever can log in as one can log in as the other, and a user given an admin\'s variable gets the admin\'s password (refused outright, MST-SEC-005). Reported as an escalation for each holder that newly shares; it needs Manage services from the deployer in base (MST-DIFF-004). Give each password a sensitive variable of its own.'),
  rule('MST-DIFF-009', 'escalation', 'A service\'s user passwords stop being write-only (cdktf-mst diff).',
    'With `writeOnlyPasswords` the users\' passwords go to PostgreSQL through write-only attributes and never into the Terraform state; turned off, every password is written into the state, and whoever can read the state (its bucket, the pipeline\'s runners) can log in as each user. Reported as an escalation (turning it on is listed only); it needs Manage services from the deployer in base (MST-DIFF-004).'),
  rule('MST-ACK-001', 'warning', 'An acknowledgement matches a finding.',
    'An acknowledgement that silences nothing is stale; remove it.'),
  rule('MST-ACK-002', 'error', 'Acknowledgements name a warning rule and give a reason.',
    'Only warnings can be acknowledged, each with a written reason in plain text on one line; errors cannot be silenced. Fix the error, or correct the rule ID and add a reason.'),
] as const;

/** The ID of a rule of the catalogue: findings can only be made for these. */
export type RuleId = (typeof RULES)[number]['id'];

const BY_ID: ReadonlyMap<string, Rule<RuleId>> = new Map(RULES.map((r) => [r.id, r]));

/** The rule with `id`, or undefined (for IDs read from input: acknowledgements, documents). */
export function findRule(id: string): Rule<RuleId> | undefined {
  return BY_ID.get(id);
}

/** Whether `id` names a rule of the catalogue. */
export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}
