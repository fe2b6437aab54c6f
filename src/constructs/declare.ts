import { TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { Finding, finding, MstValidationError, quote } from '../domain/findings';

/**
 * @internal The construct id a library construct is about to be created under,
 * once what is wrong with the declaration in isolation has been thrown as
 * findings. Called in the `super(...)` arguments, i.e. before the construct
 * exists: the constructs library would otherwise throw its own errors, without
 * a rule ID, for an empty id ("Only root constructs may have an empty ID"), an
 * id every JavaScript object has as a property (constructor, __proto__, ...) or
 * an id already taken ("There is already a Construct with name ...").
 *
 * @param isolated the findings of the declaration on its own, given its path to be
 * @param duplicate the finding when `id` is taken by `existing` (a duplicate email,
 *   service or username); by default MST-API-002
 */
export function declare(
  scope: IConstruct,
  id: string,
  isolated: (path: string) => Finding[],
  duplicate?: (path: string, existing: IConstruct) => Finding | undefined,
): string {
  const path = scope.node.path ? `${scope.node.path}/${id}` : String(id);
  const findings = isolated(path);
  if (findings.length > 0) throw new MstValidationError(findings);
  if (typeof id !== 'string' || id === '' || id in Object.prototype) {
    throw new MstValidationError([finding('MST-API-002', path,
      `construct id ${typeof id === 'string' ? quote(id) : String(id)} ${id === '' ? 'is empty' : typeof id === 'string' ? 'is the name of a property every JavaScript object has' : 'is not a string'}`,
      'give the declaration another id or name', String(id))]);
  }
  const existing = scope.node.tryFindChild(id);
  if (existing) {
    throw new MstValidationError([duplicate?.(path, existing) ?? finding('MST-API-002', path,
      `construct id ${quote(id)} is already used by another construct at ${existing.node.path}`,
      'declare it once, or give one of them another id or name', id)]);
  }
  return id;
}

/**
 * @internal MST-API-003: a declaration about to be made in `scope` belongs to
 * `owner` (its project, or its service), which is in another stack, or `scope`
 * is in no stack at all. Each stack is validated and written on its own.
 * `describe` names the two in the finding (made only when there is one).
 */
export function checkSameStack(path: string, scope: IConstruct, owner: IConstruct, describe: () => { what: string; ownerWhat: string }): Finding[] {
  // Declared in its owner, or in a construct of its owner (not a stack of its own): the same stack.
  if (scope === owner || (scope.node.scope === owner && !TerraformStack.isStack(scope))) return [];
  const here = stackOf(scope);
  const there = stackOf(owner);
  if (here === there) return [];
  const { what, ownerWhat } = describe();
  const where = here ? `declared in stack ${quote(here.node.path)}` : 'declared outside any stack';
  const ownersStack = there ? quote(there.node.path) : '(none)';
  return [finding('MST-API-003', path, `${what} is ${where}, but its ${ownerWhat} is in stack ${ownersStack}`,
    `declare it in stack ${ownersStack} (each stack is planned and applied on its own)${here ? `, or declare a project in stack ${quote(here.node.path)}` : ''}`)];
}

/** The stack `scope` is in, if any (TerraformStack.of throws an error without a rule ID). */
function stackOf(scope: IConstruct): TerraformStack | undefined {
  for (let c: IConstruct | undefined = scope; c; c = c.node.scope) if (TerraformStack.isStack(c)) return c;
  return undefined;
}
