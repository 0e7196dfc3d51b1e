"""Property-based tests of the API against its own OpenAPI document (schemathesis v4, in-process ASGI).

Every operation, write endpoints included (with a key, on a throwaway archive),
gets generated valid and invalid requests; each answer must not be a server error
and must match the documented response schema for its status code. Hypothesis is
driven directly (``operation.as_strategy()``) rather than through schemathesis'
pytest plugin, whose lazy loader relies on a pytest internal gone in pytest 9.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from arshif.engines.embedded import EmbeddedEngine
from arshif.settings import Settings
from indexer.pipeline import ingest
from tests.conftest import DEMO
from fastapi import FastAPI

from web.api import router as api_router
from web.app import create_app

API_KEY = "schemathesis-key"


@pytest.fixture(scope="module")
def api_app(archive_settings):
    return create_app(archive_settings)


@pytest.fixture(scope="module")
def write_app(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("schemathesis") / "data", translator="none",
                        api_key=API_KEY)
    eng = EmbeddedEngine(settings.embedded_path)
    ingest([DEMO], eng)
    eng.close()
    return create_app(settings)


@pytest.fixture(scope="module")
def read_schema(api_app):
    return schemathesis.openapi.from_asgi("/openapi.json", api_app)


@pytest.fixture(scope="module")
def write_schema(write_app):
    return schemathesis.openapi.from_asgi("/openapi.json", write_app)


def operations() -> list:
    """Every API operation and generation mode, read from the API router's OpenAPI document so a new endpoint
    is tested automatically. Negative (invalid-input) cases only for operations that take some input."""
    bare = FastAPI()
    bare.include_router(api_router)
    cases = []
    for path, ops in bare.openapi()["paths"].items():
        for method, op in sorted(ops.items()):
            has_input = bool(op.get("parameters") or op.get("requestBody"))
            method = method.upper()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                if mode is GenerationMode.POSITIVE or has_input:
                    cases.append(pytest.param(method, path, mode, id=f"{method} {path} {mode.value}"))
    return cases


WRITES = {("POST", "/api/articles"), ("DELETE", "/api/articles/{article_id}"),
          ("POST", "/api/saved-searches"), ("PATCH", "/api/saved-searches/{search_id}"),
          ("DELETE", "/api/saved-searches/{search_id}"), ("POST", "/api/saved-searches/{search_id}/seen")}
CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                   database=None, phases=[Phase.explicit, Phase.generate])


@pytest.mark.parametrize("method,path,mode", operations())
def test_every_operation_conforms_to_its_schema(request, method, path, mode):
    is_write = (method, path) in WRITES
    schema = request.getfixturevalue("write_schema" if is_write else "read_schema")
    operation = schema[path][method]
    headers = {"X-API-Key": API_KEY} if is_write else None

    @given(case=operation.as_strategy(generation_mode=mode))
    @BOUNDED
    def run(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    run()
