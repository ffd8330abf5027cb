"""Real Redis for the worker tests: a free database number on the COATI_TEST_REDIS_URL server
(never the machine's data: a database with no keys is chosen, and only the keys this test
wrote are deleted), and a real ``dramatiq`` worker process group to start, kill and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from coati_payroll.queue import NAMESPACE


@contextmanager
def free_redis_database() -> Iterator[str]:
    """A URL of an empty database of the test Redis server; its keys are removed afterwards.
    Skips when COATI_TEST_REDIS_URL is unset or the server does not answer."""
    raw = os.environ.get("COATI_TEST_REDIS_URL", "").strip()
    if not raw:
        pytest.skip("COATI_TEST_REDIS_URL is not set: real-Redis worker tests skipped")
    base = raw.rsplit("/", 1)[0] if raw.count("/") > 2 else raw
    try:
        probe = redis.Redis.from_url(raw, socket_connect_timeout=2, socket_timeout=2)
        probe.ping()
        databases = int(probe.config_get("databases").get("databases", 16))
    except redis.RedisError as error:
        pytest.skip(f"COATI_TEST_REDIS_URL={raw}: Redis not reachable ({error})")
    finally:
        probe.close()
    for number in range(databases - 1, 0, -1):
        url = f"{base}/{number}"
        client = redis.Redis.from_url(url, socket_timeout=2)
        marker = f"{NAMESPACE}:test-lock"
        if client.dbsize() == 0 and client.set(marker, str(os.getpid()), nx=True, ex=3600):
            try:
                yield url
            finally:
                for key in client.scan_iter(match=f"{NAMESPACE}:*"):
                    client.delete(key)
                client.close()
            return
        client.close()
    pytest.skip("no empty Redis database left on the test server")


class WorkerGroup:
    """``dramatiq coati_payroll.worker.app`` (or any command) in its own process group."""

    def __init__(self, command: list[str], env: Mapping[str, str], log: Path) -> None:
        self.command = command
        self.env = dict(env)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL the parent and every worker process at once (kill -9)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def dramatiq_command(processes: int = 1, threads: int = 2) -> list[str]:
    return [str(Path(sys.executable).with_name("dramatiq")), "coati_payroll.worker.app",
            "--processes", str(processes), "--threads", str(threads)]


def wait_until(check: object, seconds: float, what: str, step: float = 0.05) -> float:
    """Poll ``check()`` until true; returns the seconds waited. Fails after ``seconds``."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(step)
    raise AssertionError(f"{what}: not within {seconds} s")
