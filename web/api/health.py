"""Health and statistics: is the archive searchable, and what is in it."""

from __future__ import annotations

from fastapi import APIRouter, Request

from arshif import __version__
from web.api.models import HealthOut, StatsOut
from web.errors import E503
from web.service import Service, service_from

router = APIRouter()

@router.get(
    "/health", response_model=HealthOut, summary="Is the engine reachable?",
    responses=E503,
    description="200 with the engine's name, location and document count when the archive can be searched "
                "(and, on Elasticsearch/OpenSearch, the cluster's state: green, yellow or red, and its nodes); "
                "503 with `Retry-After` when it cannot. Cheap enough for a load balancer's health check: "
                "it answers within ~2 s even when a node is frozen.",
)
def health(request: Request) -> HealthOut:
    service = service_from(request)
    engine = service.engine
    state = engine.health()  # fast: remote engines use their short health timeout
    return HealthOut(status="ok", engine=engine.name, location=engine.location, documents=state["documents"],
                     cluster=state.get("cluster"), version=__version__,
                     write_api=bool(service.settings.api_key))


@router.get(
    "/stats", response_model=StatsOut, summary="Archive statistics",
    responses=E503,
    description="What the engine reports about the archive: documents, languages, sources, translation status, "
                "date range and size (fields beyond `engine` and `documents` depend on the engine).",
)
def stats(service: Service) -> StatsOut:
    data = service.engine.stats()
    return StatsOut(**data)
