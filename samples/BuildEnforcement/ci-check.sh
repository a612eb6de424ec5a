#!/usr/bin/env bash
# The two checks a CI job runs for the PREC rules, with the settings of this folder in place.
set -euo pipefail
# 1. The build fails on any PREC diagnostic (errors by .editorconfig and WarningsAsErrors), and writes obj/*.sarif.
CI=true dotnet build
# 2. Nothing is left that the fixes would change: exits non-zero and lists the files if something is.
dotnet format analyzers --verify-no-changes --diagnostics PREC001 PREC002 PREC003 PREC005
