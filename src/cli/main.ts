/**
 * The `cdktf-mst` command. Exit codes: 0 success, 1 findings (for check, an
 * unreadable or unparsable file is a finding too; for diff, what --fail-on
 * names; for adopt, no role to adopt; for password, no such password), 2 usage errors, a manifest past an
 * input limit (MST-MANIFEST-002), and input that report, diff, adopt or password cannot read.
 */
import { formatFinding, Finding, MAX_PRINTED_FINDINGS, moreLine } from '../domain/findings';
import { RULES } from '../domain/rules';
import { jsonVisible, visible } from '../domain/visible';
import { CappedRead, MAX_LOG_BYTES, readCapped, tooLargeText } from '../manifest/limits';
import { checkManifestFile } from '../manifest/load';
import { manifestJsonSchema } from '../manifest/schema';
import { diffAccess } from '../report/diff';
import { AccessInput, InputError, readAccessInput } from '../report/input';
import { diffToMarkdown, reportToMarkdown } from '../report/markdown';
import { buildAccessReport } from '../report/report';
import { importBlocks, readAdoptionLog } from './adopt';
import { passwordFromOutputs } from './password';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: cdktf-mst <command> [options]

commands:
  check FILE        validate a manifest (YAML or JSON) without synthesizing
  report INPUT      who holds what: members x permissions, invitations, services, users, warnings
                    [--format markdown|json]
  diff BASE HEAD    what changes in access, escalations first
                    [--format markdown|json] [--fail-on escalation|error]...
  adopt [LOG]       import blocks for the roles a killed deploy left out of the state, from the
                    next deploy's \`role "…" already exists\` errors (LOG, or standard input)
  password SERVICE USERNAME [OUTPUTS]
                    print one user's generated password from \`tofu output -json\` (OUTPUTS, or standard input)
  rules             print the rule catalogue
  schema            print the manifest's JSON Schema
  help              print this text`;

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export function main(argv: readonly string[], io: Io): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return check(rest, io);
    case 'report':
      return report(rest, io);
    case 'diff':
      return diff(rest, io);
    case 'adopt':
      return adopt(rest, io);
    case 'password':
      return password(rest, io);
    case 'rules':
      for (const r of RULES) io.out(`${r.id}\t${r.level}\t${r.summary}`);
      return 0;
    case 'schema':
      io.out(JSON.stringify(manifestJsonSchema(), null, 2));
      return 0;
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return 0;
    default:
      io.err(command === undefined ? USAGE : `cdktf-mst: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

function check(args: readonly string[], io: Io): number {
  if (args.length !== 1 || args[0].startsWith('-')) {
    io.err('usage: cdktf-mst check FILE');
    return 2;
  }
  const file = args[0];
  const { spec, findings } = checkManifestFile(file);
  const limit = findings.find((f) => f.ruleId === 'MST-MANIFEST-002');
  if (limit) {
    // Past an input limit: nothing else was read or judged; one line, like a usage error.
    io.err(`error ${formatFinding(limit)}`);
    return 2;
  }
  printFindings(findings, io);
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.length - errors;
  if (!spec || errors > 0) {
    io.err(visible(`${file}: ${errors} error(s), ${warnings} warning(s)`));
    return 1;
  }
  const users = spec.services.reduce((n, s) => n + s.users.length, 0);
  const acknowledged = findings.filter((f) => f.acknowledged !== undefined).length;
  io.out(visible(`${file}: ok: project ${spec.name}`) + `, ${spec.members.length} member(s), ${spec.invitations.length} invitation(s), `
    + `${spec.services.length} service(s), ${users} user(s); ${warnings} warning(s)`
    + (acknowledged > 0 ? `, ${acknowledged} acknowledged` : ''));
  return 0;
}

const ADOPT_USAGE = 'usage: cdktf-mst adopt [LOG]   (LOG: the saved output of the failed deploy; standard input when absent or -)';

/**
 * Prints the import blocks that adopt the roles a failed deploy's output (LOG,
 * or standard input) names as already existing: exit 0 with at least one,
 * 1 when the log names none, 2 when LOG cannot be read.
 */
