import { RuleId, RuleLevel, RULES } from './rules';
import { visible } from './visible';

/** One thing a rule found wrong, with where, what and how to fix it. */
export interface Finding {
  readonly ruleId: RuleId;
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

const LEVELS: ReadonlyMap<RuleId, RuleLevel> = new Map(RULES.map((r) => [r.id, r.level]));

/** Builds a finding for `ruleId`, taking its level from the catalogue. */
export function finding(ruleId: RuleId, path: string, message: string, fix: string, value?: string): Finding {
  return { ruleId, level: LEVELS.get(ruleId)!, path, message, fix, ...(value === undefined ? {} : { value }) };
}

/** MST-USER-002: `username` collides with `existing` in `service` (role names are compared case-insensitively). */
export function usernameCollision(path: string, username: string, existing: string, service: string): Finding {
  return finding('MST-USER-002', path,
    `username ${quote(username)} collides with ${quote(existing)} in service ${quote(service)} (role names are compared case-insensitively)`,
    'rename one of them', username);
}

/**
 * `RULE: message; fix.` — a finding without its path, for surfaces that show
 * the path themselves. Control characters of the input are shown escaped.
 */
export function findingText(f: Finding): string {
  return visible(`${f.ruleId}: ${f.message}; ${f.fix}.`);
}

/** `[path] RULE: message; fix.` — the one-line form every terminal surface prints (overlong path segments shortened). */
export function formatFinding(f: Finding): string {
  const path = f.path.length > MAX_ECHO ? f.path.split('/').map((s) => shorten(s)).join('/') : f.path;
  return `[${visible(path)}] ${findingText(f)}`;
}

/** Longest value a message echoes in full; longer ones are shortened to their start and their length. */
export const MAX_ECHO = 80;

/**
 * `value` as a message echoes it: in full up to {@link MAX_ECHO} characters,
 * else its start and its length. Control characters stay as they are in the
 * finding; every surface escapes them where it prints ({@link visible}).
 */
export function shorten(value: string): string {
  return value.length <= MAX_ECHO ? value : `${value.slice(0, MAX_ECHO - 20)}… (${value.length} characters)`;
}

/** `"value"`, shortened as {@link shorten} does: how messages quote what they received. */
export function quote(value: string): string {
  return `"${shorten(value)}"`;
}

/** Most findings an error message or the CLI prints; the rest are counted. */
export const MAX_PRINTED_FINDINGS = 100;

/** The findings as printed lines, at most `max` of them, then one line counting the rest. */
function formatFindings(findings: readonly Finding[], max = MAX_PRINTED_FINDINGS): string[] {
  const lines = findings.slice(0, max).map(formatFinding);
  if (findings.length > max) lines.push(moreLine(findings.slice(max)));
  return lines;
}

/** `… and 199,900 more finding(s) (199,900 errors, 0 warnings) not shown` */
export function moreLine(rest: readonly Finding[]): string {
  const errors = rest.filter((f) => f.level === 'error').length;
  return `… and ${rest.length} more finding(s) (${errors} error(s), ${rest.length - errors} warning(s)) not shown; fix the ones above first`;
}

/** Sorts by path, then rule ID, then message: a stable order for every surface. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) => compareText(a.path, b.path) || compareText(a.ruleId, b.ruleId) || compareText(a.message, b.message),
  );
}

/** Orders strings by code unit, as `Array.prototype.sort` does without a comparator: the one comparator of the code base. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Thrown for findings that are wrong in isolation, at the point of declaration,
 * and for a stack or manifest with errors. The message prints at most
 * {@link MAX_PRINTED_FINDINGS} of them; `findings` holds every one.
 */
export class MstValidationError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(formatFindings(findings).join('\n'));
    this.name = 'MstValidationError';
  }
}

/** Throws an {@link MstValidationError} with the errors among `findings`, if there are any. */
export function throwOnErrors(findings: readonly Finding[]): void {
  const errors = findings.filter((f) => f.level === 'error');
  if (errors.length > 0) throw new MstValidationError(errors);
}
