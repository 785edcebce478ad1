#!/usr/bin/env bash
# End-to-end test in a real VS Code (`npm run test:e2e`): installs code-server once (cached in
# .e2e-cache/), then the suite builds the engine, packages the .vsix and drives the workbench
# (test/e2e/harness.ts). Screenshots and, on failure, VS Code's logs land in test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
nice -n 10 bash test/e2e/install-code-server.sh
status=0
npx mocha --timeout 600000 test/e2e/workbench.e2e.ts test/e2e/tee.e2e.ts || status=$?
echo "e2e: $((SECONDS - start)) s, exit $status; screenshots in test-artifacts/e2e/"
exit $status
