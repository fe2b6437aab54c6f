/**
 * Builds the engine before the integration layer runs (OpenTofu and the
 * providers from source: minutes on a new machine, then cached), printing the
 * build's progress, so no test's timeout covers it.
 */
import { engine } from '../../tools/local/engine';

export default async function globalSetup(): Promise<void> {
  const eng = await engine((line) => process.stderr.write(`\n${line}`));
  process.stderr.write(`\n${eng.summary}\n`);
}
