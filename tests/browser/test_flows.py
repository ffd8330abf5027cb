"""The user flows of the web application, end to end in Chromium (see docs/browser-tests.md).

Each test opens its own browser context and signs in through the login form. They share one
server and its database (the demo company DEMO with payroll MONTHLY), so later tests see what
earlier ones made: the run test finds the employees added by the employee test in its review
(the ``added_employees`` fixture adds them once, whichever test asks first).
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import ADMIN, HR, LOGS, PASSWORDS, TIMEOUT_MS, Server, shot, sign_in

pytestmark = [pytest.mark.slow]

NEW_EMPLOYEES = (("BT001", "Alicia", "Browser", "12500.00"),
                 ("BT002", "Tomás", "Playwright", "3150.50"))


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def select_matching(page: Any, selector: str, pattern: str) -> str:
    """Choose the first option of ``selector`` whose label matches ``pattern``."""
    for option in page.locator(f"{selector} option").all():
        if re.search(pattern, option.inner_text()):
            value: str = option.get_attribute("value") or ""
            page.select_option(selector, value)
            return value
    raise AssertionError(f"no option matching {pattern!r} in {selector}")


def flashes(page: Any) -> str:
    return " | ".join(page.locator(".flash").all_inner_texts())


# -- sign in ------------------------------------------------------------------------------------

def test_login_refuses_a_wrong_password_then_signs_in(app_server: Server,
                                                      new_page: Callable[..., Any]) -> None:
    page = new_page(app_server, None)
    page.goto(f"{app_server.url}/runs/")
    expect(page).to_have_url(re.compile(r"/auth/login"))  # signed-out users go to the form
    page.fill("#username", ADMIN)
    page.fill("#password", "not-the-password")
    page.click("#content form button[type=submit]")
    expect(page.locator(".flash-error, .field-error, .errors").first).to_be_visible()
    shot(page, "01-login-refused")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORDS[ADMIN])
    page.click("#content form button[type=submit]")
    expect(page.locator("header .user")).to_have_text(ADMIN)
    expect(page.locator("nav.mainnav")).to_contain_text("Payroll runs")
    shot(page, "02-dashboard")


# -- concepts -----------------------------------------------------------------------------------

def test_concept_wrong_formula_shows_the_position_then_is_fixed(
        app_server: Server, new_page: Callable[..., Any]) -> None:
    page = new_page(app_server)
    page.goto(f"{app_server.url}/concepts/")
    page.click("#concept-new")
    expect(page.locator("form#concept-form")).to_be_visible()
    page.fill("#code", "BT_BONUS")
    page.fill("#name", "Browser test bonus")
    page.select_option("#kind", "earning")

    # A wrong name on line 2: the live check shows the message and a caret under it.
    page.fill("#formula", "base_salary * 10%\n  + bogus_rate * 2")
    status = page.locator("#formula-status")
    expect(status).to_have_attribute("data-state", "error")
    errors = page.locator("#formula-errors")
    expect(errors).to_contain_text("line 2, column 5")
    expect(errors).to_contain_text("bogus_rate")
    caret = page.locator("#formula-caret")
    expect(caret).to_be_visible()
    expect(caret).to_have_attribute("data-line", "2")
    expect(caret).to_have_attribute("data-column", "5")
    expect(caret).to_contain_text("bogus_rate")
    caret_line = caret.locator("span.caret").inner_text()
    assert caret_line.strip() == "^" and caret_line.index("^") == 4, repr(caret_line)
    shot(page, "03-concept-formula-error")

    # Saving anyway is refused (422) with the same positioned error; every value is kept.
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("#concept-save")
    assert refused.value.status == 422
    expect(page.locator("#formula-status")).to_have_attribute("data-state", "error")
    expect(page.locator("#formula-errors")).to_contain_text("line 2, column 5")
    expect(page.locator("#formula-caret")).to_have_attribute("data-line", "2")
    expect(page.locator("#code")).to_have_value("BT_BONUS")
    expect(page.locator("#formula")).to_have_value("base_salary * 10%\n  + bogus_rate * 2")
    shot(page, "04-concept-save-refused")

    # The fix: the check turns ok and names what the formula reads; the draft is saved.
    page.fill("#formula", "base_salary * 10%\n  + 25")
    expect(status).to_have_attribute("data-state", "ok")
    expect(page.locator("#formula-caret")).to_be_hidden()
    expect(status.locator("[data-role=names]")).to_contain_text("base_salary")
    page.click("#concept-save")
    expect(page.locator("#concept-title")).to_have_attribute("data-concept", "BT_BONUS")
    expect(page.locator("#version-detail")).to_have_attribute("data-status", "draft")
    expect(page.locator("#version-formula")).to_contain_text("+ 25")
    shot(page, "05-concept-draft")

    # Four eyes: the author may not approve; a second person (hr) does.
    page.click("#approve-version")
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator("#version-detail")).to_have_attribute("data-status", "draft")
    detail = page.url
    reviewer = new_page(app_server, HR)
    reviewer.goto(detail)
    reviewer.click("#approve-version")
    expect(reviewer.locator("#version-detail")).to_have_attribute("data-status", "approved")
    shot(reviewer, "06-concept-approved-by-second-person")


# -- employees ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def added_employees(app_server: Server, browser: Any) -> list[str]:
    """Add NEW_EMPLOYEES through the form, then to the payroll MONTHLY (its page's search)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, app_server, ADMIN)
        for code, first, last, salary in NEW_EMPLOYEES:
            page.goto(f"{app_server.url}/employees/")
            page.click("#content a.button.primary[href*='/employees/new']")
            select_matching(page, "#company_id", r"^DEMO")
            page.fill("#code", code)
            page.fill("#first_name", first)
            page.fill("#last_name", last)
            page.fill("#hire_date", "2024-03-01")
            page.fill("#position", "QA analyst")
            page.fill("#salary", salary)
            page.select_option("#salary_currency", "USD")
            if code == NEW_EMPLOYEES[0][0]:
                shot(page, "07-employee-form")
            page.click("#content form button.primary[type=submit]")
            expect(page.locator(".flash-success")).to_contain_text(f"Employee {code} created")
        shot(page, "08-employee-created")
        page.goto(f"{app_server.url}/employees/?q=BT0")
        for code, *_ in NEW_EMPLOYEES:
            expect(page.locator("table.data")).to_contain_text(code)
        shot(page, "09-employee-list")

        page.goto(f"{app_server.url}/payrolls/")
        page.click("tr[data-payroll=MONTHLY] a")
        expect(page.locator("#payroll-title")).to_have_attribute("data-payroll", "MONTHLY")
        for code, *_ in NEW_EMPLOYEES:
            page.fill("#employee-query", code)
            page.click("#employee-search button[type=submit]")
            page.click(f"button[data-add-employee={code}]")
            expect(page.locator(f"tr[data-member={code}]")).to_be_visible()
        shot(page, "10-payroll-members")
    finally:
        context.close()
    return [code for code, *_ in NEW_EMPLOYEES]


def test_add_employees_through_the_form(app_server: Server, new_page: Callable[..., Any],
                                        added_employees: list[str]) -> None:
    page = new_page(app_server, HR)  # hr edits employees too
    page.goto(f"{app_server.url}/employees/?q=Browser")
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    page.click("table.data a:has-text('BT001')")
    expect(page.locator("#content")).to_contain_text("Alicia")
    expect(page.locator("#content")).to_contain_text("QA analyst")
    page.goto(f"{app_server.url}/payrolls/")
    page.click("tr[data-payroll=MONTHLY] a")
    for code in added_employees:
        expect(page.locator(f"tr[data-member={code}]")).to_be_visible()


# -- a payroll run, calculated in the request -------------------------------------------------

def create_run(page: Any, server: Server) -> int:
    page.goto(f"{server.url}/runs/")
    page.click("#run-new")
    select_matching(page, "#definition_id", r"MONTHLY|Monthly")
    expect(page.locator("#period_start")).not_to_have_value("")
    shot(page, "11-run-new")
    page.click("#run-create-submit")
    summary = page.locator("#run-summary")
    expect(summary).to_have_attribute("data-run-status", "draft")
    return int(summary.get_attribute("data-run-id"))


def test_payroll_run_review_payslip_approve_apply_pdf(
        app_server: Server, new_page: Callable[..., Any], added_employees: list[str],
        tmp_path: Path) -> None:
    page = new_page(app_server)
    run_id = create_run(page, app_server)

    page.click("#run-calculate")
    summary = page.locator("#run-summary")
    expect(summary).to_have_attribute("data-run-status", "generated")
    # QUEUE_ENABLED=0: calculated in this request, and the page says why.
    expect(page.locator(".flash-success, .flash-warning").first).to_contain_text(
        "calculated in this request: the background queue is disabled")
    expect(page.locator("#run-progress")).to_be_hidden()
    assert page.locator("#run-net").get_attribute("data-amount")
    shot(page, "12-run-generated")

    page.click("#run-review-link")
    count = page.locator("#review-count")
    total = int(count.get_attribute("data-total") or 0)
    assert total >= 30 + len(added_employees), total
    shot(page, "13-run-review")
    page.fill("#review-q", added_employees[0])
    page.click("#review-filter-submit")
    row = page.locator(f"#review-table tr[data-employee-code={added_employees[0]}]")
    expect(row).to_have_attribute("data-payslip-status", "ok")
    # The row's lines are fetched when its details are opened (js/review-lines.js).
    details = row.locator("details.review-lines")
    expect(details.locator("li[data-line-code]")).to_have_count(0)
    details.locator("summary").click()
    expect(details).to_have_attribute("data-loaded", "yes")
    expect(details.locator("li[data-line-code=INCOME_TAX]")).to_be_visible()
    row.locator("a.payslip-link").click()

    payslip = page.locator("article#payslip")
    expect(payslip).to_have_attribute("data-employee-code", added_employees[0])
    expect(page.locator("#payslip-employee")).to_contain_text("Alicia Browser")
    net_text = page.locator("#payslip-net").inner_text().strip()
    assert re.fullmatch(r"\$[\d,]+\.\d\d", net_text), net_text
    # The explanation of income tax: closed until its summary is clicked.
    trace = page.locator("details.trace[data-trace-for=INCOME_TAX]")
    expect(trace).not_to_have_attribute("open", "")
    expect(trace.locator(".trace-formula")).to_be_hidden()
    trace.locator("summary").click()
    expect(trace).to_have_attribute("open", "")
    expect(trace.locator(".trace-formula")).to_contain_text('table("INCOME_TAX"')
    expect(trace.locator(".trace-values li").first).to_be_visible()
    expect(trace.locator(".trace-table li").first).to_contain_text("INCOME_TAX")
    shot(page, "14-payslip-explained")

    # Approve and apply (runs have no four-eyes rule; the confirm dialogs are accepted).
    page.goto(f"{app_server.url}/runs/{run_id}")
    page.click("#run-approve")
    expect(summary).to_have_attribute("data-run-status", "approved")
    page.click("#run-apply")
    expect(summary).to_have_attribute("data-run-status", "applied")
    assert "applied" in flashes(page)
    shot(page, "15-run-applied")

    # The payslip PDF, downloaded as a user does: a PDF whose text holds the net as shown.
    page.goto(f"{app_server.url}/runs/{run_id}/review?q={added_employees[0]}")
    page.locator("a.payslip-link").first.click()
    expect(page.locator("#payslip-net")).to_have_text(net_text)
    with page.expect_download() as info:
        page.click("#payslip-pdf")
    download = info.value
    target = tmp_path / (download.suggested_filename or "payslip.pdf")
    download.save_as(str(target))
    body = target.read_bytes()
    assert body.startswith(b"%PDF"), body[:20]
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)
    assert net_text in text, (net_text, text[:2000])
    assert added_employees[0] in text


