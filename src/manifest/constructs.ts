import { TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { Acknowledgements } from '../constructs/acknowledgements';
import { MstProject } from '../constructs/project';
import { Secret } from '../constructs/secret';
import { PowerState } from '../constructs/service';
import { ProjectRole } from '../domain/permissions';
import { Manifest, ManifestPassword } from './schema';
import { manifestFindings, manifestToSpec, readManifest, throwOnErrors, validateManifestData } from './load';

/**
 * Builds an {@link MstProject} (members, invitations, services, users and
 * acknowledgements) from a manifest file or an already-parsed manifest object.
 * The whole manifest is checked first: if anything is wrong, every finding is
 * thrown at once in an MstValidationError and no construct is created.
 *
 * @example
 * loadManifest(stack, 'access/acme.yaml');
 */
export function loadManifest(scope: Construct, source: string | Manifest): MstProject {
  const parsed = typeof source === 'string' ? readManifest(source) : validateManifestData(source, 'manifest');
  if (!parsed.ok) throwOnErrors(parsed.findings);
  const m = (parsed as { manifest: Manifest }).manifest;
  throwOnErrors(manifestFindings(m, manifestToSpec(m, scope.node.path)));
  return build(scope, m);
}

function build(scope: Construct, m: Manifest): MstProject {
  const project = new MstProject(scope, m.project, {
    deployer: m.deployer,
    ...(m.billing ? { billing: { ...m.billing } } : {}),
  });
  const stack = TerraformStack.of(scope);
  // Variables are stack-wide: one an earlier loadManifest of this stack declared is reused, not declared twice.
  const secret = (value: ManifestPassword | undefined): Secret | undefined => {
    if (value === undefined || typeof value === 'string') return undefined; // literals were refused above
    if ('generated' in value) return Secret.generated(value.generated);
    const id = `mst-var-${value.variable}`;
    const existing = stack.node.tryFindChild(id);
    let v: TerraformVariable;
    if (existing instanceof TerraformVariable) {
      v = existing;
    } else {
      v = new TerraformVariable(stack, id, { type: 'string', sensitive: true });
      v.overrideLogicalId(value.variable);
    }
    return Secret.fromVariable(v);
  };
  const acknowledge = (target: Construct, list?: readonly { rule: string; reason: string }[]) =>
    list?.forEach((a) => Acknowledgements.of(target).add(a.rule, a.reason));

  for (const x of m.members) project.addMember(x.email, ProjectRole.of(x.role));
  for (const x of m.invitations ?? []) project.invite(x.email, { role: ProjectRole.of(x.role), invitedBy: x.invitedBy });
  acknowledge(project, m.acknowledge);
  for (const s of m.services ?? []) {
    const adminPassword = secret(s.adminPassword);
    const service = project.addService(s.name, {
      ...(s.connection ? { connection: s.connection } : {}),
      ...(adminPassword ? { adminPassword } : {}),
      ...(s.postgresVersion !== undefined ? { postgresVersion: s.postgresVersion } : {}),
      ...(s.state ? { state: PowerState.of(s.state) } : {}),
      ...(s.writeOnlyPasswords !== undefined ? { writeOnlyPasswords: s.writeOnlyPasswords } : {}),
    });
    acknowledge(service, s.acknowledge);
    for (const u of s.users ?? []) {
      const password = secret(u.password);
      const user = service.addUser(u.username, {
        ...(u.allowReplication !== undefined ? { allowReplication: u.allowReplication } : {}),
        ...(password ? { password } : {}),
        ...(u.passwordVersion !== undefined ? { passwordVersion: u.passwordVersion } : {}),
      });
      acknowledge(user, u.acknowledge);
    }
  }
  return project;
}
