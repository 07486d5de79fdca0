"""azrm: imperative Azure provisioning in the style of the AzureRM / Az PowerShell cmdlets.

``import azrm`` stays light: the Azure SDK packages are imported only when something needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
