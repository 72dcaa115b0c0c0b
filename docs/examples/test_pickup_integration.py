"""An integrator's test against a real pickbay: `pip install pickbay`, then `pytest`.

The `pickbay` fixture comes with the package (a pytest plugin); nothing to import or configure.
"""

import json
import urllib.request


def send_order(base_url: str, api_key: str, number: str) -> dict:
    """What the integration under test does: send a Pickup Cloud order."""
    body = {
        "orderNumber": number,
        "relatedNotes": "$pickup-010-030",  # the robot stores it at 10 s; picked up at 30 s
        "articles": [{"scanCode": "5948912001188", "name": "Aspirin", "quantityOrdered": 1}],
    }
    request = urllib.request.Request(
        base_url + "/orders",
        data=json.dumps(body).encode(),
        headers={"x-api-key": api_key, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def order_states(pickbay) -> list:
    """The order states pickbay's event feed has recorded so far."""
    return [
        e["payload"]["orderState"]
        for e in pickbay.events(dialect="pickup_cloud")
        if e["type"] == "order.state_changed"
    ]


def test_an_order_is_stored_then_picked_up(pickbay):
    order = send_order(pickbay.pickup_cloud_url, pickbay.api_key, "A-1")
    assert order["state"] == "READYFORINPUT"

    pickbay.advance(15)  # virtual seconds: the robot inputs the packs at 10 s
    assert order_states(pickbay) == ["READYFORINPUT", "READYFORPICKUP"]

    pickbay.advance(15)  # the customer collects at 30 s
    assert order_states(pickbay)[-1] == "PICKEDUP"


def test_every_test_gets_a_fresh_pickbay(pickbay):
    assert pickbay.events() == []
