"""The search contract: one request and one response shape for every engine."""

from arshif.search.contract import (  # noqa: F401
    DateBucket,
    FacetRequest,
    FacetValue,
    Filters,
    Hit,
    SearchRequest,
    SearchResponse,
)
from arshif.search.syntax import ParsedQuery, QuerySyntaxError, parse_query  # noqa: F401