# -- a payroll run in the background, with a real worker ---------------------------------------

@pytest.fixture
def redis_database() -> Iterator[str]:
    """An empty database number of COATI_TEST_REDIS_URL's server, so that this test's queue
    (namespace ``coati-payroll`` inside it) is its own; its keys are deleted afterwards."""
    raw = os.environ.get("COATI_TEST_REDIS_URL", "").strip()
    if not raw:
        pytest.skip("COATI_TEST_REDIS_URL is not set: the background-run flow is skipped")
    import redis

    base = raw.rsplit("/", 1)[0] if raw.count("/") > 2 else raw
    try:
        probe = redis.Redis.from_url(raw, socket_connect_timeout=2, socket_timeout=2)
        databases = int(str(probe.config_get("databases").get("databases") or 16))
        probe.close()
    except redis.RedisError as error:
        pytest.skip(f"COATI_TEST_REDIS_URL={raw}: Redis not reachable ({error}); the "
                    "background-run flow is skipped")
    for number in range(databases - 1, 0, -1):
        url = f"{base}/{number}"
        client = redis.Redis.from_url(url, socket_timeout=2)
        if client.dbsize() == 0 and client.set("coati-browser-test:lock", os.getpid(),
                                               nx=True, ex=3600):
            try:
                yield url
            finally:
                for key in client.scan_iter(match="coati-*"):
                    client.delete(key)
                client.close()
            return
        client.close()
    pytest.skip("no empty database left on the test Redis server")


