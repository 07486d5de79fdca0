#!/bin/sh
# The Azure CLI (azure-cli from PyPI) in its own venv, .venv-azure-cli/, for the test that drives it
# against the local Azure (tests/azure_cli). It stays out of .venv: azure-cli-core pins azure-core
# and msal versions that differ from the library's, and it weighs ~730 MB. Uses the same python
# and pip settings as `make setup` (PYTHON, pip's own config and environment). Does nothing when the
# pinned version is already installed (stamp file); a cold install takes about 1.5-2 minutes.
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
"$VENV/bin/python" -m pip install --quiet --quiet --disable-pip-version-check "azure-cli==$AZURE_CLI_VERSION"
touch "$STAMP"
