"""The source document's linked templates, deployed with azrm: a what-if first, then the deployment.

    python examples/seed_linked_templates/deploy.py           # against the local Azure (make demo SCENARIO=templates)
    python examples/seed_linked_templates/deploy.py --azure   # against Azure (azrm.connect())

``azuredeploy.json`` is the master template: it links ``nested/storage.json`` and ``nested/vnet.json``
(each usable on its own) and adds the public IP, the NIC, the VM and its DSC extension, which applies
``../webdsc.ps1`` (IIS). The DSC archive is built locally as an artifact of the template
(``Publish-AzVMDscConfiguration -OutputArchivePath``); ``new_resource_group_deployment`` then stages the
folder in a private container and passes the SAS (``_artifactsLocation`` / ``_artifactsLocationSasToken``),
so nothing has to be hosted on the web. The admin password comes from AZRM_ADMIN_PASSWORD or is
generated; it is never printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import string
import sys
import tempfile
from pathlib import Path

import azrm

HERE = Path(__file__).resolve().parent
RG_NAME = "KNRGTemplates01"


def admin_password() -> str:
    """AZRM_ADMIN_PASSWORD, or a generated password Azure accepts."""
    given = os.environ.get("AZRM_ADMIN_PASSWORD")
    if given:
        return given
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20)) + secrets.choice("!#%+-") + "a1A"


def stage_locally(az: azrm.Session, target: Path) -> Path:
    """Copy the templates next to a freshly built DSC archive; returns the master template's path."""
    shutil.copytree(HERE, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    # Publish-AzVMDscConfiguration .\webdsc.ps1 -OutputArchivePath: built here, an artifact of the template
    az.publish_vm_dsc_configuration(None, HERE.parent / "webdsc.ps1", output_archive_path=target)
    return target / "azuredeploy.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--azure", action="store_true", help="run against Azure (azrm.connect())")
    parser.add_argument("--location", default="westeurope", help="region (default westeurope)")
    parser.add_argument("--remove", action="store_true", help="remove the resource group at the end")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("azrm").setLevel(logging.INFO)
    password = admin_password()

    az = azrm.connect(location=args.location) if args.azure else azrm.local(location=args.location)
    with az, tempfile.TemporaryDirectory() as folder:
        template = stage_locally(az, Path(folder))
        parameters = template.with_name("azuredeploy.parameters.json")
        # New-AzResourceGroup
        rg = az.new_resource_group(RG_NAME, args.location)
        # Get-AzResourceGroupDeploymentWhatIfResult -TemplateFile ... -TemplateParameterFile ...
        print("\nWhat the deployment will do:")
        report = az.get_resource_group_deployment_what_if_result(
            rg.name, template_file=template, template_parameter_file=parameters, adminPassword=password
        )
        print(report)
        # New-AzResourceGroupDeployment -Name seed -TemplateFile ... -TemplateParameterFile ... -adminPassword ...
        result = az.new_resource_group_deployment(
            rg.name, name="seed", template_file=template, template_parameter_file=parameters, adminPassword=password
        )
        state = getattr(result.properties.provisioning_state, "value", result.properties.provisioning_state)
        print(f"\nDeployment {result.name}: {state} in {result.properties.duration}")
        for name, output in result.properties.outputs.items():
            print(f"  output {name} = {output['value']}")
        print(f"\n{'deployment':<12} {'resource':<26} {'type':<46} state")
        for deployment in ("seed", "storage", "network"):
            for op in az.get_resource_group_deployment_operation(rg.name, deployment):
                target = op.properties.target_resource
                print(f"{deployment:<12} {target.resource_name:<26} {target.resource_type:<46} "
                      f"{op.properties.provisioning_state}")  # fmt: skip
        dsc = az.get_vm_dsc_extension_status(rg.name, "KNVM01")
        print(f"\nDSC: {dsc.statuses[0].message}")

        # A change, previewed: a bigger VM size
        print("\nWhat-if of vmSize=Standard_A3:")
        print(az.get_resource_group_deployment_what_if_result(
            rg.name, name="seed", template_file=template, template_parameter_file=parameters, adminPassword=password,
            vmSize="Standard_A3",
        ))  # fmt: skip
        if args.remove:
            az.remove_resource_group(rg.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
