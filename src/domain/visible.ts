/**
 * Input strings shown to a person go through here first: a control character
 * (ESC, NUL, a newline, DEL, the C1 range) or an invisible formatting
 * character (bidirectional overrides, zero-width spaces, line separators)
 * would move the cursor, rewrite a terminal line, end a Markdown line or hide
 * what a reviewer reads. Each is shown as an escape instead: `\x1b`, `\u202e`.
 */
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/** `s` with every control or invisible formatting character written as an escape. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON text with every such character as a `\u` escape: JSON.stringify
 * escapes only the C0 range (in strings), and a terminal acts on the rest. The data read
 * back is unchanged.
 */
export function jsonVisible(jsonText: string): string {
  // Raw C0 characters left in JSON text are its own line breaks: strings hold them escaped already.
  return jsonText.replace(INVISIBLE, (c) => c < '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
