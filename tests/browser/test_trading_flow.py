"""The demo flow in a real browser against the whole running product
(issue 6's acceptance): log in, open a market, rest a paper GTC order below
the best bid, fill a marketable one and see the position with its P&L,
cancel the resting order, pull the kill switch and re-arm. Every step
leaves a screenshot in var/screenshots/, at desktop and phone widths.

Orders go through the real worker, fills come from the stream's books of the
sandbox venue, and status changes reach the page over the account socket.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.stack import DEMO_PASSWORD, DEMO_USER, Stack

# A market of the sandbox's seed-1 catalogue, with books on both outcomes.
MARKET = "Will the Fed cut interest rates at the next FOMC meeting?"
TICK = Decimal("0.01")
# Far enough below the best bid that the sandbox's traders do not reach it
# while the test runs.
TICKS_BELOW_BID = 5
WAIT_MS = 20_000


def _shot(page: Any, directory: Path, name: str, focus: str | None = None) -> None:
    """The viewport as the trader sees it, scrolled to ``focus`` if given
    (a full-page capture smears the sticky header over the page)."""
    for attempt in range(3) if focus else ():
        try:
            page.locator(focus).first.scroll_into_view_if_needed()
            break
        except Exception:
            # The panel reloads itself when an order comes (orders-changed)
            # and may be swapped out mid-scroll: find it again.
            if attempt == 2:
                raise
    page.screenshot(path=str(directory / f"{name}.png"))


def _failed(page: Any, stack: Stack, screenshot_dir: Path) -> None:
    """What a failing test leaves behind: the page as it was, the logs."""
    _shot(page, screenshot_dir, "failure")
    sys.stderr.write(stack.logs())


def _log_in(page: Any, stack: Stack) -> None:
    page.goto(f"{stack.base_url}/accounts/login/")
    page.fill("input[name=username]", DEMO_USER)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/")


def _open_market(page: Any, stack: Stack) -> str:
    page.goto(f"{stack.base_url}/markets/")
    page.get_by_role("link", name=MARKET).first.click()
    page.wait_for_url(re.compile(r"/markets/\d+/$"))
    # The ticket's quick buttons carry the live book's prices once it is in.
    page.wait_for_selector("#ticket-quick button[data-set-price]:not([disabled])")
    return page.url


def _order_ids(page: Any) -> set[str]:
    rows = page.locator(".market-orders tr.order-row")
    return {rows.nth(i).get_attribute("id") for i in range(rows.count())}


def _ticket_price(page: Any) -> Decimal:
    return Decimal(page.input_value("input[name=price]"))


def _place(
    page: Any, *, price_button: str, ticks_down: int, size: str
) -> tuple[str, Decimal]:
    """Fill the ticket (Yes, Buy, GTC) and submit; returns the new row's id
    and the price sent. The price is read off the ticket, not the book: the
    sandbox's traders may move the book between a look and a click."""
    before = _order_ids(page)
    page.locator("label.ticket-side-buy").click()
    page.locator(".ticket-option", has_text="Yes").click()
    page.select_option("select[name=order_type]", "GTC")
    page.locator("#ticket-quick button", has_text=price_button).click()
    quick = _ticket_price(page)
    for _ in range(ticks_down):
        page.locator("button[data-step-price='-1']").click()
    sent = _ticket_price(page)
    assert sent == quick - ticks_down * TICK
    page.fill("input[name=size]", size)
    # The preview runs the risk checks before anything is sent.
    page.wait_for_selector(
        "#ticket-preview :text('Passes risk checks')", timeout=WAIT_MS
    )
    page.locator("button.ticket-submit").click()
    # The answer swaps in a fresh ticket and, out of band, the orders panel.
    page.wait_for_function(
        "n => document.querySelectorAll('.market-orders tr.order-row').length > n",
        arg=len(before),
        timeout=WAIT_MS,
    )
    new = _order_ids(page) - before
    assert len(new) == 1, new
    return new.pop(), sent


def _wait_for_status(page: Any, row_id: str, status: str) -> None:
    page.locator(f"#{row_id} .order-badge", has_text=status).wait_for(timeout=WAIT_MS)


