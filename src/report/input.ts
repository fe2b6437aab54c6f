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
import { Finding, finding, formatFinding, MstValidationError, quote, shorten, sortFindings } from '../domain/findings';
import { validateProjects } from '../domain/validate';
import { ProjectSpec } from '../domain/model';
import { checkManifestFile } from '../manifest/load';
import { CappedRead, MAX_MANIFEST_BYTES, MAX_SYNTHESIZED_BYTES, readCapped, SYNTHESIZED_LIMITS, tooLargeText } from '../manifest/limits';
import { parseJsonText } from '../manifest/parse';
import { checkDocumentAgainstBlocks, StackBlocks } from './blocks';

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
  if (stat.isDirectory()) {
    const root = new Folder(input);
    return fromStacks(input, stackFilesIn(root, input));
  }
  const ext = path.extname(input).toLowerCase();
  if (!MANIFEST_EXTENSIONS.includes(ext)) {
    throw unreadable(input, 'neither a manifest (.yaml, .yml, .json) nor synthesized output', `give a manifest, or ${SYNTH_HINT}`);
  }
  if (ext === '.json') {
    // Read as synthesized output when it is; a manifest's own reading (its limits, its findings) otherwise.
    const synthesized = /(^|[\\/])(manifest\.json|[^\\/]*\.tf\.json)$/i.test(input) || stat.size > MAX_MANIFEST_BYTES;
    const parsed = synthesized ? readJson(input) : tryJson(input);
    if (parsed !== undefined) {
      const root = new Folder(path.dirname(input));
      if (isCdktfManifest(parsed)) return fromStacks(input, stackFilesIn(root, path.dirname(input)));
      if (isTerraformJson(parsed)) return fromStacks(input, [{ file: input, root }]);
    }
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

const CONTAIN_FIX = 'synthesize again with `cdktf synth` and pass its output folder as it is (every path in it stays inside it)';

/**
 * The folder synthesized output was given as: every file read from it must
 * resolve, symbolic links followed, to a file inside it. A `manifest.json`
 * pointing elsewhere (`..`, an absolute path, a link out of the folder) would
 * make the gate read another stack than the one under review.
 */
class Folder {
  private readonly real: string;

  constructor(public readonly given: string) {
    try {
      this.real = fs.realpathSync(given);
    } catch (e) {
      throw unreadable(given, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and its permissions');
    }
  }

  /** `file` (a path, resolved as it is) by its real path, refused unless it lies inside the folder; `named` is how messages name it. */
  inside(file: string, named: string): string {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      if (code !== 'ENOENT') throw unreadable(named, `cannot be read (${code})`, 'check the path and its permissions');
      real = wouldBe(file);
    }
    if (real !== this.real && !real.startsWith(this.real + path.sep)) {
      throw unreadable(named, `resolves outside the folder ${this.given} (to ${shorten(path.relative(this.real, real))})`, CONTAIN_FIX);
    }
    return real;
  }

  /** A relative path written inside synthesized output, joined to `dir` of this folder and checked. */
  relative(dir: string, written: unknown, what: string, named: string): string {
    if (typeof written !== 'string' || written === '') throw unreadable(named, `${what} is not a path`, CONTAIN_FIX);
    if (path.isAbsolute(written) || path.win32.isAbsolute(written)) {
      throw unreadable(named, `${what} ${quote(written)} is an absolute path`, CONTAIN_FIX);
    }
    if (written.split(/[\\/]/).includes('..')) {
      throw unreadable(named, `${what} ${quote(written)} leaves the folder (..)`, CONTAIN_FIX);
    }
    return path.join(dir, written);
  }
}

/** Where a missing `file` would be: its nearest existing folder by real path, then the rest; a missing file outside still reads as outside. */
function wouldBe(file: string): string {
  const rest: string[] = [];
  for (let dir = path.resolve(file); ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...rest);
    } catch {
      if (path.dirname(dir) === dir) return path.resolve(file);
      rest.unshift(path.basename(dir));
    }
  }
}

/** A stack file to read, and the folder it must stay inside. */
interface StackFile {
  readonly file: string;
  readonly root: Folder;
}

/**
 * The stacks that `cdktf synth` wrote into `outdir`, by its manifest.json: each
 * stack's name and its stack file (checked to lie inside `outdir`). Undefined
 * when `outdir` has no such manifest.
 */
export function synthesizedStacks(outdir: string): { name: string; file: string }[] | undefined {
  const root = new Folder(outdir);
  return readStacks(root, outdir)?.map(({ name, file }) => ({ name, file }));
}

function readStacks(root: Folder, outdir: string): { name: string; file: string }[] | undefined {
  const cdktfManifest = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(cdktfManifest)) return undefined;
  const json = readJson(root.inside(cdktfManifest, cdktfManifest), cdktfManifest);
  if (!isCdktfManifest(json)) return undefined;
  return Object.entries(json.stacks).map(([name, s]) => {
    const where = `${cdktfManifest}: stacks.${name}`;
    if (s.workingDirectory !== undefined) {
      root.inside(root.relative(outdir, s.workingDirectory, 'workingDirectory', where), where);
    }
    const file = root.relative(outdir, s.synthesizedStackPath, 'synthesizedStackPath', where);
    root.inside(file, where);
    return { name, file };
  });
}

