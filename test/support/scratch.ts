import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A temporary folder made at once (cases may write while the suite is being
 * declared) and removed after the suite, with `write` for files inside it.
 */
export function scratchFolder(prefix: string): { readonly dir: string; write(name: string, text: string): string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name: string, text: string): string {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
  };
}
