#!/usr/bin/env bash
# Runs Jest (all projects, or those named in JEST_ARGS) and ends with the plain summary line
# "tests: N passed, N failed, N skipped" that CI reads, keeping Jest's exit code.
set -uo pipefail
cd "$(dirname "$0")/.."
report="$(mktemp)"
# --forceExit: on this 2-core machine Jest runs in band, and after the last test Node can spin forever in its exit
# cleanup (Environment::CleanupHandles, 100% CPU; nodejs/node#47748), with every result already written: seen
# here after a complete, green run. process.exit skips that cleanup. Tests still stop what they start
# (globalTeardown stops the shared control planes before this exit).
node --experimental-vm-modules node_modules/jest/bin/jest.js --ci --forceExit --json --outputFile="$report" ${JEST_ARGS:-} "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || code=1
rm -f "$report"
exit $code
