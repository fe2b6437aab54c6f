/**
 * One MST project may be declared in several stacks of an app (a stack per
 * service, say), or in several synthesized stack folders. It is still one
 * project: every declaration must name the same deployer, members,
 * invitations and billing details, and each service belongs to one of them.
 * Otherwise a reviewer would read one declaration while another grants more.
 */
import { Finding, finding } from './findings';
import { ProjectSpec } from './model';
import { emailKey } from './conventions';

/** Shown differences per finding; the rest are counted. */
const SHOWN = 3;

/** MST-PROJECT-002 findings for the projects of several stacks, judged by project name. */
export function checkDeclarationsAgree(projects: readonly ProjectSpec[]): Finding[] {
  const byName = new Map<string, ProjectSpec[]>();
  for (const p of projects) {
    const list = byName.get(p.name);
    if (list) list.push(p); else byName.set(p.name, [p]);
  }
  const out: Finding[] = [];
  for (const [name, declarations] of byName) {
    if (declarations.length < 2) continue;
    const [first, ...rest] = declarations;
    for (const other of rest) {
      const differences = compare(first, other);
      if (differences.length === 0) continue;
      const shown = differences.slice(0, SHOWN).join('; ')
        + (differences.length > SHOWN ? `; and ${differences.length - SHOWN} more` : '');
      out.push(finding('MST-PROJECT-002', other.path,
        `project "${name}" is declared at ${first.path} and at ${other.path}, differently: ${shown}`,
        'declare the project alike in every stack (same deployer, members, invitations and billing details), each service in one of them', name));
    }
  }
  return out;
}

/** What differs between two declarations of one project, each naming both places. */
function compare(a: ProjectSpec, b: ProjectSpec): string[] {
  const out: string[] = [];
  const here = a.path;
  const there = b.path;
  if (emailKey(a.deployer) !== emailKey(b.deployer)) {
    out.push(`the deployer is "${a.deployer}" at ${here} and "${b.deployer}" at ${there}`);
  }
  const describe = (m: { role: { label: string }; invitedBy?: string }) =>
    m.invitedBy === undefined ? `a member as ${m.role.label}` : `invited as ${m.role.label} by "${m.invitedBy}"`;
  const people = (p: ProjectSpec) => new Map<string, { email: string; role: { label: string }; invitedBy?: string }>([
    ...p.members.map((m) => [emailKey(m.email), m] as const),
    ...p.invitations.map((i) => [emailKey(i.email), i] as const),
  ]);
  const pa = people(a);
  const pb = people(b);
  for (const key of new Set([...pa.keys(), ...pb.keys()])) {
    const x = pa.get(key);
    const y = pb.get(key);
    if (x && y) {
      const dx = describe(x);
      const dy = describe(y);
      if (dx.toLowerCase() !== dy.toLowerCase()) out.push(`"${x.email}" is ${dx} at ${here} and ${dy} at ${there}`);
    } else if (x) {
      out.push(`"${x.email}" is ${describe(x)} at ${here} but not declared at ${there}`);
    } else if (y) {
      out.push(`"${y.email}" is ${describe(y)} at ${there} but not declared at ${here}`);
    }
  }
  if (a.billing && b.billing && emailKey(a.billing.email ?? '') !== emailKey(b.billing.email ?? '')) {
    out.push(`the billing email is "${a.billing.email ?? ''}" at ${here} and "${b.billing.email ?? ''}" at ${there}`);
  } else if (Boolean(a.billing) !== Boolean(b.billing)) {
    // One stack deploying billing while another leaves it as it is would make the project read both ways.
    const [managed, not] = a.billing ? [here, there] : [there, here];
    out.push(`billing details are managed at ${managed} but not declared at ${not}`);
  }
  const servicesA = new Set(a.services.map((s) => s.name));
  for (const s of b.services) {
    if (servicesA.has(s.name)) out.push(`service "${s.name}" is declared at both`);
  }
  return out;
}
