/**
 * Two layers, both run by `npm test`:
 *   unit         the model, rules, constructs, manifest, report/diff and CLI in-process or as a node child: seconds
 *                (`npm run test:unit` alone)
 *   integration  real parts: PostgreSQL clusters, the engine, the real cdktf and cdktn CLIs, both flavours packed
 *                and installed into empty projects, the fuzz test, 10,000 manifests then tofu validate, and the local
 *                MST (tools/mst) with the real aiven provider
 *                (`npm run test:integration`);
 *                its global setup builds the engine first when it is not built yet (minutes, once per machine)
 * Type checking is `tsc --noEmit` in `npm test`; ts-jest only transpiles (isolatedModules in tsconfig.json).
 */
const INTEGRATION = ['<rootDir>/test/e2e/', '<rootDir>/test/sandbox/', '<rootDir>/test/examples/', '<rootDir>/test/fuzz/', '<rootDir>/test/package/', '<rootDir>/test/mst/'];
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // One temporary folder per run, removed at its end (cdktf's Testing.app() leaves one folder per app).
  globalSetup: '<rootDir>/test/support/tmp-setup.ts',
  globalTeardown: '<rootDir>/test/support/tmp-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION] },
    {
      ...common,
      displayName: 'integration',
      testMatch: INTEGRATION.map((dir) => `${dir}**/*.test.ts`),
      globalSetup: '<rootDir>/test/e2e/global-setup.ts',
    },
  ],
};
