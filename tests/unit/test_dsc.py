"""DSC scripts and archives, without any service."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

import azrm
from azrm.dsc import ModuleRef, build_archive, find_module, parse_script


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("Import-DscResource -ModuleName xWebAdministration", [ModuleRef("xWebAdministration")]),
        ("import-dscresource -modulename 'xNetworking'", [ModuleRef("xNetworking")]),
        ('Import-DscResource -ModuleName "a", b, \'c\'', [ModuleRef("a"), ModuleRef("b"), ModuleRef("c")]),
        ("Import-DscResource -ModuleName @('a', \"b\")", [ModuleRef("a"), ModuleRef("b")]),
        ("Import-DscResource -ModuleName @{ModuleName='Sql'; ModuleVersion='15.0'}", [ModuleRef("Sql", "15.0")]),
        ("Import-DscResource -ModuleName @{ ModuleName = 'A'; RequiredVersion = '1.0' }, @{ModuleName='B'}", [ModuleRef("A", "1.0"), ModuleRef("B")]),
        ("Import-DscResource -ModuleName StorageDsc -ModuleVersion 5.0.1", [ModuleRef("StorageDsc", "5.0.1")]),
        ("Import-DscResource -ModuleVersion 5.0.1 -ModuleName StorageDsc", [ModuleRef("StorageDsc", "5.0.1")]),
        ("Import-DscResource -Module NetworkingDsc", [ModuleRef("NetworkingDsc")]),
        ("Import-DscResource -ModuleName:xDnsServer", [ModuleRef("xDnsServer")]),
        ("Import-DscResource `\n    -ModuleName `\n    cChoco", [ModuleRef("cChoco")]),
        ("Import-DscResource -ModuleName @(\n  'multi',\n  'line'\n)", [ModuleRef("multi"), ModuleRef("line")]),
        ("Import-DscResource -Name WindowsFeature", []),
        ("Import-DscResource -Name xWebsite -ModuleName xWebAdministration", [ModuleRef("xWebAdministration")]),
    ],
)  # fmt: skip
def test_import_dsc_resource_forms(statement: str, expected: list[ModuleRef]) -> None:
    script = parse_script(f"Configuration c\n{{\n    {statement}\n}}\n")
    assert list(script.modules) == expected


def test_comments_and_strings_are_respected() -> None:
    script = parse_script(
        """
# Import-DscResource -ModuleName InALineComment
<# Import-DscResource -ModuleName InABlockComment
   Configuration NotReal { } #>
