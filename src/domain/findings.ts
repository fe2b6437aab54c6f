import { RuleLevel, findRule } from './rules';
import { visible } from './visible';

/** One thing a rule found wrong, with where, what and how to fix it. */
export interface Finding {
  readonly ruleId: string;
  readonly level: RuleLevel;
  /** Construct or manifest path of the offending declaration. */
  readonly path: string;
  /** What is wrong, naming the value received. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** The offending value, for machines. */
  readonly value?: string;
  /** Set when a warning was acknowledged: the written reason. */
  readonly acknowledged?: string;
}

/** Builds a finding for `ruleId`, taking its level from the catalogue. */
export function finding(ruleId: string, path: string, message: string, fix: string, value?: string): Finding {
  const rule = findRule(ruleId);
  if (!rule) throw new Error(`internal: unknown rule ${ruleId}`);
  return { ruleId, level: rule.level, path, message, fix, ...(value === undefined ? {} : { value }) };
}

/**
 * `RULE: message; fix.` — a finding without its path, for surfaces that show
 * the path themselves. Control characters of the input are shown escaped.
 */
export function findingText(f: Finding): string {
  return visible(`${f.ruleId}: ${f.message}; ${f.fix}.`);
}

/** `[path] RULE: message; fix.` — the one-line form every terminal surface prints. */
export function formatFinding(f: Finding): string {
  return `[${visible(f.path)}] ${findingText(f)}`;
}

/** Sorts by path, then rule ID, then message: a stable order for every surface. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => cmp(a.path, b.path) || cmp(a.ruleId, b.ruleId) || cmp(a.message, b.message),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Thrown for findings that are wrong in isolation, at the point of declaration. */
export class MstValidationError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(findings.map(formatFinding).join('\n'));
    this.name = 'MstValidationError';
  }
}
