"""PowerShell DSC: read configuration scripts and build the archives the DSC extension downloads."""

from __future__ import annotations

from .archive import DscArchive, build_archive, find_module, module_search_path
from .script import BUILTIN_MODULE, DscScript, ModuleRef, parse_script

__all__ = [
    "BUILTIN_MODULE",
    "DscArchive",
    "DscScript",
    "ModuleRef",
    "build_archive",
    "find_module",
    "module_search_path",
    "parse_script",
]