function adopt(args: readonly string[], io: Io): number {
  if (args.length > 1 || (args[0] !== undefined && args[0] !== '-' && args[0].startsWith('-'))) {
    io.err(ADOPT_USAGE);
    return 2;
  }
  const source = args[0] ?? '-';
  const name = source === '-' ? 'standard input' : visible(source);
  let read: CappedRead;
  try {
    read = readCapped(source === '-' ? 0 : source, MAX_LOG_BYTES);
  } catch (e) {
    io.err(`cdktf-mst adopt: ${name}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); give the saved output of the failed deploy, or pipe it in`);
    return 2;
  }
  if ('tooLarge' in read) {
    io.err(`cdktf-mst adopt: ${name} ${tooLargeText(read.tooLarge.size, MAX_LOG_BYTES)}; give only the output of the failed deploy`);
    return 2;
  }
  const { adoptions, unmatched } = readAdoptionLog(read.text);
  for (const { role, address } of unmatched) {
    io.err(address === undefined
      ? `cdktf-mst adopt: role "${visible(role)}" already exists, but no \`with postgresql_role.…\` line follows its error; `
        + 'import it by hand only if your stack created it'
      : `cdktf-mst adopt: role "${visible(role)}" already exists, but ${visible(address)} is not the block this library gives it `
        + `(postgresql_role.<service>_${visible(role.toLowerCase())}); not adopted: import it by hand only if your stack created it`);
  }
  if (adoptions.length === 0) {
    io.err(unmatched.length > 0 ? `cdktf-mst adopt: no role in ${name} to adopt into its own block; nothing to adopt`
      : `cdktf-mst adopt: no \`role "…" already exists\` error in ${name}; nothing to adopt`);
    return 1;
  }
  io.out(importBlocks(adoptions).trimEnd());
  io.err(`cdktf-mst adopt: ${adoptions.length} role(s); apply these blocks with the stack once, then remove them`);
  return 0;
}

const PASSWORD_USAGE = 'usage: cdktf-mst password SERVICE USERNAME [OUTPUTS]   (OUTPUTS: saved `tofu output -json`; standard input when absent or -)';

/** Prints one user's generated password: exit 0, 1 when the outputs hold none for it, 2 when they cannot be read. */
function password(args: readonly string[], io: Io): number {
  const source = args[2] ?? '-';
  if (args.length < 2 || args.length > 3 || args.slice(0, 2).some((a) => a.startsWith('-')) || (source !== '-' && source.startsWith('-'))) {
    io.err(PASSWORD_USAGE);
    return 2;
  }
  const [service, username] = args;
  const name = source === '-' ? 'standard input' : visible(source);
  let read: CappedRead;
  try {
    read = readCapped(source === '-' ? 0 : source, MAX_LOG_BYTES);
  } catch (e) {
    io.err(`cdktf-mst password: ${name}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); pipe in \`tofu output -json\` of the deployed stack`);
    return 2;
  }
  if ('tooLarge' in read) {
    io.err(`cdktf-mst password: ${name} ${tooLargeText(read.tooLarge.size, MAX_LOG_BYTES)}; pipe in \`tofu output -json\` of the deployed stack`);
    return 2;
  }
  const text = read.text;
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    io.err(`cdktf-mst password: ${name} is not JSON; pipe in \`tofu output -json\` (not \`tofu output\`) of the deployed stack`);
    return 2;
  }
  const found = passwordFromOutputs(outputs, service, username);
  if ('problem' in found) {
    io.err(`cdktf-mst password: ${found.problem}`);
    return 1;
  }
  io.out(found.password);
  return 0;
}

const INPUT_HELP = 'INPUT, BASE and HEAD are manifests (.yaml, .yml, .json) or `cdktf synth` output (cdktf.out, a stack folder, a cdk.tf.json)';
const REPORT_USAGE = `usage: cdktf-mst report INPUT [--format markdown|json]\n${INPUT_HELP}`;
const DIFF_USAGE = `usage: cdktf-mst diff BASE HEAD [--format markdown|json] [--fail-on escalation|error]...\n${INPUT_HELP}`;

