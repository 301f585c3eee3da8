"""OpenAPI additions: every operation documents its problem+json errors."""

from __future__ import annotations

from typing import Any

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


def add_problem_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if status not in responses:
                    responses[status] = {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    }
                else:
                    content = responses[status].setdefault("content", {})
                    content["application/problem+json"] = {"schema": ref}
    return result
