# azrm: `make demo` runs the main job on the local Azure, `make test` runs the tests.
# Both install what they need first (`make setup`: a venv in .venv/ and Azurite in node_modules/),
# and do so only when pyproject.toml, the constraints or package-lock.json changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.azrm-installed
NODE_STAMP := node_modules/.azrm-installed
PYTEST_ARGS ?=
DEMO_ARGS ?=
# make demo SCENARIO=vmss runs the scale set web farm instead of the IaaS + DSC seed;
# SCENARIO=templates deploys the linked templates (master + storage + network) after a what-if
SCENARIO ?= iaas-dsc
DEMO_SCRIPT_iaas-dsc := examples/seed_iaas_dsc.py
DEMO_SCRIPT_vmss := examples/seed_vmss_web_farm.py
DEMO_SCRIPT_templates := examples/seed_linked_templates/deploy.py
DEMO_SCRIPT_containers := examples/seed_containers.py

.PHONY: setup test lint demo bench lock clean conformance

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The tests include the gate of real templates (tests/corpus) when ../shared/corpus is beside this
# checkout (or AZRM_CORPUS names it); without it they print one line saying so. They also drive the
# Azure CLI against the local Azure (tests/azure_cli): tools/install-azure-cli.sh puts azure-cli in
# its own venv, .venv-azure-cli/, once (about a minute; nothing to do after that).
test: lint
	PYTHON=$(PYTHON) sh tools/install-azure-cli.sh
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# The gate alone: every corpus entry deployed two ways, and the table of outcomes.
conformance: setup
	$(BIN)/python -m pytest -n 2 -q -p no:randomly tests/corpus $(PYTEST_ARGS)

demo: setup
	@test -n "$(DEMO_SCRIPT_$(SCENARIO))" || { echo "SCENARIO=$(SCENARIO): use iaas-dsc (default), vmss, templates or containers"; exit 2; }
	$(BIN)/python $(DEMO_SCRIPT_$(SCENARIO)) $(DEMO_ARGS)

bench: setup
	$(BIN)/python bench/emulator.py
	$(BIN)/python bench/library.py
	$(BIN)/python bench/templates.py
	$(BIN)/python bench/leniency.py
	$(BIN)/python bench/containers.py
	$(BIN)/python bench/fleet.py

# Re-pin the Python dependencies from a clean venv (run after changing pyproject.toml).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^azrm' > requirements/constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .venv-azure-cli node_modules .pytest_cache .ruff_cache .mypy_cache
