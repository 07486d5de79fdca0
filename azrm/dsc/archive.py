"""Build the configuration archive ``Publish-AzVMDscConfiguration`` builds, in pure Python, on any OS.

The archive is a flat zip named ``<script>.ps1.zip``: the script at the root, any additional files
and folders, one folder per module the script imports (found under ``module_path`` and the folders
of ``PSModulePath``; ``PSDesiredStateConfiguration`` ships with Windows and is never bundled), and
``dscmetadata.json`` naming what is in it. The zip is built deterministically (sorted entries, fixed
timestamps and permissions), so the same inputs give the same bytes and a re-publish can tell that
nothing changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ValidationError
from .script import DscScript, ModuleRef, parse_script, syntax_problem

__all__ = ["DscArchive", "build_archive", "find_module", "module_search_path"]

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_VERSION_DIR = re.compile(r"^\d+(\.\d+){1,3}$")


@dataclass(frozen=True)
class DscArchive:
    """A built (or given) configuration archive."""

    name: str
    data: bytes
    script_name: str
    script: DscScript | None
    modules: tuple[str, ...]
    entries: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the archive's bytes (what a re-publish compares)."""
        return hashlib.sha256(self.data).hexdigest()


def module_search_path(module_path: Sequence[str | os.PathLike[str]] = ()) -> list[Path]:
    """Where modules are looked for: ``module_path`` first, then the folders of ``PSModulePath``."""
    paths = [Path(p) for p in module_path]
    env = os.environ.get("PSModulePath", "")  # noqa: SIM112 - PowerShell's own spelling
    separator = ";" if ";" in env else os.pathsep
    paths.extend(Path(p) for p in env.split(separator) if p.strip())
    return paths


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def find_module(module: ModuleRef, search: Iterable[Path]) -> Path | None:
    """Find the base folder of ``module`` (its ``.psd1`` or ``.psm1`` inside), honouring a pinned version.

    Both layouts PowerShell uses are found: ``<dir>/<Name>/<Name>.psd1`` and
    ``<dir>/<Name>/<version>/<Name>.psd1`` (the highest version unless one is pinned).
    """
    wanted = module.name.lower()
    for folder in search:
        if not folder.is_dir():
            continue
        candidate = next((child for child in folder.iterdir() if child.is_dir() and child.name.lower() == wanted), None)
        if candidate is None:
            continue

        def has_manifest(base: Path) -> bool:
            return any(f.name.lower() in (f"{wanted}.psd1", f"{wanted}.psm1") for f in base.iterdir() if f.is_file())

        versions = sorted(
            (d for d in candidate.iterdir() if d.is_dir() and _VERSION_DIR.match(d.name) and has_manifest(d)),
            key=lambda d: _version_key(d.name),
        )
        if module.version is not None:
            exact = [d for d in versions if _version_key(d.name) == _version_key(module.version)]
            if exact:
                return exact[-1]
            if has_manifest(candidate) and _manifest_version(candidate, module.name) == module.version:
                return candidate
            continue
        if versions:
            return versions[-1]
        if has_manifest(candidate):
            return candidate
    return None


def _manifest_version(base: Path, name: str) -> str | None:
    manifest = next((f for f in base.iterdir() if f.name.lower() == f"{name.lower()}.psd1"), None)
    if manifest is None:
        return None
    m = re.search(r"(?i)\bModuleVersion\s*=\s*['\"]([^'\"]+)['\"]", manifest.read_text(errors="replace"))
    return m.group(1) if m else None


def _files_under(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*") if p.is_file())


def build_archive(
    configuration_path: str | os.PathLike[str],
    *,
    additional_path: Sequence[str | os.PathLike[str]] = (),
    module_path: Sequence[str | os.PathLike[str]] = (),
    skip_dependency_detection: bool = False,
    configuration_data_path: str | os.PathLike[str] | None = None,
) -> DscArchive:
    """Build the archive for a ``.ps1``/``.psm1`` script, or take a ready ``.zip`` as it is.

    :raises ValidationError: the script is missing or of another kind, or a module it imports is not
        found (nothing has been uploaded yet when this is raised).
    """
    path = Path(configuration_path)
    if not path.is_file():
        raise ValidationError("configuration_path", str(path), "must be an existing .ps1, .psm1 or .zip file")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = tuple(sorted(zf.namelist()))
        return DscArchive(path.name, data, path.name[: -len(".zip")], None, (), entries)
    if suffix not in (".ps1", ".psm1"):
        raise ValidationError("configuration_path", str(path), "must be a .ps1 or .psm1 script (or a .zip archive)")

    text = path.read_text(encoding="utf-8-sig", errors="replace")
    problem = syntax_problem(text)
    if problem is not None:
        raise ValidationError("configuration_path", str(path), f"the script does not parse: {problem}")
    script = parse_script(text)
    if not script.configurations:
        raise ValidationError(
            "configuration_path", str(path), "the script must define at least one 'Configuration <Name> { ... }' block"
        )
    files: dict[str, bytes] = {path.name: path.read_bytes()}
    metadata: dict[str, object] = {}

    if configuration_data_path is not None:
        data_path = Path(configuration_data_path)
        if not data_path.is_file() or data_path.suffix.lower() != ".psd1":
            raise ValidationError("configuration_data_path", str(data_path), "must be an existing .psd1 file")
        files[data_path.name] = data_path.read_bytes()
        metadata["ConfigurationData"] = data_path.name

    additional: list[str] = []
    for extra in additional_path:
        extra_path = Path(extra)
        if extra_path.is_file():
            files[extra_path.name] = extra_path.read_bytes()
        elif extra_path.is_dir():
            for file in _files_under(extra_path):
                files[f"{extra_path.name}/{file.relative_to(extra_path).as_posix()}"] = file.read_bytes()
        else:
            raise ValidationError("additional_path", str(extra_path), "must be an existing file or folder")
        additional.append(extra_path.name)
    if additional:
        metadata["AdditionalContent"] = additional

    modules: list[str] = []
    if not skip_dependency_detection:
        search = module_search_path(module_path)
        for module in script.external_modules:
            base = find_module(module, search)
            if base is None:
                pinned = f" {module.version}" if module.version else ""
                where = ", ".join(str(p) for p in search) or "(module_path is empty and PSModulePath is not set)"
                raise ValidationError(
                    "configuration_path",
                    str(path),
                    f"module {module.name}{pinned}, imported with Import-DscResource, was not found in {where}; "
                    "install it, pass module_path=, or publish with skip_dependency_detection=True",
                )
            for file in _files_under(base):
                files[f"{module.name}/{file.relative_to(base).as_posix()}"] = file.read_bytes()
            modules.append(module.name)
    if modules:
        metadata["Modules"] = modules
    files["dscmetadata.json"] = json.dumps(metadata, indent=2, sort_keys=True).encode("utf-8")

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return DscArchive(f"{path.name}.zip", buffer.getvalue(), path.name, script, tuple(modules), tuple(sorted(files)))
