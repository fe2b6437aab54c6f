/**
 * Reads what `report` and `diff` compare: a manifest, or the output of
 * `cdktf synth` (the `cdktf.out` folder, one stack folder in it, or one
 * `cdk.tf.json`) from any stack built with the library. Every stack's access
 * document is read; an app may hold several stacks and projects.
 *
 * This is the only file of src/report/ that touches the file system.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DOCUMENT_KEY, fromDocument } from '../domain/document';
import { checkDeclarationsAgree } from '../domain/agreement';
import { Finding, finding, formatFinding, MstValidationError, sortFindings } from '../domain/findings';
import { validateProjects } from '../domain/validate';
import { ProjectSpec } from '../domain/model';
import { checkManifestFile } from '../manifest/load';
import { jsonDeeperThan, MAX_JSON_DEPTH } from '../manifest/limits';
import { parseStructuredText } from '../manifest/parse';

/** The projects of one input and the findings raised on them. */
export interface AccessInput {
  /** The path as given. */
  readonly path: string;
  readonly kind: 'manifest' | 'synthesized';
  readonly projects: readonly ProjectSpec[];
  /**
   * Every finding of the rules, errors too, computed from the projects read
   * (for synthesized output, from each stack's access document).
   */
  readonly findings: readonly Finding[];
}

/**
 * An input that cannot be read, under the rule it breaks: MST-INPUT-001 (not
 * a manifest or synthesized output), MST-INPUT-002 (an access document this
 * version cannot read), MST-MANIFEST-002 (past a limit), or a manifest's own
 * first finding. The message is one line naming the path and the fix.
 */
export class InputError extends Error {
  constructor(public readonly finding: Finding, message = formatFinding(finding)) {
    super(message);
    this.name = 'InputError';
  }
}

/** MST-INPUT-001 at `input`. */
function unreadable(input: string, message: string, fix: string): InputError {
  return new InputError(finding('MST-INPUT-001', input, message, fix));
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
const STACK_FILE = 'cdk.tf.json';
const SYNTH_HINT = 'run `npx cdktf synth` and pass its output folder (cdktf.out)';

/** Reads `input`; throws an {@link InputError} when it is neither a manifest nor synthesized output. */
export function readAccessInput(input: string): AccessInput {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(input);
  } catch {
    throw unreadable(input, 'no such file or folder', 'give a manifest (.yaml, .yml, .json) or the folder `cdktf synth` wrote (cdktf.out)');
  }
  if (stat.isDirectory()) return fromStacks(input, stackFilesIn(input));
  const ext = path.extname(input).toLowerCase();
  if (!MANIFEST_EXTENSIONS.includes(ext)) {
    throw unreadable(input, 'neither a manifest (.yaml, .yml, .json) nor synthesized output', `give a manifest, or ${SYNTH_HINT}`);
  }
  if (ext === '.json') {
    const json = readJson(input);
    if (isCdktfManifest(json)) return fromStacks(input, stackFilesIn(path.dirname(input)));
    if (isTerraformJson(json)) return fromStacks(input, [input]);
  }
  return fromManifest(input);
}

function fromManifest(file: string): AccessInput {
  const { spec, findings } = checkManifestFile(file);
  if (!spec) {
    const [first] = findings;
    const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
    throw new InputError(first, `${file}: not a valid manifest: ${formatFinding(first).replace(/\.$/, '')}${more}; `
      + `run \`cdktf-mst check ${file}\` to see every finding.`);
  }
  return { path: file, kind: 'manifest', projects: [spec], findings };
}

/**
 * The stacks that `cdktf synth` wrote into `outdir`, by its manifest.json: each
 * stack's name and its stack file. Undefined when `outdir` has no such manifest.
 */
