/**
 * The one parser per format, for every command: `check`, `report`, `diff`
 * and `loadManifest` read the same file the same way. A `.json` file is JSON
 * (RFC 8259, nothing more); anything else is YAML 1.2 with the core schema.
 * A UTF-8 byte-order mark is dropped first, for both.
 *
 * Each file has one meaning: duplicate keys, YAML directives (which can switch
 * the dialect to YAML 1.1, where `on` is true and `010` is 8), tags, merge
 * keys' special meaning, several documents, and numbers not written in plain
 * decimal (hex, octal, `.inf`, `.nan`, out of range) are refused, not
 * resolved one way or another. The limits (InputLimits) are enforced while
 * parsing, on the parser's own tokens, so no quoting can hide a bracket or an
 * alias from them; every step is linear in the input.
 *
 * A problem is described in the tool's own words with its line and column,
 * never with the text around it, which can be part of a password.
 */
import * as path from 'path';
import * as YAML from 'yaml';
import { bytesText, InputLimits, MANIFEST_LIMITS, tooLargeText } from './limits';

/** Why a text was refused: past a limit, not valid syntax, or valid syntax whose meaning is ambiguous. */
export interface ParseProblem {
  readonly kind: 'limit' | 'syntax' | 'meaning';
  readonly line?: number;
  readonly column?: number;
  /** What is wrong, without the subject ("nests lists and mappings more than 32 deep"); never quotes the input. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

export type ParsedText = { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly problem: ParseProblem };

/** Whether `file` (a path or a file name) is read as JSON. */
export function isJsonFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/** Parses `text` as the format `file`'s extension names, within `limits`. */
export function parseStructuredText(text: string, file: string, limits: InputLimits = MANIFEST_LIMITS): ParsedText {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.bytes) return refused('limit', tooLargeText(bytes, limits.bytes), LIMIT_FIX);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return isJsonFile(file) ? parseJson(body, limits) : parseYaml(body, limits);
}

/** Parses `text` as JSON (synthesized output), within `limits`. */
export function parseJsonText(text: string, limits: InputLimits): ParsedText {
  return parseStructuredText(text, 'file.json', limits);
}

const LIMIT_FIX = 'split the file or remove what makes it so large (see docs/input-limits.md)';
const DEPTH_FIX = 'correct the brackets or the indentation (see docs/input-limits.md)';
const NUMBER_FIX = 'write the number in plain decimal (such as 16), or quote it to make it text';

function refused(kind: ParseProblem['kind'], message: string, fix: string, at?: { line: number; column: number }): ParsedText {
  return { ok: false, problem: { kind, message, fix, ...(at ? { line: at.line, column: at.column } : {}) } };
}

function tooDeep(limits: InputLimits, at?: { line: number; column: number }): ParsedText {
  return refused('limit', `nests lists and mappings more than ${limits.depth} deep`, DEPTH_FIX, at);
}

