"""Background work for recognition (django-tasks): certificates are rendered off the request, and badges are
recomputed after an organisation turns them back on. Each task calls an idempotent service, so running twice is
harmless."""

from __future__ import annotations

import logging

from django_tasks import task

from thamdee.recognition import services

log = logging.getLogger(__name__)


@task()
def certificate_render_task(public_id: str) -> bool:
    try:
        return services.certificate_render(public_id=public_id)
    except Exception:
        log.exception("credential %s: the certificate could not be rendered", public_id)
        services.certificate_failed(public_id=public_id)
        raise


@task()
def recognition_recompute_task(organisation_id: int) -> int:
    return services.recognition_recompute_for_organisation(organisation_id)
