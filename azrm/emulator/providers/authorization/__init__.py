"""Microsoft.Authorization: role definitions and role assignments, stored and answered as Azure does.

The package: ``definitions.py`` (built-in roles from ``data/builtin-roles.json``, custom roles),
``assignments.py`` (assignments at a subscription, group or resource), ``scopes.py`` (which scopes
exist), ``permissions.py`` (how Azure matches actions against a role), ``enforce.py`` (the
enforcement: ARM requests mapped to actions, refused with 403 ``AuthorizationFailed``).

Both are extension resources: their routes start with ``{scope}`` (see :mod:`..core.router`), so one
route serves the subscription, every group and every resource. Assignments are enforced only with
``EmulatorSettings(rbac=True)``; without it any token may do anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.router import Router
from .assignments import RoleAssignments
from .definitions import builtin_roles
from .enforce import AccessControl, request_action
from .permissions import action_for, action_matches, allows, scope_covers
from .scopes import ASSIGNMENT_TYPE, DEFINITION_TYPE

if TYPE_CHECKING:
    from ...core.engine import Emulator

__all__ = [
    "ASSIGNMENT_TYPE",
    "DEFINITION_TYPE",
    "AccessControl",
    "AuthorizationBackend",
    "action_for",
    "action_matches",
    "allows",
    "builtin_roles",
    "request_action",
    "scope_covers",
]


class AuthorizationBackend(RoleAssignments):
    """Role definitions and role assignments at any scope, and their enforcement (``emu.access``)."""

    def __init__(self, emu: Emulator) -> None:
        super().__init__(emu)
        emu.access = AccessControl(emu, self)
        emu.access.seed()

    def register(self, r: Router) -> None:
        base = "{scope}/providers/Microsoft.Authorization"
        definition = base + "/roleDefinitions/{roleDefinitionId}"
        r.add("GET", base + "/roleDefinitions", self.list_definitions)
        r.add("GET", definition, self.get_definition)
        r.add("PUT", definition, self.put_definition)
        r.add("DELETE", definition, self.delete_definition)
        assignment = base + "/roleAssignments/{roleAssignmentName}"
        r.add("GET", base + "/roleAssignments", self.list_assignments)
        r.add("GET", assignment, self.get_assignment)
        r.add("PUT", assignment, self.put_assignment)
        r.add("DELETE", assignment, self.delete_assignment)
