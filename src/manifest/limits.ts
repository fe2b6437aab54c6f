/**
 * The input limits of a manifest: what `check`, `report`, `diff` and
 * `loadManifest` read at most. They bound the work on a hostile or broken file
 * (a 50 MB file, JSON nested a million deep, a YAML alias bomb) to well under a
 * second; past a limit the file is refused with one finding (MST-MANIFEST-002)
 * before it is parsed or validated any further. The README's "Limits" section
 * lists them.
 */
import * as fs from 'fs';
import { Finding, finding } from '../domain/findings';

/** Largest manifest read, in bytes (512 KiB: about 9,000 users written one per line, 18,000 in flow style). */
export const MAX_MANIFEST_BYTES = 512 * 1024;

/** Deepest nesting of lists and mappings (a manifest needs 7). */
export const MAX_DEPTH = 32;

/** Most values (mappings, lists, scalars) once YAML aliases are expanded. */
export const MAX_VALUES = 100_000;

/** Most characters of text (keys and strings) once YAML aliases are expanded. */
export const MAX_TEXT = MAX_MANIFEST_BYTES;

/** Most aliases of any one YAML anchor. */
export const MAX_ALIASES = 100;

/** Most YAML aliases in a manifest (counted before parsing, so a bomb costs no parse). */
export const MAX_ALIAS_REFERENCES = 1000;

const FIX = 'split the manifest or remove what makes it so large (see Limits in the README)';

function limit(where: string, message: string, fix = FIX): Finding {
  return finding('MST-MANIFEST-002', where, message, fix);
}

/** 512 KiB, 1 MiB: how the README writes sizes. */
export function bytesText(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${Math.round(n / 1024)} KiB`;
}
const mib = bytesText;

/**
 * Reads at most {@link MAX_MANIFEST_BYTES} (+1 to tell) of `file`, so a huge file
 * or an endless device is never read whole. Returns the text, or the finding.
 */
export function readCapped(file: string, where: string): { text: string } | { finding: Finding } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size > MAX_MANIFEST_BYTES) return { finding: tooLarge(where, size) };
    const buffer = Buffer.alloc(MAX_MANIFEST_BYTES + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = fs.readSync(fd, buffer, length, buffer.length - length, null)) > 0;) length += n;
    if (length > MAX_MANIFEST_BYTES) return { finding: tooLarge(where, undefined) };
    return { text: buffer.toString('utf8', 0, length) };
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(where: string, size: number | undefined): Finding {
  const is = size === undefined ? 'more than' : `${size.toLocaleString('en-US')} bytes, more than`;
  return limit(where, `the manifest is ${is} the ${mib(MAX_MANIFEST_BYTES)} limit`);
}

/**
 * Checks the text before it is parsed: its size, how deep its brackets nest
 * (JSON and YAML flow collections; block nesting is checked after parsing,
 * where indentation already bounds it) and how many YAML aliases it uses. One
 * pass, no allocation: a hostile file costs no parse.
 */
export function checkText(text: string, where: string): Finding | undefined {
  if (text.length > MAX_MANIFEST_BYTES || Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    return tooLarge(where, Buffer.byteLength(text, 'utf8'));
  }
  let depth = 0;
  let line = 1;
  let aliases = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) line++;
    else if (c === 42 /* * */ && (i === 0 || ' \t\n[{,:-'.includes(text[i - 1])) && i + 1 < text.length && text.charCodeAt(i + 1) > 32) {
      // An alias (*name); a plain scalar holding " *" counts too, which errs on the safe side.
      if (++aliases > MAX_ALIAS_REFERENCES) {
        return limit(`${where}:${line}`, `the manifest uses more than ${MAX_ALIAS_REFERENCES.toLocaleString('en-US')} YAML aliases`);
      }
    }
    else if (c === 34 /* " */) {
      // Skip a double-quoted string (JSON, YAML); its brackets do not nest.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) {
        if (text.charCodeAt(i) === 92 /* \ */) i++;
        else if (text.charCodeAt(i) === 10) line++;
      }
    } else if (c === 35 /* # */ && (i === 0 || text.charCodeAt(i - 1) <= 32)) {
      // A YAML comment runs to the end of the line.
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== 10) i++;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > MAX_DEPTH) return tooDeep(`${where}:${line}`);
    } else if ((c === 93 /* ] */ || c === 125 /* } */) && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/** Deepest nesting of synthesized JSON that `report` and `diff` read (a cdk.tf.json nests about 10 deep). */
export const MAX_JSON_DEPTH = 256;

/**
 * The line at which JSON `text` nests deeper than `max`, or undefined: one pass
 * before JSON.parse, which would take seconds on JSON nested a million deep.
 */
export function jsonDeeperThan(text: string, max: number): number | undefined {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > max) return line;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

function tooDeep(where: string): Finding {
  return limit(where, `the manifest nests lists and mappings more than ${MAX_DEPTH} deep`,
    'a manifest nests 7 deep at most: correct the brackets or the indentation (see Limits in the README)');
}

/**
 * Checks parsed data: nesting depth, and the number of values and characters
 * once YAML aliases are expanded (an alias bomb stays small on disk). Walks
 * with an explicit stack and stops at the first limit passed, so a cycle made
 * of aliases ends too.
 */
export function checkData(data: unknown, where: string): Finding | undefined {
  let values = 0;
  let text = 0;
  const stack: Array<[unknown, number]> = [[data, 0]]; // the top-level mapping is depth 0, as in checkText
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (++values > MAX_VALUES) {
      return limit(where, `the manifest holds more than ${MAX_VALUES.toLocaleString('en-US')} values once YAML aliases are expanded`);
    }
    if (typeof value === 'string') {
      text += value.length;
    } else if (typeof value === 'object' && value !== null) {
      if (depth > MAX_DEPTH) return tooDeep(where);
      if (Array.isArray(value)) {
        for (const v of value) stack.push([v, depth + 1]);
      } else {
        for (const [k, v] of Object.entries(value)) {
          text += k.length;
          stack.push([v, depth + 1]);
        }
      }
    }
    if (text > MAX_TEXT) {
      return limit(where, `the manifest holds more than ${mib(MAX_TEXT)} of text once YAML aliases are expanded`);
    }
  }
  return undefined;
}

/** A finding for the YAML parser's own resource limit (aliases expanded too often). */
export function aliasLimit(where: string): Finding {
  return limit(where, `the manifest expands a YAML alias more than ${MAX_ALIASES} times`);
}
