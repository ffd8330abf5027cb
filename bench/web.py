"""Benchmark: the web pages people wait for, under 8 concurrent signed-in clients.

Usage: python bench/web.py [--employees 10000] [--clients 8] [--seconds 20] [--db URL]
                           [--threads 8] [--profile N]

1. Database: a SQLite file in a temporary directory by default; ``--db`` names any other
   existing, **empty** database (it is migrated; nothing is dropped). ``payrollctl db upgrade``
   and ``payrollctl demo --employees N`` (the Quick start's demo company: 10,000 employees
   with loans and novelties) fill it, then a run of the payroll MONTHLY for the current month
   is created and calculated with the services (``calculate_run``). None of this is timed.
2. Server: ``payrollctl serve`` (waitress, ``--threads``) on a free loopback port with
   production settings: ENVIRONMENT=production, a generated SECRET_KEY and ADMIN_PASSWORD,
   an explicit DATABASE_URL, signed-cookie sessions, the login throttle on (memory).
3. Load: each client is a thread with its own keep-alive HTTP connection and session cookie,
   signed in through the real form (CSRF token included). For ``--seconds`` every client
   requests, in turn: the employee list (first page, a later page through its cursor, and
   searches by name, code and status), the run's review page (pages 1 … N/50, by the URLs
   of its Next links — keyset cursors — collected once before the timing) and a payslip
   page (a different employee each time). Each request has a 30 s timeout; a request that
   fails or does not answer 200 counts as an error.
4. Prints one JSON line::

     {"benchmark": "web", "backend", "employees", "clients", "seconds", "server_threads",
      "pages": {"employees": {requests, rps, p50_ms, p95_ms, max_ms, errors}, "review": {…},
                "payslip": {…}}, "target_p95_ms": 300, "within_target": bool}

   and exits 1 when a page had errors. The server is always stopped; every wait is bounded.

``--profile N`` then also profiles each page in this process, one request at a time (the same
app and settings through Flask's test client, N requests per page under cProfile), and prints
the top functions by cumulative time to stderr: where a slow page spends its time. (cProfile
on the server process itself would see only waitress's main thread, not the request threads.)
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PAYROLLCTL = str(Path(sys.executable).with_name("payrollctl"))
TARGET_P95_MS = 300
REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 90.0
PAGES = ("employees", "review", "payslip")
SEARCHES = ("?q=Ana", "?q=D0042", "?q=Morales", "?status=all", "?company=DEMO", "?q=Rosa+Ruiz")
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')
_NEXT = re.compile(r'rel="next" href="([^"]+)"')


# -- setup (not timed) --------------------------------------------------------------------------

def _command(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([PAYROLLCTL, *args], env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    if done.returncode:
        raise SystemExit(f"payrollctl {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def prepare(env: dict[str, str], employees: int) -> tuple[int, list[int]]:
    """Migrate, load the demo company, calculate a run; its id and its employees' ids."""
    _command(env, "db", "upgrade")
    _command(env, "demo", "--employees", str(employees))
    import sqlalchemy as sa

    from coati_payroll.db.engine import make_engine, make_session_factory
    from coati_payroll.db.models import PayrollDefinition, RunEmployee
    from coati_payroll.services.actor import Actor
    from coati_payroll.services.runs import calculate_run, create_run
    from coati_payroll.services.uow import UnitOfWork

    engine = make_engine(env["DATABASE_URL"])
    try:
        uow = UnitOfWork(make_session_factory(engine))
        with uow:
            definition_id = uow.session.execute(sa.select(PayrollDefinition.id).where(
                PayrollDefinition.code == "MONTHLY")).scalar_one()
        today = date.today()
        end = date(today.year, today.month, monthrange(today.year, today.month)[1])
        actor = Actor.system("bench/web.py")
        run = create_run(uow, actor, definition_id, today.replace(day=1), end, end)
        summary = calculate_run(uow, actor, run.id)
        if summary.failed or summary.computed != employees:
            raise SystemExit(f"the run did not calculate every employee: {summary}")
        with uow:
            ids = list(uow.session.execute(sa.select(RunEmployee.employee_id).where(
                RunEmployee.run_id == run.id).order_by(RunEmployee.employee_id)).scalars())
        return run.id, ids
    finally:
        engine.dispose()


