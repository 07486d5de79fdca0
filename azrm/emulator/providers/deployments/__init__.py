"""Microsoft.Resources/deployments at resource group scope: ARM templates, deployed for real.

A deployment's template is checked when it is PUT (``InvalidTemplate`` with the faulty path), then a
*run* deploys it on the emulator's clock: each resource, when its dependencies are done, is rendered
(``reference()`` and ``list*()`` answered from the live resources) and PUT through the same provider
backends as a direct call, independent ones side by side; the run waits for each one's long-running
operation, as ARM does. Nested inline templates and linked templates (fetched only from this local
Azure's own Azurite accounts) become deployments of their own. Complete mode removes what the
template does not list. ``validate``, ``whatIf``, ``exportTemplate``, the deployment operations and
``cancel`` are served as ARM serves them.

Where each part lives:

- ``responses.py``: the routes and handlers (PUT, GET, DELETE, list, validate, whatIf,
  exportTemplate, cancel, operations), and the backend class that puts the parts together.
- ``runner.py``: a deployment's run: resources in dependency order, nested deployments, the
  deployment operations, Complete mode, outputs, and the rollback of ``onErrorDeployment``.
- ``runtime.py``: ``reference()`` and ``list*()`` answered from the live resources during a run.
- ``links.py``: linked templates and parameters (``templateLink``, ``parametersLink``,
  ``relativePath``), fetched from the local Azure's own storage accounts.
- ``whatif.py``: what-if (each resource compared with the live one) and a group's export.

The template itself (parameters, copy loops, dependencies, rendering) is :mod:`azrm.templates`.
"""

from __future__ import annotations

from .responses import DeploymentsBackend

__all__ = ["DeploymentsBackend"]
