#!/usr/bin/env bash
# Runs Jest (all projects, or those named in JEST_ARGS) and ends with the plain summary line
# "tests: N passed, N failed, N skipped" that CI reads, keeping Jest's exit code.
set -uo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --ci --json --outputFile="$report" ${JEST_ARGS:-} "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || code=1
rm -f "$report"
exit $code
