/**
 * The `cdktf-mst` command. Exit codes: 0 success, 1 findings (or, for diff,
 * what --fail-on names), 2 usage or unreadable input.
 */
import { formatFinding, Finding } from '../domain/findings';
import { RULES } from '../domain/rules';
import { checkManifestFile } from '../manifest/load';
import { manifestJsonSchema } from '../manifest/schema';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: cdktf-mst <command> [options]

commands:
  check FILE        validate a manifest (YAML or JSON) without synthesizing
  rules             print the rule catalogue
  schema            print the manifest's JSON Schema
  help              print this text`;

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export function main(argv: readonly string[], io: Io): number {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return check(rest, io);
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
  printFindings(findings, io);
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.length - errors;
  if (!spec || errors > 0) {
    io.err(`${file}: ${errors} error(s), ${warnings} warning(s)`);
    return 1;
  }
  const users = spec.services.reduce((n, s) => n + s.users.length, 0);
  const acknowledged = findings.filter((f) => f.acknowledged !== undefined).length;
  io.out(`${file}: ok: project ${spec.name}, ${spec.members.length} member(s), ${spec.invitations.length} invitation(s), `
    + `${spec.services.length} service(s), ${users} user(s); ${warnings} warning(s)`
    + (acknowledged > 0 ? `, ${acknowledged} acknowledged` : ''));
  return 0;
}

/** Errors and unacknowledged warnings to stderr, acknowledged ones with their reason. */
export function printFindings(findings: readonly Finding[], io: Io): void {
  for (const f of findings) {
    if (f.acknowledged !== undefined) io.err(`${formatFinding(f)} (acknowledged: ${f.acknowledged})`);
    else io.err(`${f.level === 'error' ? 'error' : 'warning'} ${formatFinding(f)}`);
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  });
}
