/**
 * The hostile manifests of issue 12, at any scale: `bytes` is about how large
 * the text comes out. The limits test writes them full size (50 MB, 6 MB,
 * 4 MB, 1 MB); the fuzz test mixes in small forms.
 */

const HEAD = 'project: acme\ndeployer: ci@acme.example\nmembers:\n  - { email: ci@acme.example, role: admin }\n';

/** A plausible manifest, just very large: one service with users until `bytes`. */
export function hugeManifest(bytes: number): string {
  const parts = [HEAD, 'services:\n  - name: metrics\n    users:\n'];
  let size = parts[0].length + parts[1].length;
  for (let i = 0; size < bytes; i++) {
    const line = `      - { username: user_${i}, allowReplication: false }\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

/** JSON nested `depth` deep: {"members":[[[[...]]]]} (6 MB is about a million deep with 3 bytes a level). */
export function deepJson(bytes: number): string {
  const depth = Math.max(1, Math.floor((bytes - 20) / 2));
  return `{"members":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** A manifest whose every entry is an error: `members` of wrong types, about 20 bytes each. */
export function manyErrors(bytes: number): string {
  const parts = [HEAD.replace(/members:[\s\S]*$/, ''), 'members:\n'];
  let size = parts[0].length + parts[1].length;
  for (let i = 0; size < bytes; i++) {
    const line = `  - { email: ${i}, role: r${i % 10} }\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

/** A YAML alias bomb: one long scalar (half the bytes), then aliases of it until `bytes`. */
export function aliasBomb(bytes: number): string {
  const scalar = 'x'.repeat(Math.floor(bytes / 2));
  const aliases = Math.max(1, Math.floor(bytes / 2 / 3));
  return `${HEAD}billing: { email: &a "${scalar}" }\ninvitations: [${Array(aliases).fill('*a').join(',')}]\n`;
}

/** A bomb of nested aliases: each level lists the one before ten times (10^levels strings). */
export function nestedAliasBomb(levels: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  return `${lines.join('\n')}\n`;
}