Configuration Real
{
    $text = "# not a comment; Import-DscResource -ModuleName InAString"
    $here = @'
Configuration AlsoNotReal { }
'@
    Import-DscResource -ModuleName Kept # and a trailing comment
}
"""
    )
    assert script.configurations == ("Real",)
    assert script.modules == (ModuleRef("Kept"),)


def test_configurations_and_resources() -> None:
    script = parse_script(
        "configuration First {\n Node localhost {\n  WindowsFeature IIS\n  {\n   Name = 'Web-Server'\n  }\n }\n}\n"
        "Configuration Second { Node x { File f { DestinationPath = 'c:/x' }; Log l { Message = 'm' } } }\n"
    )
    assert script.configurations == ("First", "Second")
    assert script.resources == {"First": (("WindowsFeature", "IIS"),), "Second": (("File", "f"), ("Log", "l"))}
    assert script.defines("first") and not script.defines("third")


def make_module(root: Path, name: str, version: str | None) -> Path:
    base = root / name / version if version else root / name
    base.mkdir(parents=True)
    (base / f"{name}.psd1").write_text(f"@{{ ModuleVersion = '{version or '0.9'}' }}")
    (base / "DSCResources").mkdir()
    (base / "DSCResources" / "r.psm1").write_text("# resource")
    return base


def test_find_module_layouts(tmp_path: Path) -> None:
    make_module(tmp_path / "a", "Flat", None)
    make_module(tmp_path / "b", "Versioned", "1.0.0")
    make_module(tmp_path / "b", "Versioned", "2.10.0")
    make_module(tmp_path / "b", "Versioned", "2.9.0")
    search = [tmp_path / "missing", tmp_path / "a", tmp_path / "b"]
    assert find_module(ModuleRef("flat"), search) == tmp_path / "a" / "Flat"
    assert find_module(ModuleRef("Versioned"), search) == tmp_path / "b" / "Versioned" / "2.10.0"  # highest
    assert find_module(ModuleRef("Versioned", "1.0.0"), search) == tmp_path / "b" / "Versioned" / "1.0.0"
    assert find_module(ModuleRef("Versioned", "3.0"), search) is None
    assert find_module(ModuleRef("Flat", "0.9"), search) == tmp_path / "a" / "Flat"
    assert find_module(ModuleRef("Nowhere"), search) is None


def test_archive_layout_and_determinism(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modules = tmp_path / "modules"
    make_module(modules, "xWebAdministration", "1.2.0")
    monkeypatch.setenv("PSModulePath", str(modules))
    script = tmp_path / "web.ps1"
    script.write_text(
        "Configuration web {\n Import-DscResource -ModuleName PSDesiredStateConfiguration, xWebAdministration\n}\n"
    )
    data = tmp_path / "data.psd1"
    data.write_text("@{ AllNodes = @() }")
    extra_dir = tmp_path / "content"
    (extra_dir / "sub").mkdir(parents=True)
    (extra_dir / "sub" / "page.html").write_text("<h1>hi</h1>")
    archive = build_archive(script, additional_path=[extra_dir], configuration_data_path=data)
    assert archive.name == "web.ps1.zip"
    assert archive.modules == ("xWebAdministration",)
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        assert (
            sorted(zf.namelist())
            == sorted(archive.entries)
            == [
                "content/sub/page.html",
                "data.psd1",
                "dscmetadata.json",
                "web.ps1",
                "xWebAdministration/DSCResources/r.psm1",
                "xWebAdministration/xWebAdministration.psd1",
            ]
        )
        assert json.loads(zf.read("dscmetadata.json")) == {
            "AdditionalContent": ["content"],
            "ConfigurationData": "data.psd1",
            "Modules": ["xWebAdministration"],
        }
    again = build_archive(script, additional_path=[extra_dir], configuration_data_path=data)
    assert again.data == archive.data and again.sha256 == archive.sha256


def test_archive_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSModulePath", "")
    missing = tmp_path / "nope.ps1"
    with pytest.raises(azrm.ValidationError) as err:
        build_archive(missing)
    assert err.value.field == "configuration_path"
    wrong = tmp_path / "notes.txt"
    wrong.write_text("x")
    with pytest.raises(azrm.ValidationError):
        build_archive(wrong)
    empty = tmp_path / "empty.ps1"
    empty.write_text("Write-Host 'no configuration here'")
    with pytest.raises(azrm.ValidationError) as err:
        build_archive(empty)
    assert "Configuration" in err.value.rule
    needs = tmp_path / "needs.ps1"
    needs.write_text("Configuration needs { Import-DscResource -ModuleName Missing -ModuleVersion 2.0 }")
    with pytest.raises(azrm.ValidationError) as err:
        build_archive(needs)
    assert "Missing 2.0" in err.value.rule and "skip_dependency_detection" in err.value.rule
    assert build_archive(needs, skip_dependency_detection=True).modules == ()
    zipped = tmp_path / "ready.ps1.zip"
    zipped.write_bytes(build_archive(needs, skip_dependency_detection=True).data)
    ready = build_archive(zipped)
    assert (ready.name, ready.script_name) == ("ready.ps1.zip", "ready.ps1")


@pytest.mark.parametrize(
    ("script", "where"),
    [
        ("Configuration Web {\n Node localhost {\n  WindowsFeature IIS { Name = 'Web-Server' }\n", "line 2, column 17"),
        ("Configuration Web {\n $a = 'unterminated\n}\n", "line 2, column 7"),
        ("Configuration Web {\n (1\n}\n", "line 3, column 1"),
        ("Configuration Web { }\n}\n", "line 2, column 1"),
    ],
)
def test_a_script_that_does_not_parse_is_refused(tmp_path: Path, script: str, where: str) -> None:
    path = tmp_path / "web.ps1"
    path.write_text(script)
    with pytest.raises(azrm.ValidationError) as err:
        build_archive(path)
    assert err.value.field == "configuration_path" and where in err.value.rule


def test_configurations_come_from_the_parse_tree() -> None:
    from azrm.dsc.script import parse_script, syntax_problem

    text = "# Configuration Commented { }\n$s = 'Configuration InString { }'\nConfiguration Real\n{\n}\n"
    assert syntax_problem(text) is None
    assert parse_script(text).configurations == ("Real",)
