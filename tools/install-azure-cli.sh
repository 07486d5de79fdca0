#!/bin/sh
# The Azure CLI (azure-cli from PyPI) in its own venv, .venv-azure-cli/, for the test that drives it
# against the local Azure (tests/azure_cli). It stays out of .venv: azure-cli-core pins azure-core
# and msal versions that differ from the library's. Uses the same python
# and pip settings as `make setup` (PYTHON, pip's own config and environment). Does nothing when the
# pinned version is already installed (stamp file); a cold install takes about a minute (62 s here)
# and 733 MB. Exits 1 when pip fails in CI (CI=true); elsewhere it says so and the test skips.
set -eu
cd "$(dirname "$0")/.."
AZURE_CLI_VERSION=2.91.0
VENV=.venv-azure-cli
STAMP="$VENV/.azure-cli-$AZURE_CLI_VERSION"
[ -f "$STAMP" ] && [ -x "$VENV/bin/az" ] && exit 0
PYTHON="${PYTHON:-python3}"
echo "installing azure-cli $AZURE_CLI_VERSION into $VENV/ (takes a minute or two)"
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
rm -f "$VENV"/.azure-cli-*
if ! "$VENV/bin/python" -m pip install --quiet --quiet --disable-pip-version-check "azure-cli==$AZURE_CLI_VERSION"; then
    # CI must run the Azure CLI test; elsewhere (say, offline) the test skips, saying why
    [ "${CI:-}" = true ] && exit 1
    echo "azure-cli $AZURE_CLI_VERSION could not be installed; tests/azure_cli will be skipped"
    exit 0
fi
touch "$STAMP"
