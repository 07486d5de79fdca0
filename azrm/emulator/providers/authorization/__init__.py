"""Microsoft.Authorization: role definitions and role assignments, stored and answered as Azure does.

The package: ``definitions.py`` (built-in roles from ``data/builtin-roles.json``, custom roles),
``assignments.py`` (assignments at a subscription, group or resource), ``scopes.py`` (which scopes
exist), ``permissions.py`` (how Azure matches actions against a role, for the enforcement to come).

Both are extension resources: their routes start with ``{scope}`` (see :mod:`..core.router`), so one
route serves the subscription, every group and every resource. Nothing is enforced yet: any token
may still do anything.
"""

from __future__ import annotations

from ...core.router import Router
from .assignments import RoleAssignments
from .definitions import builtin_roles
from .permissions import action_for, action_matches, allows, scope_covers
from .scopes import ASSIGNMENT_TYPE, DEFINITION_TYPE

__all__ = [
    "ASSIGNMENT_TYPE",
    "DEFINITION_TYPE",
    "AuthorizationBackend",
    "action_for",
    "action_matches",
    "allows",
    "builtin_roles",
    "scope_covers",
]


class AuthorizationBackend(RoleAssignments):
    """Role definitions and role assignments at any scope."""

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
