"""Background work on the production queue: a real RedisHuey on the Redis server at
127.0.0.1:6379 (or ANJU_TEST_REDIS_URL). The task goes into Redis, comes back out, and
runs the real ledger job; the JobRun records its progress and result."""

import os
import uuid
from pathlib import Path

import pytest
import redis
from django.core.files.base import ContentFile
from huey import RedisHuey

from anju.core.models import JobRun, JobStatus
from anju.households.ledger.jobs import ledger_job_run

REDIS_URL = os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "ledger-example.csv"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def huey():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError as exc:
        pytest.fail(
            f"Redis is not answering at {REDIS_URL} ({exc}); start it or set "
            "ANJU_TEST_REDIS_URL. The suite never skips this test."
        )
    queue = RedisHuey(f"anju-test-{uuid.uuid4().hex}", url=REDIS_URL)
    yield queue
    queue.storage.flush_all()


def test_ledger_check_runs_through_a_real_redis_queue(cast, huey):
    run = huey.task()(ledger_job_run)
    job = JobRun.objects.create(
        kind="ledger.check",
        created_by=cast.users["officer"],
        params={"dry_run": True, "source": EXAMPLE.name, "allow_new_estates": True},
    )
    job.input_file.save(EXAMPLE.name, ContentFile(EXAMPLE.read_bytes()))

    run(job.pk)
    assert huey.pending_count() == 1  # it is in Redis, not run in-process
    huey.execute(huey.dequeue())

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.percent == 100
    assert job.result["rows"] > 0 and job.result["written"] is False


def test_django_cache_works_on_redis(settings):
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(REDIS_URL, {})
    key = f"anju-test-{uuid.uuid4().hex}"
    cache.set(key, {"n": 1}, 30)
    assert cache.get(key) == {"n": 1}
    cache.delete(key)
