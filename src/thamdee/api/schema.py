"""OpenAPI additions: every operation documents its problem+json errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from thamdee.common.errors import DomainError

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 7807 problem details, with a stable machine code and the message in Thai and English.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "detail_th": {"type": "string"},
        "detail_en": {"type": "string"},
        "seconds": {"type": "integer", "description": "429: the seconds to wait, as Retry-After says"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "code"],
    "additionalProperties": True,
}

ERROR_STATUSES = {
    "400": "Invalid input",
    "401": "Not signed in",
    "403": "Not allowed",
    "404": "Not found (also what a foreign object looks like)",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict with existing data",
    "415": "Unsupported media type",
    "429": "Too many requests",
}

# Answered to any call with a body declared larger than THAMDEE["MAX_REQUEST_BYTES"], before any view runs
# (common.middleware.RefuseLargeRequestsMiddleware): documented on every operation that takes a body.
BODY_ERROR_STATUSES = {
    "413": "Request body too large (request_too_large)",
}


def unavailable(*errors: type[DomainError]) -> OpenApiResponse:
    """The 503 of an operation that can answer one of these domain errors (the server cannot do it now; the same
    call may work later), for its ``@extend_schema(responses={..., 503: unavailable(...)})``. Only the operations
    that can raise them declare it; ``add_problem_responses`` gives it the problem+json body."""
    codes = ", ".join(error.code for error in errors)
    return OpenApiResponse(description=f"Cannot be done now; try again later ({codes})")


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            statuses = {**ERROR_STATUSES, **(BODY_ERROR_STATUSES if "requestBody" in operation else {})}
            for status, description in statuses.items():
                responses.setdefault(status, {"description": description})
            # Every error an operation documents, ours or its own (a 503 of ``unavailable``), is a problem.
            for status, response in responses.items():
                if str(status)[:1] in {"4", "5"}:
                    response.setdefault("content", {})["application/problem+json"] = {"schema": ref}
    return result
