"""Every page at phone width (390 x 844, a touch screen that honours the viewport meta tag):
no sideways page scroll, every control on screen and a tap target of at least 44 px. On a
bot's page no panel scrolls sideways and each one's key columns are on screen, measured from
the element boxes: the band badge and distance from the mark, a fill's side, price and
markout, the position and its uPnL, an event's time, kind and words; the other columns are a
second line under their row; the 24-hour chart's hour labels are at least 10 px.

Two bots in one `runbot` (bundled simulator), so the overview has rows with controls; the
simulator's market is moved through the bid once, for a fill and a position to show.
"""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, free_port, start_two_bots, wait_until

WIDTH, HEIGHT = 390, 844
TAP = 44  # px: the smallest comfortable touch target (Apple HIG, WCAG 2.5.5)
LEGIBLE = 10  # px: the smallest text size asked of the chart's labels
PANEL_WIDTHS = (
    "id => [document.getElementById(id).scrollWidth, document.getElementById(id).clientWidth]"
)
SCREENSHOTS = REPO / "test-artifacts"


@pytest.fixture
def runbot(tmp_path):
    bot = start_two_bots(tmp_path, {"WEB_PORT": str(free_port()), "SIM_PORT": str(free_port())})
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
    fill_our_bid(phone, runbot)
    assert_key_columns_on_screen(phone)
    assert_fits(phone, "bot-page-with-a-fill")

    phone.goto(f"{base}/api/docs")
    expect(phone.locator(".opblock").first).to_be_visible(timeout=15000)
    assert_fits(phone, "api-docs")
    assert_tappable(phone.get_by_role("link", name="← Dashboard"), "API docs: back link")
    assert_tappable(phone.locator(".opblock-summary-control").first, "API docs: an operation")

    # Django's admin is its own (responsive) design: it must at least not break.
    for path in ("/admin/", "/admin/trading/botconfig/", "/admin/trading/orderevent/"):
        phone.goto(base + path)
        assert_fits(phone, "admin" + path.replace("/", "-").rstrip("-"))


def fill_our_bid(page, runbot) -> None:
    """The simulator's BTC mid moved through our bid: a fill, a long position, and a fresh
    pair of quotes around the new mid."""
    bid = page.locator('#panel-market tr.ours.bid [data-field="price"]').text_content()
    sim = f"http://127.0.0.1:{runbot.env['SIM_PORT']}"
    mid = str(Decimal(bid.strip().replace(",", "")) - 20)
    r = httpx.post(f"{sim}/sim/market", json={"symbol": "BTC-USD", "frozen": True, "mid": mid})
    assert r.status_code == 200, r.text
    expect(page.locator("#panel-fills tr[data-trade]").first).to_be_visible(timeout=20000)
    expect(page.locator('#panel-account tr[data-symbol="BTC-USD"]')).to_be_visible(timeout=20000)
    expect(page.locator("#panel-market tr.ours.bid .badge")).to_be_visible(timeout=20000)


def box_of(locator, what: str) -> dict:
    """The element's box; asked again when a pushed frame replaced the panel in between."""
    return wait_until(lambda: locator.bounding_box(), timeout=10, what=f"{what} on the page")


def assert_on_screen(locator, panel, what: str) -> None:
    """Inside its panel's box and the screen: seen without scrolling sideways."""
    box, frame = box_of(locator, what), box_of(panel, what + "'s panel")
    left, right = box["x"], box["x"] + box["width"]
    assert frame["x"] <= left and right <= frame["x"] + frame["width"], f"{what}: {box} in {frame}"
    assert left >= 0 and right <= WIDTH, f"{what} is off-screen: {box}"


def assert_key_columns_on_screen(page) -> None:
    for panel_id in page.eval_on_selector_all("#live .panel", "els => els.map(e => e.id)"):
        scroll, client = page.evaluate(PANEL_WIDTHS, panel_id)
        assert scroll <= client, f"#{panel_id} scrolls sideways: {scroll} px in {client} px"

    market = page.locator("#panel-market")
    for side in ("bid", "ask"):
        row = market.locator(f"tr.ours.{side}")
        assert_on_screen(row.locator(".badge"), market, f"our {side}'s band badge")
        assert_on_screen(
            row.locator('[data-field="bps_from_mark"]'), market, f"our {side} from mark"
        )
        expect(row.locator("+ tr.more")).to_contain_text("bps from mid")

    fills = page.locator("#panel-fills")
    fill = fills.locator("tr[data-trade]").first
    for cell, what in (
        (".side", "side"),
        ('[data-field="price"]', "price"),
        ('[data-field="markout"]', "markout"),
    ):
        assert_on_screen(fill.locator(cell), fills, f"the fill's {what}")
    assert_on_screen(fill.locator("+ tr.more"), fills, "the fill's second line")
    expect(fill.locator("+ tr.more")).to_contain_text(re.compile(r"qty .* fee .* PnL"))

    account = page.locator("#panel-account")
    position = account.locator('tr[data-symbol="BTC-USD"]')
    assert_on_screen(position.locator('[data-field="qty"]'), account, "the position")
    assert_on_screen(position.locator('[data-field="upnl"]'), account, "the position's uPnL")

    events = page.locator("#panel-events")
    event = events.locator("tbody tr:not(.more)").first
    for cell, what in (("td.mono", "time"), (".kind", "kind"), ("td.msg", "words")):
        assert_on_screen(event.locator(cell).first, events, f"the newest event's {what}")
    assert box_of(event.locator("td.msg"), "words")["width"] >= 150, "room for the words"
    assert box_of(event, "the newest event")["height"] <= 60, "an event is a line or two"

    uptime = page.locator("#panel-uptime")
    labels = uptime.locator(".chart-hours span")
    assert labels.count() >= 3
    for i in range(labels.count()):
        label = labels.nth(i)
        size = label.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= LEGIBLE, f"the chart's label {label.text_content()!r} is {size} px"
        assert_on_screen(label, uptime, f"the chart's label {label.text_content()!r}")
