"""The simulated Kardex lift module: its warehouse, its storage unit, its sandbox stock."""

from __future__ import annotations

import uuid

WAREHOUSE_NAME = "Warehouse"
WAREHOUSE_ID = "6C5C8E1B-6A0F-4C39-9E8B-2F3D4A1B7C10"
STORAGE_UNIT = {"id": "CA1E5648-FA38-416F-9604-CF33A6763496", "name": "VLM-01"}

_NAMESPACE = uuid.UUID("5b0c7f0e-1f47-4b8e-9a39-3d5c1f0a6e21")


def material_id(name: str) -> str:
    """A stable id for a sandbox material (the seed's S103 keeps the vendor example's id)."""
    if name == "S103":
        return "8E7EC42A-F2B2-4B64-BF71-750F006DEF8D"
    return str(uuid.uuid5(_NAMESPACE, name)).upper()


# Materials a fresh sandbox holds: (name, description, quantity on hand).
SANDBOX_MATERIALS: tuple[tuple[str, str, float], ...] = (
    ("S101", "Hex bolt M6x20", 500.0),
    ("S102", "Hex nut M6", 800.0),
    ("S103", "Ball valve 1/2 inch", 100.0),
    ("S104", "Pressure gauge 0-10 bar", 25.0),
    ("S105", "O-ring 20x2 NBR", 1000.0),
    ("S106", "Cable gland M20", 3.0),
    ("S107", "Proximity sensor M12", 0.0),
)
