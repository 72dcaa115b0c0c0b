"""The simulated GreyOrange floor: its pick-put stations and bins, its sandbox stock."""

from __future__ import annotations

# Products a fresh sandbox holds: (attributes, eaches on hand, eaches per subpack). The SKUs
# are the ones the vendor's examples use; 2005 and 2006 come in subpacks of 20, as there.
SANDBOX_STOCK: tuple[tuple[dict[str, str], int, int], ...] = (
    ({"product_sku": "MM00001"}, 100, 1),
    ({"product_sku": "2001"}, 50, 1),
    ({"product_sku": "2002"}, 50, 1),
    ({"product_sku": "2005"}, 200, 20),
    ({"product_sku": "2006"}, 200, 20),
    ({"product_sku": "5001"}, 100, 1),
    ({"product_sku": "1911"}, 100, 1),
    ({"product_sku": "SKU12345", "client_id": "C1", "lot_id": "LOT-A"}, 30, 1),
    ({"product_sku": "SKU12345", "client_id": "C2", "lot_id": "LOT-B"}, 30, 1),
)


def station_bins(stations: int, bins: int) -> list[tuple[int, int]]:
    """Every (ppsId, ppsBinId) of a floor with `stations` stations of `bins` bins each."""
    return [(pps, b) for pps in range(1, stations + 1) for b in range(1, bins + 1)]
