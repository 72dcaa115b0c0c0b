from enum import StrEnum

import pytest

from pickbay.core.errors import InvalidTransition
from pickbay.core.lifecycle import Lifecycle
from pickbay.vendors.pickup_cloud.model import ARTICLE_LIFECYCLE, ArticleTrigger, PickupState


class Light(StrEnum):
    RED = "red"
    GREEN = "green"


class Go(StrEnum):
    GO = "go"
    STOP = "stop"


def test_listed_transitions_apply_and_others_are_refused() -> None:
    life = Lifecycle("light", [([Light.RED], Go.GO, Light.GREEN)])
    assert life.next(Light.RED, Go.GO) is Light.GREEN
    assert life.allows(Light.RED, Go.GO)
    with pytest.raises(InvalidTransition, match="cannot stop in state red"):
        life.next(Light.RED, Go.STOP)


def test_triggers_are_what_may_fire_now_and_none_in_a_final_state() -> None:
    life = Lifecycle(
        "light",
        [([Light.RED], Go.GO, Light.GREEN), ([Light.GREEN, Light.RED], Go.STOP, Light.RED)],
    )
    assert life.triggers(Light.RED) == [Go.GO, Go.STOP]
    assert life.triggers(Light.GREEN) == [Go.STOP]
    assert ARTICLE_LIFECYCLE.triggers(PickupState.CANCELED) == []


def test_a_transition_listed_twice_is_a_table_error() -> None:
    with pytest.raises(ValueError, match="twice"):
        Lifecycle("x", [([Light.RED], Go.GO, Light.GREEN), ([Light.RED], Go.GO, Light.RED)])


S, T = PickupState, ArticleTrigger


@pytest.mark.parametrize(
    ("state", "trigger", "expected"),
    [
        (S.SCHEDULED, T.PREPARE, S.READYFORINPUT),
        (S.READYFORINPUT, T.STORE, S.READYFORPICKUP),
        (S.READYFORPICKUP, T.PICK_UP, S.PICKEDUP),
        (S.PICKEDUP, T.RESCHEDULE, S.SCHEDULED),
        (S.SCHEDULED, T.CANCEL, S.CANCELED),
        (S.READYFORINPUT, T.CANCEL, S.CANCELED),
        (S.READYFORPICKUP, T.CANCEL, S.CANCELED),
    ],
)
def test_pickup_article_lifecycle(state: S, trigger: T, expected: S) -> None:
    assert ARTICLE_LIFECYCLE.next(state, trigger) is expected


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (S.PICKEDUP, T.CANCEL),
        (S.CANCELED, T.CANCEL),
        (S.CANCELED, T.PREPARE),
        (S.READYFORINPUT, T.PICK_UP),
        (S.SCHEDULED, T.STORE),
    ],
)
def test_pickup_article_lifecycle_refuses(state: S, trigger: T) -> None:
    assert not ARTICLE_LIFECYCLE.allows(state, trigger)


def test_the_table_is_exactly_the_documented_one() -> None:
    assert len(ARTICLE_LIFECYCLE.transitions) == 7