@pytest.fixture
def start_worker(redis_database: str) -> Iterator[Callable[[dict[str, str]], None]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str]) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        with (LOGS / "worker.log").open("wb") as out:
            processes.append(subprocess.Popen(
                [str(Path(sys.executable).with_name("payrollctl")), "worker", "--processes",
                 "1", "--threads", "1"], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True))

    yield start
    for process in processes:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass


def test_background_run_progress_reaches_100_percent(
        start_server: Callable[..., Server], new_page: Callable[..., Any],
        redis_database: str, start_worker: Callable[[dict[str, str]], None],
        added_employees: list[str]) -> None:
    queue = {"QUEUE_ENABLED": "1", "REDIS_URL": redis_database,
             "BACKGROUND_PAYROLL_THRESHOLD": "10", "PAYROLL_CHUNK_SIZE": "4"}
    server = start_server("web-queue", **queue)
    page = new_page(server)
    percents: list[int] = []

    def record(route: Any) -> None:  # what the page's script receives, read on the way
        response = route.fetch()
        if response.ok:
            percents.append(int(response.json()["percent"]))
        route.fulfill(response=response)

    page.route(re.compile(r"/runs/\d+/progress$"), record)
    create_run(page, server)
    # No worker yet: the run waits in the queue and the page shows the bar at 0 %.
    page.click("#run-calculate")
    expect(page.locator(".flash-info")).to_contain_text("The calculation runs in the background")
    expect(page.locator(".flash-info")).to_contain_text("more than the background threshold of 10")
    progress = page.locator("section#run-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-run-status", "calculating")
    expect(page.locator("#run-progress-bar")).to_be_visible()
    shot(page, "16-run-progress-waiting")

    start_worker(server.env)
    # The script polls every second and reloads the page once the run has finished.
    expect(page.locator("#run-summary")).to_have_attribute("data-run-status", "generated",
                                                           timeout=120_000)
    assert percents and percents[-1] == 100, percents
    assert percents == sorted(percents), percents
    expect(page.locator("#run-progress")).to_be_hidden()
    shot(page, "17-run-progress-done")
    page.click("#run-review-link")
    assert int(page.locator("#review-count").get_attribute("data-total") or 0) >= 32
    # The run stays generated; void it so the period is free for whoever comes next.
    page.go_back()
    page.fill("#reason", "browser test: background run")
    page.click("#run-void")
    expect(page.locator("#run-summary")).to_have_attribute("data-run-status", "voided")


