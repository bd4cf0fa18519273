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
# The Effect 4 edition's examples must resolve `effect` to its effect@4, not the root's effect@3: for
# its run, its examples folder sees the package's node_modules, through a link removed afterwards.
trap 'rm -rf ../../docs/api/*/examples ../../docs/api/errata/node_modules' EXIT
failed=()
for package in dialect core api client server errata; do
  echo "::: docgen: $package"
  if [ "$package" = errata ]; then
    mkdir -p ../../docs/api/errata && ln -sfn ../../../packages/errata/node_modules ../../docs/api/errata/node_modules
  fi
  if (cd "$package" && docgen); then
    # docgen starts each page with a blank line, so Prettier 3.10 (docgen formats with it) prints the
    # page's front matter fence as `***`; put it back for Jekyll and GitHub.
    sed -i '1s/^\*\*\*$/---/' "../../docs/api/$package"/modules/*.ts.md
  else
    failed+=("$package")
  fi
done
# Every package runs even after a failure, so one check lists all that is broken.
[ ${#failed[@]} -eq 0 ] || { echo "docgen failed for ${failed[*]}" >&2; exit 1; }
