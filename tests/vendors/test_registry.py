"""The registry and the rules that keep vendors apart: one folder each, reached only through
the registry, never importing each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pickbay
from pickbay.vendors.contract import Vendor
from pickbay.vendors.registry import VENDORS, vendor_named

SOURCE = Path(pickbay.__file__).parent
SHARED_VENDOR_MODULES = {"pickbay.vendors", "pickbay.vendors.contract", "pickbay.vendors.registry"}


def imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def vendor_of(module: str) -> str | None:
    """The vendor a module belongs to, if it is a vendor's."""
    parts = module.split(".")
    if parts[:2] != ["pickbay", "vendors"] or ".".join(parts[:3]) in SHARED_VENDOR_MODULES:
        return None
    return parts[2]


def test_each_vendor_is_one_folder_named_as_the_log_names_it() -> None:
    names = [v.name for v in VENDORS]
    assert names == ["pickup_cloud", "itempath", "greymatter"]
    for vendor in VENDORS:
        assert isinstance(vendor, Vendor)
        assert type(vendor).__module__ == f"pickbay.vendors.{vendor.name}.vendor"
        assert (SOURCE / "vendors" / vendor.name / "model.py").is_file()
        assert vendor_named(vendor.name) is vendor
        assert vendor.console_script() is not None
    prefixes = [p for v in VENDORS for p in v.prefixes]
    assert len(prefixes) == len(set(prefixes))


def test_shared_code_reaches_vendors_only_through_the_registry() -> None:
    offenders = [
        (str(path.relative_to(SOURCE)), module)
        for path in SOURCE.rglob("*.py")
        if "vendors" not in path.relative_to(SOURCE).parts
        for module in imports(path)
        if vendor_of(module) is not None
    ]
    assert offenders == []


def test_vendors_never_import_each_other() -> None:
    offenders = [
        (str(path.relative_to(SOURCE)), module)
        for vendor in VENDORS
        for path in (SOURCE / "vendors" / vendor.name).rglob("*.py")
        for module in imports(path)
        if vendor_of(module) not in (None, vendor.name)
    ]
    assert offenders == []
