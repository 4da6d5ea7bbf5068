"""Every page at phone width (390 x 844, a touch screen that honours the viewport meta tag):
no sideways page scroll, every control on screen and a tap target of at least 44 px.

Two bots in one `runbot` (bundled simulator), so the overview has rows with controls.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, free_port, start_two_bots, wait_until

WIDTH, HEIGHT = 390, 844
TAP = 44  # px: the smallest comfortable touch target (Apple HIG, WCAG 2.5.5)
SCREENSHOTS = REPO / "test-artifacts"


@pytest.fixture
def runbot(tmp_path):
    bot = start_two_bots(tmp_path, {"WEB_PORT": str(free_port())})
    yield bot
    bot.stop()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def assert_fits(page, name: str) -> None:
    """The document is no wider than the screen: nothing to scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)
    assert width <= WIDTH, f"{name}: the page is {width} px wide on a {WIDTH} px screen"


def assert_tappable(locator, what: str) -> None:
    """Visible, inside the screen's width and at least TAP x TAP px."""
    expect(locator).to_be_visible()
    # The overview's rows are pushed again every second: the element found visible may be
    # replaced before it is measured (seen under load: no box). Measure the one there now.
    box = wait_until(locator.bounding_box, what=f"{what} laid out")
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{what} is off-screen: {box}"
    assert box["width"] >= TAP and box["height"] >= TAP, f"{what} is too small to tap: {box}"


def assert_nav(page, name: str) -> None:
    nav = page.locator("nav.account")
    for what in ("API", "Admin"):
        assert_tappable(nav.get_by_role("link", name=what, exact=True), f"{name}: {what}")
    assert_tappable(nav.get_by_role("button", name="Log out"), f"{name}: Log out")


def test_every_page_fits_a_phone(phone, runbot):
    link = runbot.wait_for(r"dashboard: (http://\S+/accounts/link/\S+)", timeout=60).group(1)
    base = link.split("/accounts/")[0]

    phone.goto(f"{base}/accounts/login/")
    assert_fits(phone, "login")
    for field in ("username", "password"):
        assert_tappable(phone.locator(f"input[name={field}]"), f"login: {field}")
    assert_tappable(phone.get_by_role("button", name="Log in"), "login: Log in")

    # Two bots: the link lands on the overview. Each bot is a card with its controls in reach.
    phone.goto(link)
    expect(phone.locator("#conn")).to_have_attribute("data-state", "live", timeout=10000)
    for bot in ("default", "eth"):
        expect(phone.locator(f'#bot-row-{bot} [data-field="state"]')).to_have_attribute(
            "data-state", "running", timeout=20000
        )
    assert_fits(phone, "overview")
    assert_nav(phone, "overview")
    assert_tappable(phone.locator("#kill-all"), "overview: Kill all")
    for bot in ("default", "eth"):
        for action in ("start", "stop", "kill"):
            button = phone.locator(f"#bot-row-{bot} button.btn-{action}")
            assert_tappable(button, f"overview: {bot}'s {action}")
    phone.locator("#bot-row-eth button.btn-stop").tap()
    expect(phone.locator("#flash")).to_contain_text("eth stop: sent to the engine")
    assert_fits(phone, "overview-after-stop")

    # A bot's page: the controls on top, the panels (wide tables included) within the screen.
    phone.goto(f"{base}/bots/default/")
    expect(phone.locator("#panel-status .state")).to_have_attribute(
        "data-state", "running", timeout=15000
    )
    expect(phone.locator("#panel-orders .count")).to_have_attribute(
        "data-count", "2", timeout=15000
    )
    assert_fits(phone, "bot-page")
    assert_nav(phone, "bot page")
    for label in ("Start", "Stop", "Kill"):
        assert_tappable(
            phone.locator("nav.controls").get_by_role("button", name=label), f"bot page: {label}"
        )
    assert_tappable(phone.locator("#panel-config button[type=submit]"), "bot page: Apply")
    assert_tappable(phone.locator("#panel-config select[name=symbol]"), "bot page: symbol")

    phone.goto(f"{base}/api/docs")
    expect(phone.locator(".opblock").first).to_be_visible(timeout=15000)
    assert_fits(phone, "api-docs")
    assert_tappable(phone.get_by_role("link", name="← Dashboard"), "API docs: back link")
    assert_tappable(phone.locator(".opblock-summary-control").first, "API docs: an operation")

    # Django's admin is its own (responsive) design: it must at least not break.
    for path in ("/admin/", "/admin/trading/botconfig/", "/admin/trading/orderevent/"):
        phone.goto(base + path)
        assert_fits(phone, "admin" + path.replace("/", "-").rstrip("-"))
