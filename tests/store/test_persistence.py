"""The same persistence tests on SQLite and on PostgreSQL."""

from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from pickbay.core.errors import ConcurrentChange, Conflict
from pickbay.core.events import Event
from pickbay.core.timers import TimerKind, TimerRequest
from pickbay.runtime import Runtime
from pickbay.store import clock as clock_store
from pickbay.store import events as event_log
from pickbay.store import tenants, timers
from pickbay.store.tables import metadata
from pickbay.vendors.pickup_cloud import repository as repo
from pickbay.vendors.pickup_cloud.model import OrderKind, PickupOrder, PickupState, Policy
from tests.conftest import T0

KIND = TimerKind("tests", "step")


def new_order(number: str = "N1", tenant: str = "t") -> PickupOrder:
    return PickupOrder.create(
        tenant=tenant,
        kind=OrderKind.RECURRENT,
        order_number=number,
        pickup_code=f"customer_{number}",
        storage_code=f"pickup_{number}",
        now=T0,
        policy=Policy(),
        articles=[("A", "a", 2, 7), ("B", "b", 1, 14)],
        start_date=T0 + timedelta(days=2),
        end_date=T0 + timedelta(days=60),
        customer_details={"fullName": "Max"},
        related_notes="notes",
    )


async def test_migrations_produce_exactly_the_declared_schema(runtime: Runtime) -> None:
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))

    async with runtime.db.transaction() as conn:
        assert await conn.run_sync(diff) == []


async def test_order_round_trip_keeps_every_field(runtime: Runtime) -> None:
    order = new_order()
    async with runtime.db.transaction() as conn:
        order_id = await repo.insert_order(conn, order)
    async with runtime.db.transaction() as conn:
        loaded = await repo.load(conn, order_id)
    assert loaded is not None
    for name in (
        "tenant",
        "kind",
        "order_number",
        "pickup_code",
        "storage_code",
        "created_at",
        "state",
        "start_date",
        "end_date",
        "customer_details",
        "related_notes",
    ):
        assert getattr(loaded, name) == getattr(order, name), name
    assert loaded.articles == order.articles
    assert loaded.version == 1


async def test_load_by_ref_finds_an_order_with_all_its_lines(runtime: Runtime) -> None:
    order = new_order()
    async with runtime.db.transaction() as conn:
        await repo.insert_order(conn, order)
    async with runtime.db.read() as conn:
        by_number = await repo.load_by_ref(conn, "t", "order_number", "N1")
        by_code = await repo.load_by_ref(conn, repo.GLOBAL, "pickup_code", "customer_N1")
        assert await repo.load_by_ref(conn, "other", "order_number", "N1") is None
    assert by_number is not None
    assert by_code is not None
    assert by_number.articles == by_code.articles == order.articles


async def test_reads_see_each_commit_and_cannot_write(runtime: Runtime) -> None:
    async with runtime.db.read() as conn:
        assert await repo.load_by_ref(conn, "t", "order_number", "N1") is None
        async with runtime.db.transaction() as writer:
            await repo.insert_order(writer, new_order())
        assert await repo.load_by_ref(conn, "t", "order_number", "N1") is not None
    if runtime.db.reader is not None:
        with pytest.raises(OperationalError, match="readonly"):
            async with runtime.db.read() as conn:
                await repo.insert_order(conn, new_order("N2"))


async def test_state_change_and_events_commit_together(runtime: Runtime) -> None:
    order = new_order()
    async with runtime.db.transaction() as conn:
        await repo.insert_order(conn, order)
    order.prepare(T0)
    with pytest.raises(RuntimeError):
        async with runtime.db.transaction() as conn:
            await repo.update_order(conn, order)
            raise RuntimeError("crash before commit")
    async with runtime.db.transaction() as conn:
        loaded = await repo.load(conn, order.row_id or 0)
        log = await event_log.read(conn, order_id=order.row_id)
    assert loaded is not None
    assert loaded.state is PickupState.SCHEDULED
    assert [e.payload.get("orderState") for e in log if "orderState" in e.payload] == ["SCHEDULED"]


