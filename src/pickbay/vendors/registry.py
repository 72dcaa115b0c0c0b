"""The registry: every vendor pickbay speaks, in the order the console lists them.

A new vendor is one folder under `pickbay/vendors/` and one line here.
"""

from __future__ import annotations

from pickbay.vendors.contract import Vendor
from pickbay.vendors.greymatter.vendor import GreyMatter
from pickbay.vendors.itempath.vendor import ItemPath
from pickbay.vendors.pickup_cloud.vendor import PickupCloud

VENDORS: tuple[Vendor, ...] = (
    PickupCloud(),
    ItemPath(),
    GreyMatter(),
)

_BY_NAME = {v.name: v for v in VENDORS}
NAMES: tuple[str, ...] = tuple(v.name for v in VENDORS)
NOTIFYING: tuple[str, ...] = tuple(v.name for v in VENDORS if v.webhook_format() is not None)
WITH_HUBS: tuple[str, ...] = tuple(v.name for v in VENDORS if v.has_hubs)
PICK_FAULTS: dict[str, tuple[str, ...]] = {v.name: v.pick_faults for v in VENDORS if v.pick_faults}


def vendor_named(name: str) -> Vendor:
    """The registered vendor called `name` (KeyError if none is)."""
    return _BY_NAME[name]
