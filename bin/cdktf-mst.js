#!/usr/bin/env node
// Runs the compiled CLI; in a source checkout without lib/, runs the TypeScript through ts-node.
const path = require('path');
const fs = require('fs');
const compiled = path.join(__dirname, '..', 'lib', 'src', 'cli', 'main.js');
let cli;
if (fs.existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
process.exitCode = cli.main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