async def test_optimistic_lock_refuses_a_stale_write(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        order_id = await repo.insert_order(conn, new_order())
    async with runtime.db.transaction() as conn:
        a = await repo.load(conn, order_id)
        b = await repo.load(conn, order_id)
    assert a is not None
    assert b is not None
    a.prepare(T0)
    b.cancel(T0)
    async with runtime.db.transaction() as conn:
        await repo.update_order(conn, a)
    with pytest.raises(ConcurrentChange):
        async with runtime.db.transaction() as conn:
            await repo.update_order(conn, b)


async def test_refs_are_unique_and_a_duplicate_changes_nothing(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        await repo.insert_order(conn, new_order("N1"))
    dup = new_order("N1")
    dup.pickup_code, dup.storage_code = "customer_other", "pickup_other"
    with pytest.raises(Conflict):
        async with runtime.db.transaction() as conn:
            await repo.insert_order(conn, dup)
    async with runtime.db.transaction() as conn:
        assert [
            o.row_id for o in await repo.list_orders(conn, "t", state=None, skip=0, take=10)
        ] == [1]
        assert len(await event_log.read(conn)) == 3
    other = new_order("N1", tenant="other")
    other.pickup_code, other.storage_code = "customer_o", "pickup_o"
    async with runtime.db.transaction() as conn:
        await repo.insert_order(conn, other)


async def test_list_filters_pages_and_scopes_by_tenant(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        for i in range(5):
            await repo.insert_order(conn, new_order(f"N{i}"))
        await repo.insert_order(conn, new_order("X", tenant="other"))
    async with runtime.db.transaction() as conn:
        orders = await repo.list_orders(conn, "t", state=None, skip=1, take=2)
        assert [o.order_number for o in orders] == ["N1", "N2"]
        assert [len(o.articles) for o in orders] == [2, 2]
        assert await repo.list_orders(conn, "t", state="READYFORINPUT", skip=0, take=9) == []
        assert len(await repo.list_orders(conn, "t", state="SCHEDULED", skip=0, take=9)) == 5


async def test_event_sequence_is_monotonic_and_resumable(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        for i in range(3):
            await event_log.append(
                conn,
                dialect="d",
                tenant="a" if i % 2 else "b",
                order_id=None,
                new=[Event("e", T0, {"i": i})],
            )
    async with runtime.db.transaction() as conn:
        everything = await event_log.read(conn)
        seqs = [e.seq for e in everything]
        assert seqs == sorted(seqs)
        assert len(set(seqs)) == 3
        assert [e.payload["i"] for e in await event_log.read(conn, since=seqs[0])] == [1, 2]
        assert [e.payload["i"] for e in await event_log.read(conn, tenant="b")] == [0, 2]


async def test_timers_come_due_in_order_and_fire_once(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        await timers.add(
            conn,
            [
                (None, TimerRequest(T0 + timedelta(seconds=5), KIND, {"n": 2})),
                (None, TimerRequest(T0 + timedelta(seconds=1), KIND, {"n": 1})),
                (None, TimerRequest(T0 + timedelta(seconds=5), KIND, {"n": 3})),
                (None, TimerRequest(T0 + timedelta(seconds=9), KIND, {"n": 4})),
            ],
        )
    async with runtime.db.transaction() as conn:
        due = await timers.due(conn, T0 + timedelta(seconds=5))
        assert [t.payload["n"] for t in due] == [1, 2, 3]
        assert await timers.next_due_at(conn) == T0 + timedelta(seconds=1)
        assert await timers.claim(conn, due[0].id)
        assert not await timers.claim(conn, due[0].id)


async def test_clock_and_keys_persist(runtime: Runtime) -> None:
    async with runtime.db.transaction() as conn:
        stored = await clock_store.load(conn)
        assert stored is not None
        assert stored[0].anchor == T0
        assert stored[1] == await clock_store.version(conn) == 1
        tenant_id = await tenants.ensure_tenant(conn, "acme", T0)
        assert await tenants.ensure_tenant(conn, "acme", T0) == tenant_id
        assert await tenants.add_key(conn, tenant_id, "secret", T0)
        assert not await tenants.add_key(conn, tenant_id, "secret", T0)
        assert await tenants.add_key(conn, tenant_id, "shop", T0, origin="Webshop_A_123")
        assert await tenants.caller_for_key(conn, "secret") == ("acme", None)
        assert await tenants.caller_for_key(conn, "shop") == ("acme", "Webshop_A_123")
        assert await tenants.caller_for_key(conn, "dev") == ("dev", None)
        assert await tenants.caller_for_key(conn, "nope") is None