/** `services[0].users[2].name`: where a value sits, as findings name it; long keys shortened, never a value. */
export function keyPath(keys: readonly (string | number)[]): string {
  if (keys.length === 0) return '(top level)';
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${k.length > 60 ? `${k.slice(0, 60)}…` : k}`)).join('');
}

/** A key path that names no value (a key inside a password is not shown either). */
function safePath(keys: readonly (string | number)[]): string {
  const at = keys.findIndex((k) => k === 'password' || k === 'adminPassword');
  return keyPath(at < 0 ? keys : keys.slice(0, at + 1));
}

function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  // A "__proto__" key is data, as JSON.parse makes it, never the object's prototype.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

// ----- JSON -----------------------------------------------------------------

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

interface JsonFrame {
  readonly value: Record<string, unknown> | unknown[];
  readonly keys?: Set<string>;
  key: string | number;
}

/**
 * RFC 8259 JSON, refusing duplicate keys at any depth and numbers out of
 * range; one pass with an explicit stack (no recursion, so no nesting can
 * overflow it), stopping at the first limit passed.
 */
function parseJson(text: string, limits: InputLimits): ParsedText {
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let values = 0;
  let chars = 0;
  const stack: JsonFrame[] = [];
  const at = (p = i) => ({ line, column: p - lineStart + 1 });
  const where = () => stack.map((f) => f.key);
  const expected = (what: string): ParsedText => refused('syntax', i >= n
    ? `ends where ${what} was expected` : `has an unexpected character where ${what} was expected`, 'correct the JSON syntax', at());
  const space = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) lineStart = i + 1, line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
  };
  /** The string at i (a `"`), or a problem. */
  const string = (): string | ParsedText => {
    const start = ++i;
    let out = '';
    let from = start;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(from, i++);
        chars += out.length;
        if (chars > limits.text) return refused('limit', `holds more than ${bytesText(limits.text)} of text`, LIMIT_FIX);
        return out;
      }
      if (c < 32) return refused('syntax', 'has a control character (such as a line break) inside a string', 'escape it (\\n, \\t, \\u0000)', at());
      if (c === 92) {
        out += text.slice(from, i);
        const e = text[++i];
        if (e === 'u') {
          const hex = text.slice(i + 1, i + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return refused('syntax', 'has a \\u escape without four hex digits', 'correct the escape', at());
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else if (e !== undefined && e in ESCAPES) {
          out += ESCAPES[e];
        } else {
          return refused('syntax', 'has an unknown escape in a string', 'write one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX', at());
        }
        from = i + 1;
      }
    }
    return refused('syntax', 'ends inside a string', 'close the string with "', at(start - 1));
  };
  /** After `{` or `,` in an object: the key and its colon. */
  const key = (frame: JsonFrame): ParsedText | undefined => {
    space();
    if (text.charCodeAt(i) !== 34) return expected('a key in double quotes');
    const k = string();
    if (typeof k !== 'string') return k;
    if (frame.keys!.has(k)) {
      return refused('meaning', `has the key ${safePath([...where().slice(0, -1), k])} twice`, 'remove one of them (a duplicate key would be read one way by one tool and another way by the next)', at());
    }
    frame.keys!.add(k);
    frame.key = k;
    space();
    if (text.charCodeAt(i) !== 58) return expected('a colon');
    i++;
    return undefined;
  };

  let value: unknown;
  for (;;) {
    // A value is expected here.
    space();
    const c = text.charCodeAt(i);
    let complete = true;
    if (c === 123 || c === 91) {
      if (stack.length > limits.depth) return tooDeep(limits, at());
      const frame: JsonFrame = c === 123 ? { value: {}, keys: new Set(), key: '' } : { value: [], key: 0 };
      stack.push(frame);
      i++;
      space();
      if (text.charCodeAt(i) === (c === 123 ? 125 : 93)) {
        i++;
        stack.pop();
        value = frame.value;
      } else {
        complete = false;
        if (c === 123) {
          const bad = key(frame);
          if (bad) return bad;
        }
      }
    } else if (c === 34) {
      const s = string();
      if (typeof s !== 'string') return s;
      value = s;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return expected('a number');
      value = Number(m[0]);
      if (!Number.isFinite(value)) {
        return refused('meaning', `has a number too large to be read exactly at ${safePath(where())}`, NUMBER_FIX, at());
      }
      i += m[0].length;
    } else if (text.startsWith('true', i)) value = true, i += 4;
    else if (text.startsWith('false', i)) value = false, i += 5;
    else if (text.startsWith('null', i)) value = null, i += 4;
    else return expected('a value');
    if (!complete) continue;

    // A value is complete: place it, then close every container it completes.
    for (;;) {
      if (++values > limits.values) return refused('limit', `holds more than ${limits.values.toLocaleString('en-US')} values`, LIMIT_FIX);
      const frame = stack[stack.length - 1];
      if (!frame) {
        space();
        if (i < n) return expected('the end of the file');
        return { ok: true, data: value };
      }
      if (Array.isArray(frame.value)) frame.value.push(value);
      else setKey(frame.value, frame.key as string, value);
      space();
      const d = text.charCodeAt(i);
      const close = Array.isArray(frame.value) ? 93 : 125;
      if (d === 44) {
        i++;
        if (Array.isArray(frame.value)) {
          frame.key = frame.value.length;
        } else {
          const bad = key(frame);
          if (bad) return bad;
        }
        break;
      }
      if (d !== close) return expected(close === 93 ? 'a comma or ]' : 'a comma or }');
      i++;
      stack.pop();
      value = frame.value;
    }
  }
}

