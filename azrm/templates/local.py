"""A template on the local disk, and the files a deployment of it needs.

ARM fetches linked templates by URL, so a template whose links are local files (``relativePath``,
or a plain relative ``uri``) must be uploaded before it is deployed. :func:`read_local_template`
finds those files (following links inside linked templates too) and says whether the template uses
the ``_artifactsLocation`` / ``_artifactsLocationSasToken`` convention, in which case the whole
artifacts directory is staged, as Visual Studio's ``Deploy-AzureResourceGroup.ps1`` does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import DEPLOYMENT_TYPE
from .engine import load_json
from .expressions import is_expression

__all__ = ["ARTIFACTS_LOCATION", "ARTIFACTS_SAS_TOKEN", "LocalTemplate", "read_local_template"]

ARTIFACTS_LOCATION = "_artifactsLocation"
ARTIFACTS_SAS_TOKEN = "_artifactsLocationSasToken"
#: the most files (and bytes) staged from an artifacts directory: a guard against staging a home directory
MAX_ARTIFACTS = 500
MAX_ARTIFACT_BYTES = 100 * 1024 * 1024


class LocalTemplateError(ValueError):
    """A local template or one of its linked files cannot be used; ``field`` names the culprit."""

    def __init__(self, field: str, value: Any, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field}: {value!r}: {rule}")


@dataclass
class LocalTemplate:
    """A template file, rewritten for staging, with the files to upload next to it."""

    path: Path
    template: dict[str, Any]
    #: posix path relative to :attr:`root` -> local file (the main template included)
    files: dict[str, Path] = field(default_factory=dict)
    #: the main template's path relative to :attr:`root`
    main: str = ""
    root: Path = Path(".")
    #: the template declares ``_artifactsLocation``
    uses_artifacts: bool = False

    @property
    def needs_staging(self) -> bool:
        """Whether anything must be uploaded: local links, or the artifacts convention."""
        return self.uses_artifacts or len(self.files) > 1


def _load(path: Path, field_name: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LocalTemplateError(field_name, str(path), "the file does not exist") from None
    except OSError as exc:
        raise LocalTemplateError(field_name, str(path), f"cannot be read: {exc.strerror}") from None
    try:
        value = load_json(text)
    except ValueError as exc:
        raise LocalTemplateError(field_name, str(path), f"is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise LocalTemplateError(field_name, str(path), "a template is a JSON object")
    return value


def _links(template: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every ``templateLink`` object of the template's deployments (child and inline ones too)."""
    for resource in template.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        props = resource.get("properties")
        if str(resource.get("type", "")).lower() == DEPLOYMENT_TYPE.lower() and isinstance(props, dict):
            link = props.get("templateLink")
            if isinstance(link, dict):
                yield link
            inner = props.get("template")
            if isinstance(inner, dict):
                yield from _links(inner)
        children = {"resources": resource.get("resources") or []}
        yield from _links(children)


def _is_local(uri: Any) -> bool:
    return isinstance(uri, str) and "://" not in uri and not is_expression(uri) and not uri.startswith("/")


def read_local_template(path: str | Path, *, artifacts_directory: str | Path | None = None) -> LocalTemplate:
    """Read a template file and find the local files its deployment needs.

    Links given as plain relative ``uri`` values are rewritten to ``relativePath`` (which is what ARM
    resolves against the parent template's URL). Raises :class:`LocalTemplateError` for a missing
    or invalid file, or a link that leaves the artifacts directory.
    """
    main = Path(path).resolve()
    template = _load(main, "template_file")
    root = Path(artifacts_directory).resolve() if artifacts_directory is not None else main.parent
    if not main.is_relative_to(root):
        raise LocalTemplateError("artifacts_directory", str(root), f"must contain the template file {main}")
    out = LocalTemplate(main, copy.deepcopy(template), root=root, main=main.relative_to(root).as_posix())
    out.files[out.main] = main
    declared = {str(n).lower() for n in (template.get("parameters") or {})}
    out.uses_artifacts = ARTIFACTS_LOCATION.lower() in declared
    _follow(out.template, main, out, depth=0)
    if out.uses_artifacts:
        _add_directory(out)
    return out


def _follow(template: dict[str, Any], path: Path, out: LocalTemplate, depth: int) -> None:
    if depth > 10:
        raise LocalTemplateError("template_file", str(path), "linked templates nest more than 10 levels deep")
    for link in _links(template):
        relative = link.get("relativePath")
        if relative is None and _is_local(link.get("uri")):
            relative = link.pop("uri")
            link["relativePath"] = relative
        if not isinstance(relative, str) or is_expression(relative):
            continue
        child = (path.parent / relative).resolve()
        if not child.is_relative_to(out.root):
            raise LocalTemplateError(
                "templateLink.relativePath", relative, f"leads out of the artifacts directory {out.root}"
            )
        key = child.relative_to(out.root).as_posix()
        if key in out.files:
            continue
        out.files[key] = child
        _follow(_load(child, f"templateLink.relativePath ({relative})"), child, out, depth + 1)


def _add_directory(out: LocalTemplate) -> None:
    total = 0
    for file in sorted(out.root.rglob("*")):
        parts = file.relative_to(out.root).parts
        if not file.is_file() or any(p.startswith(".") or p in ("__pycache__", "node_modules") for p in parts):
            continue
        key = file.relative_to(out.root).as_posix()
        out.files.setdefault(key, file)
        total += file.stat().st_size
        if len(out.files) > MAX_ARTIFACTS or total > MAX_ARTIFACT_BYTES:
            raise LocalTemplateError(
                "artifacts_directory",
                str(out.root),
                f"holds more than {MAX_ARTIFACTS} files or {MAX_ARTIFACT_BYTES // 2**20} MiB; give a directory with "
                "just the deployment's artifacts",
            )
