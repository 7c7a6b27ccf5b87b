from celery import shared_task

from mentoring import health


@shared_task(acks_late=True, ignore_result=True)
def heartbeat_task() -> None:
    """Proves the worker consumes tasks and beat schedules them; /healthz reads the stamp."""
    health.record_worker_heartbeat()
