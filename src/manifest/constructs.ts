import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { Acknowledgements } from '../constructs/acknowledgements';
import { StackValidation } from '../constructs/stack-validation';
import { MstProject } from '../constructs/project';
import { Secret } from '../constructs/secret';
import { UserBackend } from '../domain/backend';
import { ServiceUser } from '../constructs/service-user';
import { PowerState } from '../domain/power-state';
import { ProjectSpec, SecretSource } from '../domain/model';
import { Manifest } from './schema';
import { throwOnErrors } from '../domain/findings';
import { manifestFindings, manifestToSpec, readManifest, validateManifestData } from './load';

/**
 * Builds an {@link MstProject} (members, invitations, services, users and
 * acknowledgements) from a manifest file or an already-parsed manifest object.
 * The whole manifest is checked first: if anything is wrong, every finding is
 * thrown at once in an MstValidationError and no construct is created. That
 * check is the manifest's validation: a stack holding nothing else reports its
 * findings at synth without judging the manifest again.
 *
 * @example
 * loadManifest(stack, 'access/acme.yaml');
 */
export function loadManifest(scope: Construct, source: string | Manifest): MstProject {
  const parsed = typeof source === 'string' ? readManifest(source) : validateManifestData(source, 'manifest');
  if (!parsed.ok) throwOnErrors(parsed.findings);
  const m = (parsed as { manifest: Manifest }).manifest;
  const spec = manifestToSpec(m, scope.node.path);
  // Judged as the stack will judge the constructs: with the acknowledgements made on the scopes above them.
  const above = scope.node.scopes.flatMap((c) => Acknowledgements.on(c));
  const findings = manifestFindings(m, { ...spec, acknowledgements: [...above, ...spec.acknowledgements] });
  throwOnErrors(findings);
  const first = StackValidation.noDeclarationsYet(scope);
  const project = build(scope, spec, m);
  if (first) StackValidation.of(project).validatedAtLoad(findings);
  return project;
}

/**
 * The constructs of `spec`, the manifest as the plain model (its defaults,
 * password sources and paths already decided by manifestToSpec). From the
 * manifest itself only what the model does not hold: how to reach each
 * service, and whether its admin password was given.
 */
function build(scope: Construct, spec: ProjectSpec, m: Manifest): MstProject {
  const stack = TerraformStack.of(scope);
  // Variables are stack-wide: one an earlier loadManifest of this stack declared is reused, not declared twice.
  const secret = (value: SecretSource): Secret => {
    if (value.kind === 'generated') return Secret.generated({ length: value.length });
    if (value.kind === 'literal') return Secret.of(value, undefined)!; // refused above (MST-SEC-001) before anything is built
    const id = `mst-var-${value.name}`;
    const existing = stack.node.tryFindChild(id);
    if (existing instanceof TerraformVariable) return Secret.fromVariable(existing);
    const v = new TerraformVariable(stack, id, { type: 'string', sensitive: true });
    v.overrideLogicalId(value.name);
    return Secret.fromVariable(v);
  };
  const project = new MstProject(scope, spec.name, {
    deployer: spec.deployer,
    ...(spec.billing ? { billing: { ...(spec.billing.email !== undefined ? { email: spec.billing.email } : {}) } } : {}),
    ...(spec.mstApi ? { mstApi: {
      organizationId: spec.mstApi.organizationId, ...(spec.mstApi.apiToken ? { apiToken: secret(spec.mstApi.apiToken) } : {}),
    } } : {}),
  });
  const byPath = new Map<string, IConstruct>([[spec.path, project]]);

  for (const x of spec.members) project.addMember(x.email, x.role);
  for (const x of spec.invitations) project.addInvitation(x.email, { role: x.role, invitedBy: x.invitedBy });
  spec.services.forEach((s, i) => {
    const { connection, adminPassword, passwordsVersion } = (m.services ?? [])[i];
    const service = project.addService(s.name, {
      ...(connection ? { connection } : {}),
      ...(adminPassword !== undefined ? { adminPassword: secret(s.adminPassword) } : {}),
      ...(s.postgresVersion !== undefined ? { postgresVersion: s.postgresVersion } : {}),
      ...(s.state ? { powerState: PowerState.of(s.state) } : {}),
      writeOnlyPasswords: s.writeOnlyPasswords,
      ...(passwordsVersion !== undefined ? { passwordsVersion } : {}),
      ...(s.backend ? { backend: UserBackend.tryOf(s.backend) } : {}),
    });
    byPath.set(s.path, service);
    for (const u of s.users) {
      byPath.set(u.path, service.addUser(u.username, {
        allowReplication: u.allowReplication, password: secret(u.password), passwordVersion: u.passwordVersion,
      }));
    }
  });
  // Grants once every user exists: a membership may name a user declared after its member.
  const users = new Map(spec.services.flatMap((s) => s.users.map((u) => [u.path, u] as const)));
  for (const [path, u] of users) for (const g of u.grants ?? []) (byPath.get(path) as ServiceUser).addGrant(g);
  for (const a of spec.acknowledgements) Acknowledgements.of(byPath.get(a.path)!).add(a.ruleId, a.reason);
  return project;
}
