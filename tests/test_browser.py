"""The console and the board in a real browser: Debian's chromium via Playwright.

Without chromium these tests say plainly that they were skipped; under
``CI=true`` a missing browser is a failure instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from contact_center.demo import seed_demo_users

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium): browser tests skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _log_in(browser, base_url: str, username: str, password: str):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    return page


def test_wrong_password_is_refused(browser, live_server):
    seed_demo_users(live_server.services.db)
    page = _log_in(browser, live_server.url, "alice", "not-her-password")
    assert "Wrong username or password" in page.text_content("#login-error")
    page.context.close()


def test_agent_takes_a_call_while_the_board_watches(browser, live_server, virtual_twilio):
    seed_demo_users(live_server.services.db)
    board = _log_in(browser, live_server.url, "sam", "sam-demo")
    board.wait_for_selector("#connection[data-connected='true']")
    console = _log_in(browser, live_server.url, "alice", "alice-demo")
    console.wait_for_selector("#go-available:enabled")
    console.click("#go-available")
    console.wait_for_selector("#agent-state[data-state='available']")
    assert console.text_content("#agent-state") == "Available"
    assert "Waiting for a call" in console.text_content("#idle-text")
    board.wait_for_selector("tr.agent-row[data-agent='Alice Archer'][data-state='available']")
    board.wait_for_selector("#agent-counts li[data-state='available']:text-is('Available: 1')")
    # Queues a flow can reach are listed before any call arrives.
    assert board.text_content("tr.queue-row[data-queue='technical'] td.waiting") == "0"

    call = virtual_twilio.place_call("+15005550006", "+15005550001", digits=["1", "1"],
                                     talk_seconds=30, wait_poll_interval=0.2, time_scale=0.05).start()
    console.wait_for_selector("#offer:not([hidden])")
    assert console.text_content("#caller-phone") == "+15005550006"
    assert console.text_content("#offer-ivr-path") == "language → menu_en → billing_en"
    board.wait_for_selector("tr.queue-row[data-queue='billing'] td.waiting:text-is('1')")

    assert console.is_hidden("#idle")
    console.click("#accept")
    console.wait_for_selector("#wrap-up:not([hidden])", timeout=20_000)
    assert call.join(20) and not call.heard_application_error
    board.wait_for_selector("tr.queue-row[data-queue='billing'] td.waiting:text-is('0')")

    console.fill("#note", "Refund issued")
    console.click("#finish-wrap-up")
    console.wait_for_selector("#agent-state[data-state='available']")
    board.wait_for_selector("tr.agent-row[data-agent='Alice Archer'][data-state='available']")
    board.context.close()
    console.context.close()


def test_reloading_the_console_mid_call_keeps_the_callers_page(browser, live_server, virtual_twilio):
    seed_demo_users(live_server.services.db)
    console = _log_in(browser, live_server.url, "boris", "boris-demo")
    console.wait_for_selector("#go-available:enabled")
    console.click("#go-available")
    call = virtual_twilio.place_call("+15005550142", "+15005550001", digits=["2", "2"],
                                     talk_seconds=150, wait_poll_interval=0.2, time_scale=0.05).start()
    console.wait_for_selector("#offer:not([hidden])")
    console.click("#accept")
    console.wait_for_selector("#in-call:not([hidden])")

    console.reload()
    console.wait_for_selector("#in-call:not([hidden])")
    assert console.text_content("#caller-phone") == "+15005550142"
    assert console.text_content("#offer-ivr-path") == "language → menu_ru → technical_ru"
    assert console.is_hidden("#offer-actions")  # no second accept
    console.wait_for_selector("#wrap-up:not([hidden])", timeout=30_000)
    assert call.join(20) and not call.heard_application_error
    console.context.close()
