/**
 * Small pieces the report and the diff share: how a password source is shown
 * (never a secret, only where it comes from) and which project a finding
 * belongs to.
 */
import { compareText, Finding } from '../domain/findings';
import { ConnectionSetting, ProjectSpec, SecretSource, UserSpec } from '../domain/model';

/** Where a user's password comes from, and its rotation version. Never the password. */
export type PasswordInfo =
  | { readonly source: 'generated'; readonly length: number; readonly version: number }
  | { readonly source: 'variable'; readonly variable: string; readonly version: number }
  /** Refused by MST-SEC-001; shown so a report of a broken manifest can name it. */
  | { readonly source: 'literal'; readonly version: number };

export function passwordInfo(user: UserSpec): PasswordInfo {
  const version = user.passwordVersion;
  switch (user.password.kind) {
    case 'generated':
      return { source: 'generated', length: user.password.length, version };
    case 'variable':
      return { source: 'variable', variable: user.password.name, version };
    case 'literal':
      return { source: 'literal', version };
  }
}

/** Where a secret comes from, as reports show it. Never the value. */
export type SecretInfo =
  | { readonly source: 'generated'; readonly length: number }
  | { readonly source: 'variable'; readonly variable: string }
  | { readonly source: 'literal' };

export function secretInfo(source: SecretSource): SecretInfo {
  switch (source.kind) {
    case 'generated':
      return { source: 'generated', length: source.length };
    case 'variable':
      return { source: 'variable', variable: source.name };
    case 'literal':
      return { source: 'literal' };
  }
}

/** A connection setting as plain data (a typed expression is read here, once). */
export function settingInfo(s: ConnectionSetting): ConnectionSetting {
  if ('literal' in s) return { literal: s.literal };
  if ('variable' in s) return { variable: s.variable };
  return { expression: s.expression };
}

/** A finding as reports carry it: everything but the machine-only offending value. */
export type ReportFinding = Omit<Finding, 'value'>;

export function reportFinding({ value: _value, ...rest }: Finding): ReportFinding {
  return rest;
}

/** The project whose path holds `findingPath` (the deepest one), if any. */
export function projectOf(findingPath: string, projects: readonly ProjectSpec[]): ProjectSpec | undefined {
  let best: ProjectSpec | undefined;
  for (const p of projects) {
    const inside = findingPath === p.path || findingPath.startsWith(`${p.path}/`);
    if (inside && (!best || p.path.length > best.path.length)) best = p;
  }
  return best;
}

/**
 * `findingPath` below its project (`metrics/users/replicator`), which reads the
 * same whether the project came from a manifest (`acme-prod/...`) or a stack
 * (`acme-access/acme/...`); the project's own path is `.`.
 */
export function pathInProject(findingPath: string, project: ProjectSpec | undefined): string {
  if (!project) return findingPath;
  return findingPath === project.path ? '.' : findingPath.slice(project.path.length + 1);
}

/** Compares strings case-insensitively first, so lists read alphabetically; ties by the exact string. */
export function byText(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return compareText(a, b);
}
