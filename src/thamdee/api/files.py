"""API views whose answer is a file (an evidence photo, a PDF): a client may ask for the file's own type, and an
error is still problem+json."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.problems import JSONOrProblemRenderer


class FileRenderer(BaseRenderer):
    """Lets a client that asks for the file's own type (``Accept: image/jpeg``, ``application/pdf``) reach the view;
    the file is the response, nothing is rendered."""

    media_type = "*/*"
    format = "file"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class FileApiView(APIView):
    """An API view that answers with a file (a ``FileResponse``) or an error. An error goes out as problem+json
    even to a client that asked for the file's type."""

    renderer_classes = [JSONOrProblemRenderer, FileRenderer]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and isinstance(getattr(response, "accepted_renderer", None), FileRenderer):
            response.accepted_renderer = JSONOrProblemRenderer()  # an error to a client that asked for the file
            response.accepted_media_type = JSONOrProblemRenderer.media_type
        return response