export function synthesizedStacks(outdir: string): { name: string; file: string }[] | undefined {
  const cdktfManifest = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(cdktfManifest)) return undefined;
  const json = readJson(cdktfManifest);
  if (!isCdktfManifest(json)) return undefined;
  return Object.entries(json.stacks)
    .filter((entry): entry is [string, { synthesizedStackPath: string }] => typeof entry[1].synthesizedStackPath === 'string')
    .map(([name, s]) => ({ name, file: path.join(outdir, s.synthesizedStackPath) }));
}

/** The stack files of a synth output folder, a stack folder, or a folder holding stacks/. */
function stackFilesIn(dir: string): string[] {
  const synthesized = synthesizedStacks(dir);
  if (synthesized) return synthesized.map((s) => s.file);
  const single = path.join(dir, STACK_FILE);
  if (fs.existsSync(single)) return [single];
  const stacks = path.join(dir, 'stacks');
  if (fs.existsSync(stacks) && fs.statSync(stacks).isDirectory()) {
    return fs.readdirSync(stacks).sort()
      .map((name) => path.join(stacks, name, STACK_FILE))
      .filter((f) => fs.existsSync(f));
  }
  throw unreadable(dir, `no synthesized stack here (no manifest.json, ${STACK_FILE} or stacks/*/${STACK_FILE})`, SYNTH_HINT);
}

/**
 * The projects of every stack, and their findings recomputed from the model
 * (a hand-edited document cannot hide an error): each stack's rules, and
 * MST-PROJECT-002 across the stacks for a project several of them declare.
 */
function fromStacks(input: string, files: readonly string[]): AccessInput {
  const projects: ProjectSpec[] = [];
  const findings: Finding[] = [];
  let documents = 0;
  for (const file of files) {
    const json = readJson(file);
    const doc = isObject(json) && isObject(json['//']) ? json['//'][DOCUMENT_KEY] : undefined;
    if (doc === undefined) continue; // a stack of the app that does not use cdktf-mst
    let stackProjects: ProjectSpec[];
    try {
      stackProjects = fromDocument(doc);
    } catch (e) {
      if (!(e instanceof MstValidationError)) throw e;
      // fromDocument names the document; the file it is in is what the user can act on.
      throw new InputError({ ...e.findings[0], path: file });
    }
    projects.push(...stackProjects);
    findings.push(...validateProjects(stackProjects));
    documents += 1;
  }
  findings.push(...checkDeclarationsAgree(projects));
  if (documents === 0) {
    throw unreadable(input, `none of its ${files.length} synthesized stack(s) carries a cdktf-mst access document`,
      `synthesize a stack built with cdktf-mst (MstProject or loadManifest), or ${SYNTH_HINT}`);
  }
  return { path: input, kind: 'synthesized', projects, findings: sortFindings(findings) };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw unreadable(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and its permissions');
  }
  const deep = jsonDeeperThan(text, MAX_JSON_DEPTH);
  if (deep !== undefined) {
    throw new InputError(finding('MST-MANIFEST-002', `${file}:${deep}`, `nests lists and objects more than ${MAX_JSON_DEPTH} deep`,
      `${SYNTH_HINT}, or correct the manifest`));
  }
  // The parser `check` uses for the same file: the same bytes give the same answer everywhere.
  const parsed = parseStructuredText(text, file);
  if (!parsed.ok) throw unreadable(file, `not valid JSON (${parsed.message})`, `${SYNTH_HINT}, or correct the manifest`);
  return parsed.data;
}

/** cdktf.out/manifest.json, which lists the app's stacks. */
function isCdktfManifest(json: unknown): json is { stacks: Record<string, { synthesizedStackPath?: unknown }> } {
  return isObject(json) && isObject(json.stacks) && typeof json.version === 'string'
    && Object.values(json.stacks).every(isObject);
}

/** A synthesized stack (Terraform JSON), as opposed to a manifest written as JSON. */
function isTerraformJson(json: unknown): boolean {
  return isObject(json) && ['//', 'terraform', 'resource', 'provider', 'output', 'variable'].some((k) => k in json);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
