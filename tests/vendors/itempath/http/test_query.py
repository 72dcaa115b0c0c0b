"""ItemPath's date arguments as the vendor's API course lists them ("Date Format"): relative
words on pickbay's clock, and dates and times to any precision."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from pickbay.core.errors import InvalidInput
from pickbay.core.query import Day
from pickbay.runtime import Runtime
from pickbay.vendors.itempath.http.query import ORDER_FIELDS, parse_condition, parse_date
from tests.vendors.itempath.http.test_routes import login

NOW = datetime(2024, 3, 31, 15, 30, 5, 250000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("now", NOW),
        ("today", Day(date(2024, 3, 31))),
        ("yesterday", Day(date(2024, 3, 30))),
        ("lastDay", datetime(2024, 3, 30, 15, 30, 5, 250000, tzinfo=UTC)),
        ("lastweek", datetime(2024, 3, 24, 15, 30, 5, 250000, tzinfo=UTC)),
        ("lastMonth", datetime(2024, 2, 29, 15, 30, 5, 250000, tzinfo=UTC)),  # no 31 February
        ("lastYear", datetime(2023, 3, 31, 15, 30, 5, 250000, tzinfo=UTC)),
        ("2022-01", Day(date(2022, 1, 1))),
        ("2022-01-23", Day(date(2022, 1, 23))),
        ("2022-01-23T09", datetime(2022, 1, 23, 9, tzinfo=UTC)),
        ("2022-01-23T09:07", datetime(2022, 1, 23, 9, 7, tzinfo=UTC)),
        ("2022-01-23T09:07:21.2", datetime(2022, 1, 23, 9, 7, 21, 200000, tzinfo=UTC)),
        ("2022-01-23T09:07:21.205010", datetime(2022, 1, 23, 9, 7, 21, 205010, tzinfo=UTC)),
        ("2022-01-23T10:07:21+01:00", datetime(2022, 1, 23, 9, 7, 21, tzinfo=UTC)),
    ],
)
def test_every_date_form_of_the_course_means_what_it_says(text: str, meant: object) -> None:
    assert parse_date(text, NOW) == meant


def test_last_month_and_last_year_stay_in_their_month() -> None:
    assert parse_date("lastMonth", datetime(2024, 1, 15, tzinfo=UTC)) == datetime(
        2023, 12, 15, tzinfo=UTC
    )
    assert parse_date("lastYear", datetime(2024, 2, 29, tzinfo=UTC)) == datetime(
        2023, 2, 28, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["2022-13", "2022-1", "lastDecade", "2022-01-23T25", ""])
def test_a_date_that_is_none_is_a_400_naming_the_argument(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_condition("creationDate", ORDER_FIELDS["creationDate"], f"[gt]{text}", NOW)
    assert list(caught.value.errors) == ["creationDate"]


async def test_relative_dates_filter_on_the_sandbox_clock(
    client: httpx.AsyncClient, app_runtime: Runtime
) -> None:
    async def auth() -> dict[str, str]:
        r = await login(client)  # afresh: an access token lasts 15 minutes of sandbox time
        return {"Authorization": f"Bearer {r.json()['accessToken']}"}

    body = {
        "name": "REL-1",
        "directionType": 2,
        "order_lines": [{"materialName": "S101", "quantity": 1}],
    }
    assert (await client.post("/api/orders", json=body, headers=await auth())).is_success

    async def count(query: str) -> int:
        r = await client.get(f"/api/orders?{query}&countOnly=true", headers=await auth())
        assert r.status_code == 200, r.text
        found: int = r.json()["count"]
        return found

    assert await count("name=REL-1&creationDate=[gt]lastDay") == 1
    assert await count("name=REL-1&creationDate=[lte]now") == 1
    await app_runtime.scheduler.advance(8 * 86400)
    assert await count("name=REL-1&creationDate=[gt]lastWeek") == 0
    assert await count("name=REL-1&creationDate=[gt]lastMonth") == 1
    assert await count("name=REL-1&creationDate=[lt]lastWeek") == 1
