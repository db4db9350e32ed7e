#!/usr/bin/env bash
# The one formatting commit (issue 26): run ONCE by the lead after every branch is merged.
# Formatting the tree on a branch while seven others edit the same files would conflict
# everywhere, so biome.jsonc keeps the formatter off until this has run.
#
# It formats every JS/TS file with the settings in biome.jsonc (CSS and Markdown stay as
# written), applies Biome's safe lint fixes, turns the formatter on in biome.jsonc (the
# one-line switch) and checks the result the way `npm run lint` will from then on.
# Then: npm run typecheck, and commit everything in one commit.
set -euo pipefail
cd "$(dirname "$0")/.."

npx biome check --write --formatter-enabled=true .
# The switch: the one "enabled": false inside "formatter" in biome.jsonc.
sed -i '/"formatter": {$/,/}/ s/"enabled": false,/"enabled": true,/' biome.jsonc
grep -A3 '^  "formatter": {' biome.jsonc | grep -q '"enabled": true,' || { echo 'format-all: could not turn the formatter on in biome.jsonc' >&2; exit 1; }
npx biome ci --diagnostic-level=error .
echo "format-all: $(git diff --name-only | wc -l) files changed; run npm run typecheck, then commit them together." >&2
