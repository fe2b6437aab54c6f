/**
 * The one parser per format, for every command: `check`, `report`, `diff`
 * and `loadManifest` read the same file the same way. A `.json` file is JSON
 * (no trailing commas, no YAML flow syntax); anything else is YAML. A UTF-8
 * byte-order mark is dropped first, for both.
 */
import * as path from 'path';
import * as YAML from 'yaml';
import { MAX_ALIASES } from './limits';

export type ParsedText =
  | { readonly ok: true; readonly data: unknown }
  | {
    readonly ok: false;
    readonly format: 'JSON' | 'YAML';
    readonly line?: number;
    readonly message: string;
    /** Set when YAML aliases were expanded past {@link MAX_ALIASES} (an alias bomb). */
    readonly exhausted?: true;
  };

/** Whether `file` (a path or a file name) is read as JSON. */
export function isJsonFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/** Parses `text` as the format `file`'s extension names. */
export function parseStructuredText(text: string, file: string): ParsedText {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (isJsonFile(file)) {
    try {
      return { ok: true, data: JSON.parse(body) };
    } catch (e) {
      return { ok: false, format: 'JSON', message: e instanceof Error ? e.message.split('\n')[0] : String(e) };
    }
  }
  try {
    // yaml counts the anchor itself with its aliases: MAX_ALIASES + 1 lets exactly MAX_ALIASES aliases through.
    // logLevel error: the parser's warnings (a mapping used as a key) stay off stderr; errors still throw.
    return { ok: true, data: YAML.parse(body, { prettyErrors: true, maxAliasCount: MAX_ALIASES + 1, logLevel: 'error' }) };
  } catch (e) {
    if (e instanceof ReferenceError && /resource exhaustion/.test(e.message)) {
      return { ok: false, format: 'YAML', message: e.message, exhausted: true };
    }
    const line = e instanceof YAML.YAMLError && e.linePos ? e.linePos[0].line : undefined;
    return { ok: false, format: 'YAML', ...(line !== undefined ? { line } : {}), message: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}
