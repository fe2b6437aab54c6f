// Temporary jest config for the sandbox tests until the repo has its own;
// merge into the root config (ts-jest preset + the repo tsconfig.json).
//   npx jest -c tools/sandbox/jest.config.js
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/sandbox/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