# -- Spanish ------------------------------------------------------------------------------------

def test_switch_to_spanish(app_server: Server, new_page: Callable[..., Any]) -> None:
    page = new_page(app_server, HR)
    page.goto(f"{app_server.url}/runs/")
    calculated = "#runs-table tr:is([data-run-status=generated], [data-run-status=approved], " \
        "[data-run-status=applied])"
    if not page.locator(calculated).count():  # run alone: calculate a run first
        create_run(page, app_server)
        page.click("#run-calculate")
        expect(page.locator("#run-summary")).to_have_attribute("data-run-status", "generated")
        page.goto(f"{app_server.url}/runs/")
    expect(page.locator("h1")).to_have_text("Payroll runs")
    page.select_option("#language-select", "es")  # data-autosubmit: the page reloads
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Nóminas")
    expect(page.locator("nav.mainnav")).to_contain_text("Empleados")
    shot(page, "18-spanish-runs")
    page.locator(f"{calculated} a").first.click()
    net = page.locator("#run-net").inner_text().strip()
    # Spanish money: decimal comma, the currency after a no-break space (1.234,56 US$).
    assert re.fullmatch(r"[\d.]+,\d\d\u00a0US\$", net), repr(net)
    page.click("#run-review-link")
    page.locator("a.payslip-link").first.click()
    expect(page.locator("#payslip h1")).to_have_text("Comprobante de pago")
    assert re.fullmatch(r"[\d.]+,\d\d\u00a0US\$", page.locator("#payslip-net").inner_text())
    shot(page, "19-spanish-payslip")
    page.select_option("#language-select", "en")  # leave hr as it was
    expect(page.locator("html")).to_have_attribute("lang", "en")
