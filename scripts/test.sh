#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: brokers, build, type-check, lint, then every test
# (unit, the conformance suite against each real broker, end to end). `npm test` runs this.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/brokers/all.sh
npm run --silent build
npm run --silent lint
# Jest's own summary line ("Tests: N passed, N total") closes the run.
npx jest --ci "$@"