/** The stack files of a synth output folder, a stack folder, or a folder holding stacks/. */
function stackFilesIn(root: Folder, dir: string): StackFile[] {
  const synthesized = readStacks(root, dir);
  if (synthesized) return synthesized.map((s) => ({ file: s.file, root }));
  const single = path.join(dir, STACK_FILE);
  if (fs.existsSync(single)) return [{ file: single, root }];
  const stacks = path.join(dir, 'stacks');
  if (fs.existsSync(stacks) && fs.statSync(stacks).isDirectory()) {
    return fs.readdirSync(stacks).sort()
      .map((name) => path.join(stacks, name, STACK_FILE))
      .filter((f) => fs.existsSync(f))
      .map((file) => ({ file, root }));
  }
  throw unreadable(dir, `no synthesized stack here (no manifest.json, ${STACK_FILE} or stacks/*/${STACK_FILE})`, SYNTH_HINT);
}

/**
 * The projects of every stack, and their findings recomputed from the model
 * (a hand-edited document cannot hide an error): each stack's rules,
 * MST-INPUT-003 where a document does not describe its stack's blocks, and
 * MST-PROJECT-002 across the stacks for a project several of them declare.
 */
function fromStacks(input: string, files: readonly StackFile[]): AccessInput {
  const projects: ProjectSpec[] = [];
  const findings: Finding[] = [];
  let documents = 0;
  for (const { file, root } of files) {
    const real = root.inside(file, file);
    const json = readJson(real, file);
    const doc = isObject(json) && isObject(json['//']) ? json['//'][DOCUMENT_KEY] : undefined;
    if (doc === undefined) {
      // A stack of the app that does not use cdktf-mst, unless it declares roles.
      const unjudged = checkDocumentAgainstBlocks(undefined, stackBlocks(root, file, json));
      if (unjudged.length > 0) throw new InputError(unjudged[0], blockMessage(file, unjudged));
      continue;
    }
    let stackProjects: ProjectSpec[];
    try {
      stackProjects = fromDocument(doc);
    } catch (e) {
      if (!(e instanceof MstValidationError)) throw e;
      // fromDocument names the document; the file it is in is what the user can act on.
      throw new InputError({ ...e.findings[0], path: file });
    }
    const mismatches = checkDocumentAgainstBlocks(stackProjects, stackBlocks(root, file, json));
    if (mismatches.length > 0) throw new InputError(mismatches[0], blockMessage(file, mismatches));
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

/** One line for every mismatch of a stack: the first in full, then how many more. */
function blockMessage(file: string, mismatches: readonly Finding[]): string {
  const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more mismatch(es) in the stack of ${file})` : '';
  return formatFinding(mismatches[0]).replace(/\.$/, '') + more + '.';
}

/**
 * The JSON files the engine reads with a stack file: every `*.tf.json` of its
 * folder (cdk.tf.json, the users file, any other), each inside the folder
 * given. HCL files (`*.tf`) are never written by cdktf; one in a stack folder
 * would add blocks no document describes, so it is refused.
 */
function stackBlocks(root: Folder, file: string, json: unknown): StackBlocks {
  const dir = path.dirname(file);
  const files: Array<{ name: string; json: unknown }> = [{ name: file, json }];
  for (const name of fs.readdirSync(dir).sort()) {
    const other = path.join(dir, name);
    if (name === path.basename(file)) continue;
    if (/\.tf$/i.test(name)) {
      throw new InputError(finding('MST-INPUT-003', other, 'is a Terraform file in a synthesized stack folder, which no access document describes',
        'remove it: a stack folder holds only what `cdktf synth` writes'));
    }
    if (!/\.tf\.json$/i.test(name)) continue;
    files.push({ name: other, json: readJson(root.inside(other, other), other) });
  }
  return { stack: dir, files };
}

const CAP_FIX = `${SYNTH_HINT} (a stack's files stay far below the limit; see docs/input-limits.md)`;

/** A JSON file of synthesized output, within the limits of synthesized output; `named` is the path messages give. */
function readJson(file: string, named = file): unknown {
  let read: CappedRead;
  try {
    read = readCapped(file, MAX_SYNTHESIZED_BYTES);
  } catch (e) {
    throw unreadable(named, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path and its permissions');
  }
  if ('tooLarge' in read) throw unreadable(named, tooLargeText(read.tooLarge.size, MAX_SYNTHESIZED_BYTES), CAP_FIX);
  const parsed = parseJsonText(read.text, SYNTHESIZED_LIMITS);
  if (!parsed.ok) {
    const p = parsed.problem;
    const where = p.line !== undefined ? `${named}:${p.line}` : named;
    const column = p.line !== undefined && p.column !== undefined ? ` (line ${p.line}, column ${p.column})` : '';
    throw unreadable(where, `not valid JSON: ${p.message}${column}`, p.kind === 'limit' ? CAP_FIX : `${SYNTH_HINT}, or correct the manifest`);
  }
  return parsed.data;
}

/** A small `.json` file that is synthesized output, or undefined: whatever else it is, it is read as a manifest. */
function tryJson(file: string): unknown {
  try {
    return readJson(file);
  } catch (e) {
    if (e instanceof InputError) return undefined;
    throw e;
  }
}

/** cdktf.out/manifest.json, which lists the app's stacks. */
function isCdktfManifest(json: unknown): json is { stacks: Record<string, { synthesizedStackPath?: unknown; workingDirectory?: unknown }> } {
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
