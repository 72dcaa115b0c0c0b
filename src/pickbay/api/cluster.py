"""The deployment as a whole: its processes, who holds each role, how far behind work is."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pickbay.api import answers
from pickbay.api.common import PREFIX, Admin
from pickbay.http.common import JsonResponse, runtime

router = APIRouter(prefix=PREFIX + "/cluster", tags=["Cluster"], dependencies=[Admin])


@router.get("", summary="Processes, roles and lags", response_model=answers.Cluster)
async def read_cluster(request: Request) -> JsonResponse:
    """The live processes (heartbeat in the last 5 s) with their relay lag and roles; each
    role's lease (holder, fencing token, last progress); the webhook outbox's lag behind the
    event log and its pending deliveries; pending and due timers. `process` is the one that
    answered."""
    rt = runtime(request)
    return JsonResponse(await rt.cluster.view())