# -- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(env: dict[str, str], port: int, threads: int,
                 log: Path) -> subprocess.Popen[bytes]:
    command = [PAYROLLCTL, "serve", "--port", str(port), "--threads", str(threads)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"the server did not answer /health within {START_TIMEOUT} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


# -- the clients --------------------------------------------------------------------------------

class Client:
    """One browser-like session: a keep-alive connection and the session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()  # reconnect on the next request
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                         timeout=REQUEST_TIMEOUT)
            raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("coati_session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def login(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/auth/login")
        match = _CSRF.search(page)
        if status != 200 or not match:
            raise SystemExit(f"no login form ({status})")
        form = urllib.parse.urlencode({"csrf_token": match.group(1) or match.group(2),
                                       "username": username, "password": password})
        status, location, _ = self.request("POST", "/auth/login", form)
        if status not in (302, 303) or "/auth/login" in location:
            raise SystemExit(f"sign-in refused ({status} → {location!r})")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {page: [] for page in PAGES})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAGES, 0))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, ok: bool) -> None:
        with self.lock:
            if ok:
                self.latencies[page].append(seconds)
            else:
                self.errors[page] += 1


def review_paths(port: int, password: str, run_id: int) -> list[str]:
    """The run's review pages in order, reached as a user does: through the Next links."""
    client = Client(port)
    client.login("admin", password)
    paths = [f"/runs/{run_id}/review"]
    while len(paths) < 100_000:
        status, _, page = client.request("GET", paths[-1])
        if status != 200:
            raise SystemExit(f"review page {paths[-1]} answered {status}")
        found = _NEXT.search(page)
        if not found:
            break
        paths.append(html.unescape(found.group(1)))
    client.connection.close()
    return paths


def urls(page: str, number: int, employee_ids: list[int], later_page: str,
         reviews: list[str]) -> str:
    if page == "employees":
        choices = ("/employees/", later_page, *(f"/employees/{s}" for s in SEARCHES))
        return choices[number % len(choices)]
    if page == "review":
        return reviews[number * 37 % len(reviews)]
    employee = employee_ids[number * 7919 % len(employee_ids)]
    return f"{reviews[0].rsplit('/', 1)[0]}/employees/{employee}"


def client_loop(index: int, port: int, password: str, reviews: list[str],
                employee_ids: list[int],
                start: threading.Barrier, deadline: list[float], tally: Tally,
                failures: list[str]) -> None:
    try:
        client = Client(port)
        client.login("admin", password)
        _, _, first = client.request("GET", "/employees/")
        found = _NEXT.search(first)
        later = found.group(1).replace("&amp;", "&") if found else "/employees/?status=all"
    except BaseException as error:  # reported by the main thread
        failures.append(f"client {index}: {error}")
        start.abort()
        return
    start.wait(timeout=120)
    number = index * 1000
    while time.monotonic() < deadline[0]:
        for page in PAGES:
            path = urls(page, number, employee_ids, later, reviews)
            began = time.perf_counter()
            try:
                status, _, _ = client.request("GET", path)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            tally.add(page, time.perf_counter() - began, ok)
        number += 1
    client.connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure(port: int, password: str, reviews: list[str], employee_ids: list[int],
            clients: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    failures: list[str] = []
    start = threading.Barrier(clients + 1)
    deadline = [float("inf")]
    threads = [threading.Thread(target=client_loop, daemon=True, args=(
        i, port, password, reviews, employee_ids, start, deadline, tally, failures))
        for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=180)  # every client signed in
    except threading.BrokenBarrierError:
        raise SystemExit("clients could not sign in: " + "; ".join(failures)) from None
    began = time.monotonic()
    deadline[0] = began + seconds
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    return tally, time.monotonic() - began


def profile_pages(env: dict[str, str], password: str, reviews: list[str],
                  employee_ids: list[int], requests: int) -> None:
    """cProfile of ``requests`` requests per page, one at a time, in this process."""
    import cProfile
    import pstats

    from coati_payroll.settings import Settings
    from coati_payroll.web.app import create_app

    app = create_app(Settings.from_env(env))
    client = app.test_client()
    https = {"base_url": "https://127.0.0.1"}  # production cookies are Secure
    match = _CSRF.search(client.get("/auth/login", **https).get_data(as_text=True))
    assert match, "no login form"
    client.post("/auth/login", data={"csrf_token": match.group(1) or match.group(2),
                                     "username": "admin", "password": password},
                headers={"Referer": "https://127.0.0.1/auth/login"}, **https)
    for page in PAGES:
        paths = [urls(page, n, employee_ids, "/employees/?status=all", reviews)
                 for n in range(requests)]
        if client.get(paths[0], **https).status_code != 200:  # warm-up; signed in?
            raise SystemExit(f"profile: {paths[0]} did not answer 200")
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        for path in paths:
            client.get(path, **https)
        profiler.disable()
        mean = (time.perf_counter() - began) / requests * 1000
        print(f"\n== {page}: {mean:.1f} ms a request under cProfile, one at a time",
              file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--db", help="an existing, empty database (default: temporary SQLite)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="then profile N requests of each page in-process (stderr)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="coati-bench-web-") as directory:
        folder = Path(directory)
        password = secrets.token_urlsafe(18)
        env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TZ")
               if name in os.environ}
        env.update({
            "ENVIRONMENT": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "ADMIN_USER": "admin",
            "ADMIN_PASSWORD": password,
            "DATABASE_URL": args.db or f"sqlite:///{(folder / 'web.db').as_posix()}",
            "COATI_INSTANCE_PATH": str(folder / "instance"),
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        })
        (folder / "instance").mkdir()
        run_id, employee_ids = prepare(env, args.employees)
        port = free_port()
        log = folder / "server.log"
        server = start_server(env, port, args.threads, log)
        try:
            reviews = review_paths(port, password, run_id)
            tally, elapsed = measure(port, password, reviews, employee_ids, args.clients,
                                     args.seconds)
        finally:
            stop_server(server)
        backend = env["DATABASE_URL"].split(":", 1)[0].split("+", 1)[0]
        report(tally, elapsed, backend, args)
        if args.profile:
            profile_pages(env, password, reviews, employee_ids, args.profile)
    return 1 if any(tally.errors.values()) else 0


def report(tally: Tally, elapsed: float, backend: str, args: argparse.Namespace) -> None:
    pages: dict[str, Any] = {}
    for page in PAGES:
        done = tally.latencies[page]
        pages[page] = {
            "requests": len(done) + tally.errors[page],
            "rps": round(len(done) / elapsed, 1),
            "p50_ms": round(percentile(done, 0.50) * 1000, 1),
            "p95_ms": round(percentile(done, 0.95) * 1000, 1),
            "max_ms": round(max(done, default=float("nan")) * 1000, 1),
            "errors": tally.errors[page],
        }
    print(json.dumps({
        "benchmark": "web", "backend": backend, "employees": args.employees,
        "clients": args.clients, "seconds": round(elapsed, 1), "server_threads": args.threads,
        "pages": pages, "target_p95_ms": TARGET_P95_MS,
        "within_target": all(p["p95_ms"] <= TARGET_P95_MS for p in pages.values()),
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
