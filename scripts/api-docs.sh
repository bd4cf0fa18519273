#!/usr/bin/env bash
# The API reference of the published packages, docs/api/<package>/, made by @effect/docgen, which
# also type-checks and runs every @example: a broken one fails this script, and so `pnpm check`.
# docgen reads docgen.json and a package.json from its working directory and names each page by the
# source path below it, so each package has a folder under scripts/docgen/ whose `src` links to the
# package's sources. Its examplesCompilerOptions' paths are relative to docs/api/<package>/examples/,
# where docgen writes that tsconfig. It spawns `tsc` and `tsx`: run this through pnpm, for the PATH.
set -uo pipefail
cd "$(dirname "$0")/docgen" || exit 1
# A failed example run leaves its files behind, where `tsc -p tsconfig.check.json` and ESLint look.
trap 'rm -rf ../../docs/api/*/examples' EXIT
failed=()
for package in dialect core api client server; do
  echo "::: docgen: @errata/$package"
  if (cd "$package" && docgen); then
    # docgen starts each page with a blank line, so Prettier 3.10 (docgen formats with it) prints the
    # page's front matter fence as `***`; put it back for Jekyll and GitHub.
    sed -i '1s/^\*\*\*$/---/' "../../docs/api/$package"/modules/*.ts.md
  else
    failed+=("@errata/$package")
  fi
done
# Every package runs even after a failure, so one check lists all that is broken.
[ ${#failed[@]} -eq 0 ] || { echo "docgen failed for ${failed[*]}" >&2; exit 1; }