// ----- YAML -----------------------------------------------------------------

/** The one dialect: YAML 1.2, core schema, `<<` an ordinary key, no tags; duplicate keys are checked below, in linear time. */
const YAML_OPTIONS: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {
  version: '1.2', schema: 'core', merge: false, uniqueKeys: false, customTags: [], resolveKnownTags: false,
  strict: true, prettyErrors: false, logLevel: 'silent', keepSourceTokens: false,
};

/** Plain decimal, as a number is written in a manifest: no leading zeros, hex, octal, infinities or NaN. */
const DECIMAL = /^[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;

const YAML_FIX = 'correct the YAML syntax';

/** The parser's error codes, in the tool's words. */
const YAML_ERRORS: Partial<Record<YAML.ErrorCode, string>> = {
  ALIAS_PROPS: 'has an anchor or tag on an alias',
  BAD_ALIAS: 'has a malformed alias',
  BAD_DIRECTIVE: 'has a malformed directive',
  BAD_DQ_ESCAPE: 'has an unknown escape in a double-quoted string',
  BAD_INDENT: 'is indented inconsistently',
  BAD_PROP_ORDER: 'has an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'has a value that cannot start with its first character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'uses a list or mapping as a key',
  BLOCK_IN_FLOW: 'has a block list or mapping inside brackets',
  DUPLICATE_KEY: 'has a duplicate key',
  IMPOSSIBLE: 'is not valid YAML',
  KEY_OVER_1024_CHARS: 'has a key longer than 1,024 characters',
  MISSING_CHAR: 'misses a character (a closing bracket or quote, or a colon)',
  MULTILINE_IMPLICIT_KEY: 'has a key that runs over several lines',
  MULTIPLE_ANCHORS: 'has two anchors on one value',
  MULTIPLE_DOCS: 'holds several YAML documents',
  MULTIPLE_TAGS: 'has two tags on one value',
  NON_STRING_KEY: 'has a key that is not text',
  TAB_AS_INDENT: 'uses a tab for indentation',
  TAG_RESOLVE_FAILED: 'has a value its tag cannot describe',
  UNEXPECTED_TOKEN: 'has an unexpected character',
  BAD_COLLECTION_TYPE: 'has a list where a mapping was expected, or the reverse',
};

function position(lines: YAML.LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * YAML in four steps, each linear and each stopping at its first refusal: the
 * lexer's tokens (directives, tags, aliases, brackets, documents); the
 * concrete syntax tree (nesting, documents); the composed document (syntax
 * errors, by code, in the tool's words); then the data (duplicate keys, keys
 * that are not text, numbers not in plain decimal, aliases resolved and
 * counted as expanded).
 */
function parseYaml(text: string, limits: InputLimits): ParsedText {
  const lines = new YAML.LineCounter();
  // Line starts are known before the lexemes are checked, so the first refusal can name its line.
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const early = checkLexemes(text, lines, limits);
  if (early) return early;
  const tokens = [...new YAML.Parser().parse(text)];
  const cst = checkCst(tokens, lines, limits);
  if (cst) return cst;

  const docs = [...new YAML.Composer(YAML_OPTIONS).compose(tokens, true, text.length)];
  if (docs.length === 0) return { ok: true, data: null };
  const doc = docs[0] as YAML.Document.Parsed;
  const error = doc.errors[0];
  if (error) {
    const at = error.pos ? position(lines, error.pos[0]) : undefined;
    return refused('syntax', YAML_ERRORS[error.code] ?? 'is not valid YAML', YAML_FIX, at);
  }
  return toData(doc, lines, limits);
}

function isToken(x: unknown): x is { type: string; offset: number } {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);
/** The lexer's markers: they stand for no character of the text. */
const MARKERS = new Set([YAML.CST.DOCUMENT, YAML.CST.SCALAR, YAML.CST.FLOW_END]);

/**
 * What the lexer alone can tell, in one pass that stops at the first
 * refusal: directives, tags, aliases (in all and per anchor), brackets nested
 * too deep, a second document. The lexer knows what is quoted, so nothing in
 * a string counts; a scalar's text follows the SCALAR marker and is skipped.
 */
function checkLexemes(text: string, lines: YAML.LineCounter, limits: InputLimits): ParsedText | undefined {
  let offset = 0;
  let scalar = false;
  let flow = 0;
  let starts = 0;
  let aliases = 0;
  const perAnchor = new Map<string, number>();
  for (const lexeme of new YAML.Lexer().lex(text)) {
    if (MARKERS.has(lexeme)) {
      scalar = lexeme === YAML.CST.SCALAR;
      continue;
    }
    const here = offset;
    const at = () => position(lines, here);
    offset += lexeme.length;
    if (scalar) {
      scalar = false;
      continue;
    }
    switch (lexeme[0]) {
      case '%':
        return refused('meaning', 'has a %YAML or %TAG directive, which can change what the file means',
          'remove the directive: manifests are YAML 1.2 with the core schema', at());
      case '!':
        return refused('meaning', 'has a YAML tag (such as !!binary or !foo), which this tool does not read',
          'remove the tag: write text in quotes, numbers and true/false as they are', at());
      case '*': {
        if (++aliases > limits.aliases) {
          return refused('limit', `uses more than ${limits.aliases.toLocaleString('en-US')} YAML aliases`, LIMIT_FIX, at());
        }
        const count = (perAnchor.get(lexeme) ?? 0) + 1;
        if (count > limits.aliasesPerAnchor) return refused('limit', `expands a YAML alias more than ${limits.aliasesPerAnchor} times`, LIMIT_FIX, at());
        perAnchor.set(lexeme, count);
        break;
      }
      case '[':
      case '{':
        if (++flow > limits.depth + 1) return tooDeep(limits, at());
        break;
      case ']':
      case '}':
        if (flow > 0) flow--;
        break;
      case '-':
        if (lexeme === '---' && ++starts > 1) return severalDocuments(at());
        break;
      default:
    }
  }
  return undefined;
}

function severalDocuments(at?: { line: number; column: number }): ParsedText {
  return refused('meaning', 'holds several YAML documents', 'keep one document: remove the --- lines after the first', at);
}

/** The concrete syntax tree's nesting (block and flow), and one document at most: one walk with an explicit stack. */
function checkCst(tokens: readonly YAML.CST.Token[], lines: YAML.LineCounter, limits: InputLimits): ParsedText | undefined {
  let documents = 0;
  const stack: Array<[unknown, number]> = tokens.map((t) => [t, 0]);
  stack.reverse();
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    let inner = depth;
    if (isToken(node)) {
      const at = () => position(lines, node.offset);
      if (node.type === 'document' && ++documents > 1) return severalDocuments(at());
      if (COLLECTIONS.has(node.type)) {
        inner = depth + 1;
        if (inner > limits.depth + 1) return tooDeep(limits, at());
      }
    }
    const children = Array.isArray(node) ? node : Object.values(node);
    for (let k = children.length - 1; k >= 0; k--) {
      if (typeof children[k] === 'object' && children[k] !== null) stack.push([children[k], inner]);
    }
  }
  return undefined;
}

const DUPLICATE_FIX = 'remove one of them (a duplicate key would be read one way by one tool and another way by the next)';

interface Task {
  readonly node: unknown;
  readonly keys: readonly (string | number)[];
  readonly place: (value: unknown) => void;
}

/**
 * The composed document as data, refusing duplicate keys, keys that are not
 * text and numbers not in plain decimal. Aliases are resolved here, in
 * document order, to the value their anchor names (the parser's own
 * resolution searches the whole document for each alias); a value reached
 * through several aliases is one shared value, and {@link checkExpanded}
 * counts it once per alias.
 */
function toData(doc: YAML.Document.Parsed, lines: YAML.LineCounter, limits: InputLimits): ParsedText {
  const anchors = new Map<string, unknown>();
  let data: unknown = null;
  const stack: Task[] = [{ node: doc.contents, keys: [], place: (v) => { data = v; } }];
  while (stack.length > 0) {
    const { node, keys, place } = stack.pop()!;
    const at = () => ((node as YAML.Node | null)?.range ? position(lines, (node as YAML.Node).range![0]) : undefined);
    const children: Task[] = [];
    let value: unknown;
    if (YAML.isAlias(node)) {
      if (!anchors.has(node.source)) {
        return refused('syntax', 'has an alias with no anchor before it', 'define the anchor (&name) before its alias (*name)', at());
      }
      value = anchors.get(node.source);
    } else if (YAML.isMap(node)) {
      const o: Record<string, unknown> = {};
      value = o;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = pair.key;
        if (!(k === null || (YAML.isScalar(k) && (typeof k.value !== 'object' || k.value === null)))) {
          return refused('meaning', `has a key at ${safePath(keys)} that is a list, a mapping or an alias`, 'write the key as text', at());
        }
        const name = k === null || k.value === null ? '' : String(k.value);
        if (seen.has(name)) {
          return refused('meaning', `has the key ${safePath([...keys, name])} twice`, DUPLICATE_FIX, k?.range ? position(lines, k.range[0]) : at());
        }
        seen.add(name);
        const bad = k === null ? undefined : badNumber(k, [...keys, name], lines);
        if (bad) return bad;
        children.push({ node: pair.value, keys: [...keys, name], place: (v) => setKey(o, name, v) });
      }
    } else if (YAML.isSeq(node)) {
      const a: unknown[] = new Array(node.items.length);
      value = a;
      node.items.forEach((item, index) => children.push({ node: item, keys: [...keys, index], place: (v) => { a[index] = v; } }));
    } else if (YAML.isScalar(node)) {
      const bad = badNumber(node, keys, lines);
      if (bad) return bad;
      value = node.value;
    } else {
      value = null;
    }
    const anchor = (node as YAML.Node | null)?.anchor;
    if (anchor) anchors.set(anchor, value);
    place(value);
    // In reverse, so children are taken in document order: an anchor is set before any alias after it.
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }
  return checkExpanded(data, limits) ?? { ok: true, data };
}

