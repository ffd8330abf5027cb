"""End to end, the deployment of systemd/README.md: both units' ExecStart commands with their
Environment= values, on this machine's PostgreSQL and Redis.

1. Install into a temporary ``coati-payroll`` directory as the README says (the source, a
   ``.venv`` with ``payrollctl`` and ``dramatiq``, an ``instance`` directory, an env file with
   the secrets). The README's ``pip install .`` downloads the dependencies; to stay offline
   and fast the test gives the new virtualenv the dependencies already installed here (a
   ``.pth`` file) and writes the two console scripts pip would write.
2. Start the web unit's ExecStart (it migrates the database: COATI_AUTO_MIGRATE=1) and the
   worker unit's, with ``${DRAMATIQ_WORKER_PROCESSES}``/``${DRAMATIQ_WORKER_THREADS}``
   expanded from the unit's Environment= lines as systemd does.
3. Sign in over HTTP, calculate a 1,000-employee run (it goes to the background), wait for it
   through the JSON progress endpoint, and compare every amount with a synchronous run of the
   same data.
4. Calculate again, kill the worker (SIGKILL, the whole process group) in the middle, start
   it again: the run finishes within 60 s, identical.
5. A second web process whose REDIS_URL points at an unused loopback port: the run is
   calculated synchronously, the reason says Redis is unreachable, the page still works.

Skips when COATI_TEST_POSTGRES_URL or COATI_TEST_REDIS_URL is unset or unreachable. Every
wait is bounded; every process is stopped in ``finally``; the database and the Redis keys
are the test's own.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
for helper in ("services", "worker"):
    path = str(ROOT / "tests" / helper)
    if path not in sys.path:
        sys.path.insert(0, path)

from background_support import assert_same_as_reference, reference  # noqa: E402
from redis_support import WorkerGroup, free_redis_database, wait_until  # noqa: E402
from runs_support import ACTOR, PERIOD, new_uow  # noqa: E402

from coati_payroll.db.engine import make_engine  # noqa: E402
from coati_payroll.services.runs import create_run  # noqa: E402
from coati_payroll.services.runs_apply import void_run  # noqa: E402

INSTALL = "/home/coati/coati-payroll"
EMPLOYEES = 1000
RECOVERY_LIMIT_SECONDS = 60

pytestmark = [pytest.mark.slow]


# -- the units --------------------------------------------------------------------------------

def unit(name: str) -> tuple[dict[str, str], str]:
    """Environment= values and the ExecStart line of ``systemd/<name>``."""
    values: dict[str, str] = {}
    exec_start = ""
    for line in (ROOT / "systemd" / name).read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r'Environment="([A-Z_]+)=(.*)"', line.strip())
        if match:
            values[match[1]] = match[2]
        elif line.startswith("ExecStart="):
            exec_start = line.removeprefix("ExecStart=")
    assert exec_start, name
    return values, exec_start


def command(exec_start: str, env: dict[str, str], home: Path) -> list[str]:
    """The ExecStart line as systemd runs it: ``${VAR}`` expanded, paths moved to ``home``."""
    line = exec_start.replace(INSTALL, str(home))
    line = re.sub(r"\$\{([A-Z_]+)\}", lambda m: env[m[1]], line)
    return line.split()


# -- installation -----------------------------------------------------------------------------

def install(home: Path) -> None:
    """README "Installation", offline (see the module docstring)."""
    home.mkdir(parents=True)
    for name in ("src", "systemd"):
        shutil.copytree(ROOT / name, home / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, home / name)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home / ".venv")],
                   check=True, timeout=120)
    [site] = (home / ".venv" / "lib").glob("python3*/site-packages")
    here = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "coati_payroll_deployment.pth").write_text(
        "\n".join([str(home / "src"), *here]) + "\n", encoding="utf-8")
    python = home / ".venv" / "bin" / "python"
    for script, target in (("payrollctl", "coati_payroll.cli.main:main"),
                           ("dramatiq", "dramatiq.cli:main")):
        module, function = target.split(":")
        path = home / ".venv" / "bin" / script
        path.write_text(f"#!{python}\nimport sys\nfrom {module} import {function}\n"
                        f"sys.exit({function}())\n", encoding="utf-8")
        path.chmod(0o755)
    (home / "instance").mkdir(mode=0o700)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- HTTP -------------------------------------------------------------------------------------

class Browser:
    """Just enough of a browser: cookies (the session cookie is Secure in production, so a
    cookie jar would not send it over http to 127.0.0.1; this one does) and CSRF tokens."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), text
        finally:
            connection.close()

    def get(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status, text[:500])
        return text

    def post_form(self, page: str, action: str, fields: dict[str, str]) -> tuple[int, str]:
        html = self.get(page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert token, f"no CSRF token on {page}"
        status, headers, text = self.request("POST", action,
                                             {"csrf_token": token[1], **fields})
        if status in (302, 303):
            location = urllib.parse.urlsplit(headers.get("Location", "/")).path
            return status, self.get(location)
        return status, text

    def login(self, user: str, password: str) -> None:
        status, html = self.post_form("/auth/login", "/auth/login",
                                      {"username": user, "password": password})
        assert status in (302, 303), html[:500]

    def progress(self, run_id: int) -> dict[str, Any]:
        return dict(json.loads(self.get(f"/runs/{run_id}/progress")))


def wait_http(port: int, process: WorkerGroup, seconds: float = 90) -> None:
    def up() -> bool:
        assert process.process is not None and process.process.poll() is None, \
            process.log.read_text(errors="replace")[-3000:]
        try:
            status, _, _ = Browser(port).request("GET", "/health")
        except OSError:
            return False
        return status == 200

    wait_until(up, seconds, f"web on port {port}", step=0.2)


def calculate(browser: Browser, run_id: int) -> str:
    status, html = browser.post_form(f"/runs/{run_id}", f"/runs/{run_id}/calculate", {})
    assert status in (302, 303), html[:1000]
    return html


def under_way(report: dict[str, Any]) -> bool:
    return bool(report["chunks"]["done"] >= 1 and report["chunks"]["running"] >= 1)


def new_draft(engine: Any, run_id: int) -> int:
    void_run(new_uow(engine), ACTOR, run_id, "next scenario of the deployment test")
    return create_run(new_uow(engine), ACTOR, _definition(engine, run_id), PERIOD.start,
                      PERIOD.end, PERIOD.payment_date).id


def _definition(engine: Any, run_id: int) -> int:
    from coati_payroll.services.runs import show_run

    return show_run(new_uow(engine), run_id).definition_id


# -- the test ---------------------------------------------------------------------------------

@pytest.mark.parametrize("database_server", ["postgresql"], indirect=True)
def test_deployment_end_to_end(empty_db_url: str, tmp_path: Path) -> None:
    postgres_database = empty_db_url  # a new, empty database: the web unit migrates it
    web_env, web_exec = unit("coati-payroll.service")
    worker_env, worker_exec = unit("coati-payroll-worker.service")
    home = tmp_path / "coati-payroll"
    install(home)
    password = secrets.token_urlsafe(16)
    processes: list[WorkerGroup] = []
    with free_redis_database() as redis_url:
        # The env file of README "Configuration": secrets and this machine's servers.
        local = {"DATABASE_URL": postgres_database, "REDIS_URL": redis_url,
                 "SECRET_KEY": secrets.token_hex(32), "ADMIN_PASSWORD": password,
                 "COATI_INSTANCE_PATH": str(home / "instance"), "PORT": str(free_port()),
                 # Many small chunks, so that a kill can land mid-run (the unit's 500 would
                 # make 1,000 employees two chunks that finish together).
                 "PAYROLL_CHUNK_SIZE": "50"}
        base = {k: v for k, v in os.environ.items()
                if k in ("PATH", "LANG", "LC_ALL", "HOME", "TZ")}
        web = {**base, **{k: v.replace(INSTALL, str(home)) for k, v in web_env.items()},
               **local}
        worker = {**base, **{k: v.replace(INSTALL, str(home)) for k, v in worker_env.items()},
                  **local}
        assert web["QUEUE_ENABLED"] == "1" and int(web["BACKGROUND_PAYROLL_THRESHOLD"]) < EMPLOYEES
        web_process = WorkerGroup(command(web_exec, web, home), web, tmp_path / "web.log")
        worker_process = WorkerGroup(command(worker_exec, worker, home), worker,
                                     tmp_path / "worker.log")
        processes += [web_process, worker_process]
        try:
            web_process.start()
            wait_http(int(web["PORT"]), web_process)
            worker_process.start()
            engine = make_engine(postgres_database)
            ref = reference(engine, EMPLOYEES)  # the synchronous run of the same data
            browser = Browser(int(web["PORT"]))
            browser.login(web["ADMIN_USER"], password)
            assert json.loads(browser.get("/ready"))["checks"]["queue"] == "ok"

            # 1. In the background, to the end.
            html = calculate(browser, ref.run_id)
            assert "background" in html
            wait_until(lambda: browser.progress(ref.run_id)["finished"], 180,
                       "background run generated", step=0.5)
            report = browser.progress(ref.run_id)
            assert (report["status"], report["mode"]) == ("generated", "background")
            assert (report["total"], report["done"], report["percent"]) == (EMPLOYEES,
                                                                            EMPLOYEES, 100)
            assert_same_as_reference(engine, ref, ref.run_id)

            # 2. The worker killed mid-run (kill -9) and started again.
            second = new_draft(engine, ref.run_id)
            calculate(browser, second)
            wait_until(lambda: under_way(browser.progress(second)), 120,
                       "second run under way", step=0.02)
            worker_process.kill()
            assert browser.progress(second)["status"] == "calculating"
            restarted = time.monotonic()
            worker_process.start()
            wait_until(lambda: browser.progress(second)["finished"],
                       RECOVERY_LIMIT_SECONDS + 30, "run recovered", step=0.5)
            recovery = time.monotonic() - restarted
            print(f"deployment: recovered {recovery:.1f} s after the worker restarted")
            assert recovery <= RECOVERY_LIMIT_SECONDS
            assert browser.progress(second)["status"] == "generated"
            assert_same_as_reference(engine, ref, second)

            # 3. Redis unreachable for a new web process: synchronous, with the reason.
            with socket.socket() as unused:
                unused.bind(("127.0.0.1", 0))
                dead_port = unused.getsockname()[1]
            offline = {**web, "REDIS_URL": f"redis://127.0.0.1:{dead_port}/0",
                       "PORT": str(free_port()), "COATI_AUTO_MIGRATE": "0"}
            offline_process = WorkerGroup(command(web_exec, offline, home), offline,
                                          tmp_path / "web-offline.log")
            processes.append(offline_process)
            offline_process.start()
            wait_http(int(offline["PORT"]), offline_process)
            third = new_draft(engine, second)
            other = Browser(int(offline["PORT"]))
            other.login(offline["ADMIN_USER"], password)
            status, _, body = other.request("GET", "/ready")
            assert status == 503 and json.loads(body)["checks"]["queue"] == "unavailable"
            calculate(other, third)
            report = other.progress(third)
            assert (report["status"], report["mode"]) == ("generated", "synchronous")
            assert report["events"][-1]["code"] == "synchronous.redis_unreachable"
            assert f"127.0.0.1:{dead_port}" in report["events"][-1]["message"]
            assert_same_as_reference(engine, ref, third)
            engine.dispose()
        finally:
            for process in reversed(processes):
                process.stop()
