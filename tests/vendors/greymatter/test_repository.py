"""filter_parameters compiled to SQL agree with the grammar's plain reading, on both databases."""

from __future__ import annotations

from pickbay.runtime import Runtime
from pickbay.vendors.greymatter import repository as repo
from pickbay.vendors.greymatter.filters import matches, parse_filter
from pickbay.vendors.greymatter.machine import SANDBOX_STOCK

FILTER_SETS = [
    ["product_sku = 'SKU12345'"],
    ["product_sku = 'SKU12345'", "client_id = 'C1'"],
    ["lot_id in ['LOT-B', 'LOT-Z']"],
    ["product_sku in ['2001', '2002', '2005']"],
    ["product_sku in ['2001', '2002']", "client_id = 'C1'"],
    ["product_sku = 'nothing'"],
    ["colour = 'red'"],
    ["product_sku = 'sku12345'"],
]


async def test_stock_matching_in_sql_is_the_grammar(runtime: Runtime) -> None:
    async with runtime.db.read() as conn:
        every = await repo.list_stock(conn)
        assert {repo.product_key(s.attributes) for s in every} == {
            repo.product_key(a) for a, _, _ in SANDBOX_STOCK
        }
        for texts in FILTER_SETS:
            filters = [parse_filter(t) for t in texts]
            found = [s.id for s in await repo.matching(conn, filters)]
            assert found == [s.id for s in every if matches(filters, s.attributes)], texts
