"""Linked templates and parameters: what ARM fetches for ``templateLink`` and ``parametersLink``.

A deployment gives its template inline (``template``, also as a JSON string) or as a link
(``templateLink.uri``, its SAS in the URI or in ``queryString``), and its parameters inline or as a
``parametersLink`` (a parameters file; inline, ``parameters`` holds the parameters alone, and bare
values, unknown members or names differing only in case are refused as ARM refuses them). Giving
both forms of either is ``InvalidDeployment``. Linked content comes from the local storage accounts
or any web server on this machine's loopback addresses (:mod:`..downloads`; nothing else is
reachable offline), and is read as ARM reads it (comments allowed, a BOM skipped); what cannot be
fetched or parsed is ``InvalidContentLink``. A ``templateLink.contentVersion`` must match the
template's. A nested deployment's ``templateLink.relativePath`` is resolved against its parent
deployment's link, with the parent's SAS; a top-level deployment cannot use one.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ....templates.engine import load_json
from ...core.errors import ArmError
from ..base import Provider

__all__ = ["DeploymentLinks", "relative_link"]


class DeploymentLinks(Provider):
    """Read a deployment's template and parameters, inline or linked."""

    def fetch(self, uri: str, query: str | None = None) -> Any:
        """Download a linked template or parameters file, as ARM does (see :mod:`..downloads`)."""
        from .... import _secrets
        from ..downloads import DownloadFailed, Offline, fetch

        shown = _secrets.mask_sas(uri)  # an error quotes the link, not its signature
        try:
            data = fetch(self.emu, uri, query)
        except Offline as offline:
            message = (
                f"Unable to download deployment content from '{shown}'. {offline} Serve the file from a local storage "
                "account or a web server on this machine (azrm's new_resource_group_deployment stages local files)."
            )
            raise ArmError(400, "InvalidContentLink", message) from None
        except DownloadFailed as failed:
            raise ArmError(
                400,
                "InvalidContentLink",
                f"Unable to download deployment content from '{shown}'. The remote server returned an error: "
                f"{failed.reason}.",
            ) from None
        try:
            return load_json(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArmError(400, "InvalidContentLink", f"The content at '{shown}' is not valid JSON: {exc}") from None

    def _template_of(self, props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Return the request's template (inline, or fetched from ``templateLink``) and its link."""
        if props.get("template") is not None and props.get("templateLink"):
            raise ArmError(400, "InvalidDeployment", "Give either 'template' or 'templateLink', not both.")
        if props.get("template") is not None:
            template = props["template"]
            if isinstance(template, str):
                try:
                    template = load_json(template)
                except ValueError as exc:
                    raise ArmError(400, "InvalidTemplate", f"Deployment template parse failed: '{exc}'.") from None
            if not isinstance(template, dict):
                raise ArmError(
                    400,
                    "InvalidTemplate",
                    "Deployment template parse failed: 'The template must be a JSON object. "
                    "Path 'properties.template'.'",
                )
            return template, None
        link = props.get("templateLink") or {}
        if link.get("relativePath") and not link.get("uri"):
            raise ArmError(
                400,
                "InvalidTemplateDeployment",
                "templateLink.relativePath is resolved against the parent deployment's link; a top-level "
                "deployment needs templateLink.uri.",
            )
        if not link.get("uri"):
            raise ArmError(400, "InvalidDeployment", "The deployment needs 'template' or 'templateLink.uri'.")
        template = self.fetch(link["uri"], link.get("queryString"))
        wanted = link.get("contentVersion")
        found = template.get("contentVersion") if isinstance(template, dict) else None
        if wanted and str(wanted) != str(found):
            raise ArmError(
                400,
                "InvalidContentVersion",
                f"The content version contained in the template '{found}' does not match the content version found "
                f"in the deployment object's TemplateLink property '{wanted}'. Please see https://aka.ms/arm-deploy "
                "for usage details.",
            )
        echo = {
            "uri": link["uri"],
            "contentVersion": template.get("contentVersion") if isinstance(template, dict) else None,
        }
        if link.get("queryString"):
            echo["queryString"] = link["queryString"]
        return template, echo

    def _parameters_of(self, props: dict[str, Any]) -> dict[str, Any]:
        params = props.get("parameters")
        if props.get("parametersLink"):
            if params:
                raise ArmError(400, "InvalidDeployment", "Give either 'parameters' or 'parametersLink', not both.")
            fetched = self.fetch(props["parametersLink"]["uri"], props["parametersLink"].get("queryString"))
            params = fetched.get("parameters", fetched) if isinstance(fetched, dict) else {}  # a parameters file
        # inline, a whole parameters file ($schema and all) is refused as ARM refuses it: its members are
        # read as parameters ("Could not find member ... on object of type 'DeploymentParameterDefinition'")
        params = dict(params or {})
        _check_parameter_values(params)
        return params


def _check_parameter_values(params: Mapping[str, Any]) -> None:
    """Refuse what ARM's deserializer refuses in ``properties.parameters`` (ARM's texts)."""
    seen: dict[str, str] = {}
    for name, raw in params.items():
        if name.lower() in seen:
            raise ArmError(
                400,
                "CaseSensitiveDeploymentParameterNamesFound",
                f"The deployment parameters are using case sensitive names. The error parameter name(s): {name}.",
            )
        seen[name.lower()] = name
        if not isinstance(raw, Mapping):
            raise ArmError(
                400,
                "InvalidRequestContent",
                f"The request content was invalid and could not be deserialized: 'Error converting value "
                f"{json.dumps(raw)[:60]} to type 'Azure.Deployments.Core.Definitions.DeploymentParameterDefinition'. "
                f"Path 'properties.parameters.{name}'.'",
            )
        for member in raw:
            if member.lower() not in ("value", "reference", "metadata"):
                raise ArmError(
                    400,
                    "InvalidRequestContent",
                    f"The request content was invalid and could not be deserialized: 'Could not find member "
                    f"'{member}' on object of type 'DeploymentParameterDefinition'. Path "
                    f"'properties.parameters.{name}.{member}'.'",
                )


def relative_link(parent: Mapping[str, Any], relative_path: str, name: str) -> dict[str, Any]:
    """Resolve the nested deployment ``name``'s ``templateLink.relativePath`` against its parent's link."""
    if not parent.get("uri"):
        raise ArmError(
            400,
            "InvalidTemplateDeployment",
            f"The nested deployment '{name}' uses templateLink.relativePath, which needs the parent "
            "deployment to be deployed from a templateLink.",
        )
    resolved = urllib.parse.urljoin(parent["uri"].split("?", 1)[0], relative_path)
    return {
        "uri": resolved,
        "queryString": parent.get("queryString") or urllib.parse.urlsplit(parent["uri"]).query,
    }