function report(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, ['format']);
  if (typeof opts === 'string' || opts.positional.length !== 1) {
    io.err(typeof opts === 'string' ? `cdktf-mst report: ${opts}\n${REPORT_USAGE}` : REPORT_USAGE);
    return 2;
  }
  const input = readInput(opts.positional[0], io);
  if (!input) return 2;
  const data = buildAccessReport(input.projects, input.findings);
  io.out(opts.format === 'json' ? json(data) : reportToMarkdown(data).trimEnd());
  return 0;
}

/** Exit 1 when --fail-on names something the diff found; 0 otherwise (2 for usage and unreadable input). */
function diff(args: readonly string[], io: Io): number {
  const opts = parseOptions(args, ['format', 'fail-on']);
  if (typeof opts === 'string' || opts.positional.length !== 2) {
    io.err(typeof opts === 'string' ? `cdktf-mst diff: ${opts}\n${DIFF_USAGE}` : DIFF_USAGE);
    return 2;
  }
  const base = readInput(opts.positional[0], io);
  const head = base && readInput(opts.positional[1], io);
  if (!base || !head) return 2;
  const data = diffAccess(base, head);
  io.out(opts.format === 'json' ? json(data) : diffToMarkdown(data).trimEnd());
  const failed = [
    ...(opts.failOn.has('escalation') && data.summary.escalations > 0 ? [`${data.summary.escalations} escalation(s)`] : []),
    ...(opts.failOn.has('error') && data.summary.errors > 0 ? [`${data.summary.errors} error(s)`] : []),
  ];
  if (failed.length === 0) return 0;
  io.err(`cdktf-mst diff: ${failed.join(' and ')} (--fail-on ${[...opts.failOn].join(',')})`);
  return 1;
}

function readInput(file: string, io: Io): AccessInput | undefined {
  try {
    return readAccessInput(file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`cdktf-mst: ${visible(e.message)}`);
    return undefined;
  }
}

const FORMATS = ['markdown', 'json'] as const;
const FAIL_ON = ['escalation', 'error'] as const;

interface Options {
  readonly positional: string[];
  format: (typeof FORMATS)[number];
  readonly failOn: Set<(typeof FAIL_ON)[number]>;
}

/** `--name value` or `--name=value`; --fail-on repeats or takes a comma-separated list. Returns a message on misuse. */
function parseOptions(args: readonly string[], allowed: readonly string[]): Options | string {
  const opts: Options = { positional: [], format: 'markdown', failOn: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      opts.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!allowed.includes(name)) return `unknown option "${arg}"`;
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return `--${name} needs a value`;
    if (name === 'format') {
      const format = FORMATS.find((f) => f === value);
      if (!format) return `--format "${value}" is not one of ${FORMATS.join(', ')}`;
      opts.format = format;
    } else {
      for (const v of value.split(',').map((x) => x.trim())) {
        const what = FAIL_ON.find((f) => f === v);
        if (!what) return `--fail-on "${v}" is not one of ${FAIL_ON.join(', ')}`;
        opts.failOn.add(what);
      }
    }
  }
  return opts;
}

/**
 * JSON for machines and terminals alike: JSON.stringify escapes the C0
 * control characters; DEL, the C1 range and invisible formatting characters
 * are escaped too (as \u escapes, so the data is unchanged).
 */
export function json(data: unknown): string {
  return jsonVisible(JSON.stringify(data, null, 2));
}

/**
 * Errors and unacknowledged warnings to stderr, acknowledged ones with their
 * reason: at most MAX_PRINTED_FINDINGS, then one line counting the rest.
 */
export function printFindings(findings: readonly Finding[], io: Io): void {
  if (findings.length > MAX_PRINTED_FINDINGS) {
    printFindings(findings.slice(0, MAX_PRINTED_FINDINGS), io);
    io.err(moreLine(findings.slice(MAX_PRINTED_FINDINGS)));
    return;
  }
  for (const f of findings) {
    if (f.acknowledged !== undefined) io.err(`${formatFinding(f)} (acknowledged: ${visible(f.acknowledged)})`);
    else io.err(`${f.level === 'error' ? 'error' : 'warning'} ${formatFinding(f)}`);
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  });
}
