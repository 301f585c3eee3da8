"""Background work for vouchers (django-tasks).

A reservation schedules its own expiry (``run_after`` the voucher's expiry, where the backend can defer); a
cancellation enqueues its refund. Every task calls an idempotent service, so a task that runs twice, or runs
alongside the sweeper (``thamdee vouchers expire``, for sites without a worker), refunds once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from thamdee.rewards import services

log = logging.getLogger(__name__)


@task()
def voucher_expire_task(public_id: str) -> bool:
    return services.voucher_expire(public_id=public_id)


@task()
def voucher_refund_task(public_id: str) -> bool:
    return services.voucher_refund(public_id=public_id)


@task()
def vouchers_sweep_task() -> dict[str, int]:
    result = services.vouchers_sweep()
    return {"expired": result.expired, "refunded": result.refunded, "failed": result.failed}


def schedule_expiry(public_id: str, expires_at: dt.datetime) -> None:
    """Enqueue the voucher's expiry for the moment it is due. A backend that cannot defer (the immediate one in
    tests and development) is left to the sweeper: running the expiry now would find nothing to do."""
    backend = voucher_expire_task.get_backend()
    if not backend.supports_defer:
        return
    try:
        voucher_expire_task.using(run_after=expires_at).enqueue(public_id)
    except Exception:  # the sweeper will expire it anyway; a reservation must not fail for want of a queue
        log.exception("voucher %s: could not schedule its expiry", public_id)
