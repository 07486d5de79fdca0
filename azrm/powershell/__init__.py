"""Convert PowerShell scripts that use the AzureRM/Az cmdlets into azrm Python scripts.

::

    python -m azrm convert deploy.ps1 -o deploy.py

    >>> python = azrm.convert(open("deploy.ps1").read())

The cmdlets and their parameters come from the table ``cmdlets.toml`` (see
``docs/powershell-mapping.md``); what cannot be converted faithfully stays in the output as a
``# TODO(azrm):`` comment with the original lines, and is reported.
"""

from __future__ import annotations

from azrm.powershell.translate import Conversion, ConversionReport, Untranslated, translate

__all__ = ["Conversion", "ConversionReport", "Untranslated", "convert", "translate"]


def convert(text: str) -> str:
    """Return the azrm Python script of the PowerShell script ``text`` (see :func:`translate` for the report)."""
    return translate(text).python