function badNumber(node: YAML.Scalar, keys: readonly (string | number)[], lines: YAML.LineCounter): ParsedText | undefined {
  if (typeof node.value !== 'number' && typeof node.value !== 'bigint') return undefined;
  const source = (node as YAML.Scalar & { source?: unknown }).source;
  if (typeof node.value === 'number' && Number.isFinite(node.value) && typeof source === 'string' && DECIMAL.test(source)) return undefined;
  return refused('meaning', `has a number not written in plain decimal (hex, octal, .inf, .nan or out of range) at ${safePath(keys)}`,
    NUMBER_FIX, node.range ? position(lines, node.range[0]) : undefined);
}

/**
 * The values and text of `data` counted as if every alias were copied out:
 * an explicit stack, stopping at the first limit passed, so a billion-string
 * alias bomb or a cycle (an alias inside its own anchor) ends too.
 */
export function checkExpanded(data: unknown, limits: InputLimits): ParsedText | undefined {
  let values = 0;
  let text = 0;
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++values > limits.values) {
      return refused('limit', `holds more than ${limits.values.toLocaleString('en-US')} values once YAML aliases are expanded`, LIMIT_FIX);
    }
    if (typeof value === 'string') {
      text += value.length;
    } else if (typeof value === 'object' && value !== null) {
      if (depth > limits.depth) {
        return refused('limit', `nests lists and mappings more than ${limits.depth} deep once YAML aliases are expanded`, DEPTH_FIX);
      }
      if (Array.isArray(value)) {
        for (const v of value) stack.push([v, depth + 1]);
      } else {
        for (const [k, v] of Object.entries(value)) {
          text += k.length;
          stack.push([v, depth + 1]);
        }
      }
    }
    if (text > limits.text) {
      return refused('limit', `holds more than ${bytesText(limits.text)} of text once YAML aliases are expanded`, LIMIT_FIX);
    }
  }
  return undefined;
}
