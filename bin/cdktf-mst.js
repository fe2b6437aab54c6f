#!/usr/bin/env node
// Runs the compiled CLI of an installed package; in a source checkout (src/ present) runs the
// TypeScript through ts-node, so the command never runs a stale build.
const path = require('path');
const fs = require('fs');
const source = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
let cli;
if (!fs.existsSync(source)) {
  cli = require(path.join(__dirname, '..', 'lib', 'cli', 'main.js'));
} else {
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
  cli = require(source);
}
process.exitCode = cli.main(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