def test_a_trader_rests_fills_cancels_and_halts(
    stack: Stack, browser: Any, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm's confirm()
    try:
        _log_in(page, stack)
        market_url = _open_market(page, stack)
        _shot(page, screenshot_dir, "01-market")

        # A GTC buy below the best bid rests: pending, then open.
        resting, sent = _place(
            page, price_button="Bid", ticks_down=TICKS_BELOW_BID, size="10"
        )
        price = page.locator(f"#{resting} td.num").first.inner_text()
        assert price == f"{sent * 100:.0f}¢"
        _wait_for_status(page, resting, "Open")
        _shot(page, screenshot_dir, "02-resting-order", ".market-orders")

        # A buy at the best ask takes liquidity and fills completely.
        marketable, _ = _place(page, price_button="Ask", ticks_down=0, size="10")
        _wait_for_status(page, marketable, "Filled")
        filled = page.locator(f"#{marketable} .fill-progress-text").inner_text()
        assert filled == "10 / 10"
        _shot(page, screenshot_dir, "03-filled-order", ".market-orders")

        # The position: 10 Yes shares, marked, with unrealized P&L.
        page.goto(f"{stack.base_url}/positions/")
        row = page.locator("#open-positions tbody tr", has_text=MARKET).first
        row.wait_for(timeout=WAIT_MS)
        assert "Yes" in row.inner_text()
        assert row.locator("[data-field=size]").inner_text() == "10"
        # Marked against the live book: a signed dollar figure, never "—".
        unrealized = row.locator("[data-field=unrealized]").inner_text()
        assert re.match(r"^[+-]?\$\d+\.\d\d", unrealized), unrealized
        _shot(page, screenshot_dir, "04-positions")

        # Cancel the resting order from the Orders page.
        page.goto(f"{stack.base_url}/orders/")
        page.locator(f"#{resting} [data-testid=order-cancel]").click()
        _wait_for_status(page, resting, "Cancelled")
        _shot(page, screenshot_dir, "05-cancelled")

        # The kill switch halts trading; re-arming lifts the halt.
        page.locator("[data-testid=kill-switch]").click()
        page.locator("#trading-state", has_text="Halted: kill switch").wait_for()
        _shot(page, screenshot_dir, "06-kill-switch")
        page.goto(market_url)
        page.locator("#trading-state", has_text="Halted: kill switch").wait_for()
        page.locator("[data-testid=rearm]").click()
        page.locator("[data-testid=kill-switch]").wait_for()

        # The fill is in the ledger; the wallet card waits in Settings.
        page.goto(f"{stack.base_url}/fills/")
        assert page.locator("#fill-table tbody tr", has_text=MARKET).count() >= 1
        _shot(page, screenshot_dir, "07-fills")
        page.goto(f"{stack.base_url}/accounts/settings/")
        _shot(page, screenshot_dir, "08-settings-wallet", "#wallet-venue")
    except Exception:
        _failed(page, stack, screenshot_dir)
        raise
    finally:
        page.close()


# One moment's view of the market page for a token: the book ladder's best
# bid, the outcomes table's bid, and the ticket's Bid quick button.
_PANELS_JS = """token => [
    document.querySelector(`#book-${token} .ladder-row.bid .ladder-price`)?.textContent,
    document.getElementById(`quote-${token}-bid`)?.textContent,
    document.querySelector('#ticket-quick [data-quick="bid"]')?.textContent,
]"""


def test_every_panel_of_the_market_page_moves_with_the_live_book(
    stack: Stack, browser: Any, screenshot_dir: Path
) -> None:
    page = browser.new_page(viewport=DESKTOP)
    try:
        _log_in(page, stack)
        _open_market(page, stack)
        page.locator(".ticket-option", has_text="Yes").click()
        token = page.get_attribute("input[name=outcome]:checked", "value")
        seen = set()
        # The sandbox's traders keep the book moving: watch several pushes.
        while len(seen) < 3:
            stamp = page.text_content(f"#book-{token} .book-foot time")
            page.wait_for_function(
                "([token, stamp]) => document.querySelector("
                "`#book-${token} .book-foot time`)?.textContent !== stamp",
                arg=[token, stamp],
                timeout=WAIT_MS,
            )
            ladder, table, quick = page.evaluate(_PANELS_JS, token)
            assert (table, quick) == (ladder, f"Bid {ladder}")
            seen.add(page.text_content(f"#book-{token} .book-foot time"))
        _shot(page, screenshot_dir, "09-market-live")
    except Exception:
        _failed(page, stack, screenshot_dir)
        raise
    finally:
        page.close()


def test_the_orders_page_shows_an_order_placed_in_another_tab(
    stack: Stack, browser: Any, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    orders, ticket = context.new_page(), context.new_page()
    ticket.on("dialog", lambda dialog: dialog.accept())  # hx-confirm's confirm()
    try:
        _log_in(orders, stack)  # one session for both tabs
        orders.goto(f"{stack.base_url}/orders/")
        orders.locator("#order-table").wait_for()
        _open_market(ticket, stack)

        first, _ = _place(
            ticket, price_button="Bid", ticks_down=TICKS_BELOW_BID, size="5"
        )
        # No reload: the account socket's trading state names the new order,
        # and the table reloads itself.
        orders.locator(f"#order-table #{first}").wait_for(timeout=WAIT_MS)
        orders.locator(f"#{first} [data-testid=order-expand]").click()
        orders.locator(f"#{first}-detail").wait_for(timeout=WAIT_MS)

        second, _ = _place(
            ticket, price_button="Bid", ticks_down=TICKS_BELOW_BID, size="6"
        )

        orders.locator(f"#order-table #{second}").wait_for(timeout=WAIT_MS)
        # The first order's details, open before the reload, are open again.
        orders.locator(f"#{first}-detail").wait_for(timeout=WAIT_MS)
        _shot(orders, screenshot_dir, "10-orders-live")
        for placed in (first, second):
            ticket.locator(f"#{placed} [data-testid=order-cancel]").click()
            _wait_for_status(orders, placed, "Cancelled")
    except Exception:
        _failed(orders, stack, screenshot_dir)
        raise
    finally:
        context.close()


def test_the_desk_reads_on_a_phone(
    stack: Stack, browser: Any, screenshot_dir: Path
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        _log_in(page, stack)
        _open_market(page, stack)
        # The ticket is on the page and usable at phone width.
        assert page.locator("button.ticket-submit").is_visible()
        _shot(page, screenshot_dir, "phone-market")
        for name, path in [
            ("phone-orders", "/orders/"),
            ("phone-positions", "/positions/"),
            ("phone-fills", "/fills/"),
            ("phone-settings", "/accounts/settings/"),
        ]:
            page.goto(f"{stack.base_url}{path}")
            assert page.locator("#trading-state").is_visible()
            _shot(page, screenshot_dir, name)
    finally:
        context.close()
