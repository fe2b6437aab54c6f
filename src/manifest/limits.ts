/**
 * The input limits: what any command reads at most. A manifest (`check`,
 * `report`, `diff`, `loadManifest`), synthesized output (`report`, `diff`)
 * and a deploy log (`adopt`) each have a size cap, checked before the file is
 * read whole; the structure limits (nesting, values, text, YAML aliases) are
 * enforced by the parsers in parse.ts as they go, never by a scan of the text
 * beside them. docs/input-limits.md lists every limit.
 */
import * as fs from 'fs';

/** What one parse may hold. */
export interface InputLimits {
  /** Largest file, in bytes. */
  readonly bytes: number;
  /** Deepest nesting of lists and mappings below the top-level one. */
  readonly depth: number;
  /** Most values (mappings, lists, scalars), YAML aliases expanded. */
  readonly values: number;
  /** Most characters of keys and strings, YAML aliases expanded. */
  readonly text: number;
  /** Most YAML aliases in the file. */
  readonly aliases: number;
  /** Most aliases of any one YAML anchor. */
  readonly aliasesPerAnchor: number;
}

/** Largest manifest read, in bytes (512 KiB: about 9,000 users written one per line, 18,000 in flow style). */
export const MAX_MANIFEST_BYTES = 512 * 1024;

/** Deepest nesting of a manifest's lists and mappings (a manifest needs 7). */
export const MAX_DEPTH = 32;

/** Most values (mappings, lists, scalars) of a manifest once YAML aliases are expanded. */
export const MAX_VALUES = 100_000;

/** Most characters of text (keys and strings) of a manifest once YAML aliases are expanded. */
export const MAX_TEXT = MAX_MANIFEST_BYTES;

/** Most aliases of any one YAML anchor. */
export const MAX_ALIASES = 100;

/** Most YAML aliases in a manifest. */
export const MAX_ALIAS_REFERENCES = 1000;

export const MANIFEST_LIMITS: InputLimits = {
  bytes: MAX_MANIFEST_BYTES,
  depth: MAX_DEPTH,
  values: MAX_VALUES,
  text: MAX_TEXT,
  aliases: MAX_ALIAS_REFERENCES,
  aliasesPerAnchor: MAX_ALIASES,
};

/**
 * Largest file of synthesized output read (cdktf.out/manifest.json, a
 * cdk.tf.json, a users file): far more than a stack of 10,000 users writes
 * (docs/input-limits.md).
 */
export const MAX_SYNTHESIZED_BYTES = 64 * 1024 * 1024;

/** Deepest nesting of synthesized JSON (a cdk.tf.json nests about 10 deep). */
export const MAX_JSON_DEPTH = 64;

/**
 * Synthesized output is JSON: no aliases, so values and text are bounded by
 * its size; only its size and depth need a limit of their own.
 */
export const SYNTHESIZED_LIMITS: InputLimits = {
  bytes: MAX_SYNTHESIZED_BYTES,
  depth: MAX_JSON_DEPTH,
  values: MAX_SYNTHESIZED_BYTES,
  text: MAX_SYNTHESIZED_BYTES,
  aliases: 0,
  aliasesPerAnchor: 0,
};

/** Largest deploy log `adopt` reads, in bytes. */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;

/** 512 KiB, 1 MiB: how the docs write sizes. */
export function bytesText(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** A file read whole, or how large it was when it passed the cap (undefined when its size is not known up front). */
export type CappedRead = { readonly text: string } | { readonly tooLarge: { readonly size?: number } };

/**
 * The one way every command reads a file: at most `max` bytes (+1 to tell),
 * after fstat, so a huge file or an endless device or pipe is never read
 * whole. `file` is a path or an open descriptor (0 for standard input).
 * Errors of the file system (ENOENT, EISDIR…) are thrown as they are.
 */
export function readCapped(file: string | number, max: number): CappedRead {
  const fd = typeof file === 'number' ? file : fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile() && stat.size > max) return { tooLarge: { size: stat.size } };
    const chunks: Buffer[] = [];
    let length = 0;
    const chunk = Buffer.alloc(Math.min(max + 1, 1 << 20));
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, max + 1 - length), null);
      } catch (e) {
        // A non-blocking standard input with nothing yet: wait a little for it, without spinning.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        throw e;
      }
      if (n === 0) break;
      chunks.push(Buffer.from(chunk.subarray(0, n)));
      length += n;
      if (length > max) return { tooLarge: {} };
    }
    return { text: Buffer.concat(chunks, length).toString('utf8') };
  } finally {
    if (typeof file !== 'number') fs.closeSync(fd);
  }
}

/** "is 600,000 bytes, more than the 512 KiB limit", or "is more than …" when the size is not known. */
export function tooLargeText(size: number | undefined, max: number): string {
  const is = size === undefined ? 'more than' : `${size.toLocaleString('en-US')} bytes, more than`;
  return `is ${is} the ${bytesText(max)} limit`;
}
