"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

The fixtures are defined here and made available by ``conftest.py``; the test modules import
the helpers (``shot``, ``sign_in``, ``Server`` …) from this module.

* ``app_server`` (session) — a fresh SQLite database in a temporary folder, prepared with the
  real commands (``payrollctl db upgrade``, ``users ensure-admin``, ``users create hr``,
  ``demo --employees 30``), then ``payrollctl serve`` on a free loopback port in its own
  process group, with a bounded wait for ``/health``. The background queue is off
  (QUEUE_ENABLED=0): runs are calculated in the request.
* ``start_server(name, **environment)`` — another ``payrollctl serve`` on the same database
  with other settings (the background-run test uses it with Redis); stopped at the end.
* ``browser`` (session) — Chromium (``/usr/bin/chromium``, or ``COATI_CHROMIUM``) launched
  headless with the flags this machine needs (no sandbox as root, no GPU, no network
  chatter); ``new_page(server, user)`` — a fresh context (its own cookies), signed in as
  ``admin`` or ``hr`` through the login form.
* ``shot(page, name)`` — a full-page screenshot ``test-artifacts/screenshots/<name>.png``
  (the folder is git-ignored); server logs go to ``test-artifacts/browser/``.

Everything skips with the reason when the ``playwright`` package or the Chromium binary is
missing; in CI (.ci/run installs ``chromium``; ``make install`` installs ``playwright``) both
exist, so the tests run. Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "browser"
CHROMIUM = os.environ.get("COATI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PAYROLLCTL = str(Path(sys.executable).with_name("payrollctl"))
ADMIN = "admin"
HR = "hr-clerk"
PASSWORDS = {ADMIN: "admin-" + secrets.token_hex(8), HR: "hr-" + secrets.token_hex(8)}
DEMO_EMPLOYEES = 30
START_SECONDS = 60
COMMAND_SECONDS = 120
TIMEOUT_MS = 15_000
# Only these variables of the caller's environment reach the servers: a DATABASE_URL or
# REDIS_URL of the developer's shell must never point the tests at real data.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def _requirements() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[dev]'): "
                    "browser tests skipped")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set "
                    "COATI_CHROMIUM): browser tests skipped")


def free_port() -> int:
    """A free loopback port from the kernel's ephemeral range (never one of Chromium's
    refused 'unsafe' ports such as 5060/5061, which live below it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_command(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([PAYROLLCTL, *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=COMMAND_SECONDS, check=False)
    assert done.returncode == 0, (f"payrollctl {' '.join(args)} failed ({done.returncode}):\n"
                                  f"{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Server:
    """A ``payrollctl serve`` process group on 127.0.0.1:port."""

    name: str
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [PAYROLLCTL, "serve", "--port", str(self.port), "--threads", "4"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail(f"{self.name}: payrollctl serve exited with "
                            f"{self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"{self.name}: /health did not answer within {START_SECONDS} s:\n"
                    f"{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass(frozen=True)
class Installation:
    """The prepared database and the environment every process of the tests shares."""

    env: dict[str, str]
    folder: Path


@pytest.fixture(scope="session")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    _requirements()
    folder = tmp_path_factory.mktemp("browser")
    instance = folder / "instance"
    instance.mkdir()
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.update({
        "ENVIRONMENT": "test",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{(instance / 'coati_payroll.db').as_posix()}",
        "COATI_INSTANCE_PATH": str(instance),
        "ADMIN_USER": ADMIN,
        "ADMIN_PASSWORD": PASSWORDS[ADMIN],
        "QUEUE_ENABLED": "0",
        "RATELIMIT_ENABLED": "0",
        "DEFAULT_LANGUAGE": "en",
        "LOG_LEVEL": "WARNING",
    })
    run_command(env, "db", "upgrade")
    run_command(env, "users", "ensure-admin")
    run_command(env, "users", "create", HR, "--role", "hr", "--password-stdin",
                stdin=PASSWORDS[HR] + "\n")
    run_command(env, "demo", "--employees", str(DEMO_EMPLOYEES))
    return Installation(env, folder)


@pytest.fixture(scope="session")
def start_server(installation: Installation) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(name: str, **environment: str) -> Server:
        server = Server(name, {**installation.env, **environment})
        started.append(server)
        server.start()
        return server

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture(scope="session")
def app_server(start_server: Callable[..., Server]) -> Server:
    """The application with the background queue off (runs calculated in the request)."""
    return start_server("web")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _requirements()
    from playwright.sync_api import sync_playwright

    # launch() gives Chromium a new, empty temporary profile (--user-data-dir) every time and
    # deletes it on close; passing --user-data-dir ourselves is refused by Playwright.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(page: Any, server: Server, username: str) -> None:
    page.goto(f"{server.url}/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    with page.expect_navigation():
        page.click("#content form button[type=submit]")
    assert "/auth/login" not in page.url, page.locator(".flash").all_inner_texts()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """``new_page(server, user="admin")``: a page of a fresh browser context (its own
    cookies: two users never share a session), signed in through the form."""
    contexts: list[Any] = []

    def make(server: Server, username: str | None = ADMIN) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      accept_downloads=True, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda dialog: dialog.accept())  # data-confirm buttons
        if username is not None:
            sign_in(page, server, username)
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
