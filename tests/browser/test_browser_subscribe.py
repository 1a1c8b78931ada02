"""A real browser (headless Chromium) through the whole subscriber journey, against
``paperbell serve`` on loopback: live preview, subscribe, confirm from the outbox,
change the hour on the manage page, one-click unsubscribe - checking the stored state
after every step.

Chromium and its driver come from Debian (scripts/install_browser.sh); nothing is
downloaded at run time (the driver path is given, so selenium-manager never runs).
Without them the test fails in CI (CI=true) and is skipped elsewhere.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperbell.storage.subscribers import SubscriberRepository

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
WAIT = 20
ADDRESS = "ada@example.org"
TITLE = "Get trending papers in your email inbox once a day"


def _unavailable(reason: str) -> None:
    message = f"{reason}; install it with scripts/install_browser.sh (make test does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            _unavailable(f"headless Chromium is needed for this test: {path} is missing")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the selenium package is missing (pip install -e '.[dev]')")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    from paperbell_dev.local.server import LocalApiServer

    with LocalApiServer("127.0.0.1", 0, outbox=tmp_path / "outbox") as running:
        yield running


def _stored(server: Any) -> Any:
    repo = SubscriberRepository(server.pipeline.table_name("SubscribersTable"))
    return repo.find_by_email(ADDRESS)


def _confirm_link(outbox: Path) -> str:
    files = sorted(outbox.glob("*.eml"))
    assert files, f"no mail in {outbox}"
    message = email.message_from_bytes(files[-1].read_bytes(), policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    return re.findall(r"https?://\S+/confirm\?token=\S+", text)[0]


def test_subscribe_confirm_manage_and_unsubscribe_in_a_browser(browser: Any, server: Any,
                                                              tmp_path: Path) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    # While a click navigates, Chromium may answer "node does not belong to the document"
    # for the old page's element: that is "not yet", so the wait polls again.
    wait = WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,))

    # 1. the page; the script pre-fills the timezone from the browser
    browser.get(server.url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == TITLE
    zone = browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
    assert browser.find_element(By.ID, "timezone").get_attribute("value") == zone

    # 2. keyword queries are the second choice: open the options, pick them, and typing
    # a query shows the live preview with highlights
    browser.find_element(By.ID, "email").send_keys(ADDRESS)
    assert not browser.find_element(By.ID, "queries").is_displayed()  # trending by default
    browser.find_element(By.CSS_SELECTOR, "details.options summary").click()
    browser.find_element(By.CSS_SELECTOR, "label[for='kind-queries']").click()
    wait.until(ec.visibility_of_element_located((By.ID, "queries")))
    browser.find_element(By.ID, "queries").send_keys("RoPE")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#preview mark")))
    assert browser.find_element(By.CSS_SELECTOR, "#preview mark").text == "RoPE"
    assert "match" in browser.find_element(By.ID, "preview-count").text
    # a bad query shows its error in place of the papers
    browser.find_element(By.ID, "queries").send_keys(" titel:x")
    wait.until(ec.text_to_be_present_in_element((By.ID, "preview"), "did you mean 'title'"))
    queries = browser.find_element(By.ID, "queries")
    queries.clear()
    queries.send_keys("RoPE")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#preview mark")))

    # 3. subscribe: pending, one confirmation mail in the outbox
    Select(browser.find_element(By.ID, "hour")).select_by_value("9")
    browser.find_element(By.CSS_SELECTOR, "form[action='subscriptions'] button").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Check your inbox"))
    stored = _stored(server)
    assert stored is not None
    assert (stored.status, stored.queries, stored.delivery_hour) == ("pending", ("RoPE",), 9)
    assert stored.timezone == zone

    # 4. the confirmation link opens a page (changing nothing); its button confirms
    browser.get(_confirm_link(tmp_path / "outbox"))
    button = wait.until(ec.element_to_be_clickable((By.ID, "confirm")))
    assert _stored(server).status == "pending"
    button.click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Subscription confirmed"))
    assert _stored(server).status == "active"

    # 5. change the hour on the manage page
    browser.find_element(By.LINK_TEXT, "Manage your subscription").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Manage"))
    Select(browser.find_element(By.ID, "hour")).select_by_value("17")
    browser.find_element(By.CSS_SELECTOR, "button[value='save']").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "Saved"))
    stored = _stored(server)
    assert (stored.delivery_hour, stored.status, stored.queries) == (17, "active", ("RoPE",))

    # 6. unsubscribe from the manage page; then it offers resuming, not unsubscribing
    browser.find_element(By.ID, "unsubscribe").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "Unsubscribed"))
    assert _stored(server).status == "unsubscribed"
    assert not browser.find_elements(By.ID, "unsubscribe")
    assert browser.find_element(By.CSS_SELECTOR, "button[value='resume']")


def test_subscribe_to_trending_with_no_query_and_see_todays_list(browser: Any, server: Any,
                                                                 tmp_path: Path) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,))
    browser.get(server.url + "/")
    # Today's list, as on the page we mirror: rank, title, upvotes, authors, summary.
    items = browser.find_elements(By.CSS_SELECTOR, "#trending-list li")
    assert len(items) == 3
    first = items[0]
    assert first.find_element(By.CSS_SELECTOR, ".rank").text == "#1"
    assert first.find_element(By.CSS_SELECTOR, "h3 a").text.startswith("Beyond Semantic")
    assert "▲ 86 upvotes" in first.find_element(By.CSS_SELECTOR, ".upvotes").text
    assert first.find_element(By.CSS_SELECTOR, ".summary").text
    # The one-line promise, the address and Subscribe come first; no query is asked for.
    assert browser.find_element(By.CSS_SELECTOR, ".promise").is_displayed()
    browser.find_element(By.ID, "email").send_keys(ADDRESS)
    browser.find_element(By.ID, "subscribe").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Check your inbox"))
    stored = _stored(server)
    assert (stored.status, stored.queries, stored.trending_top) == ("pending", (), 10)

    browser.get(_confirm_link(tmp_path / "outbox"))
    assert _stored(server).status == "pending"  # opening the link changes nothing
    wait.until(ec.element_to_be_clickable((By.ID, "confirm"))).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Subscription confirmed"))
    assert "trending" in browser.find_element(By.TAG_NAME, "main").text
    assert _stored(server).status == "active"
    browser.find_element(By.LINK_TEXT, "Manage your subscription").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Manage"))
    assert browser.find_element(By.ID, "kind-trending").is_selected()


def test_like_two_papers_and_see_the_preview_change(browser: Any, server: Any,
                                                    tmp_path: Path) -> None:
    """Issue 14: paste liked papers, watch the live preview of the recommendations
    change with the second paper, subscribe, remove a paper on the manage page (its
    preview changes back), and see the next mail styled (issue 15: its inline styles
    are allowed on that page, and only there)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT, ignored_exceptions=(WebDriverException,))

    def recommended() -> list[str]:
        items = browser.find_elements(By.CSS_SELECTOR, "#like-preview-list li a")
        return [a.text for a in items if a.text]

    browser.get(server.url + "/")
    browser.find_element(By.ID, "email").send_keys(ADDRESS)
    browser.find_element(By.CSS_SELECTOR, "details.options summary").click()
    liked = wait.until(ec.visibility_of_element_located((By.ID, "like")))
    liked.send_keys("https://huggingface.co/papers/2605.06548")  # a diffusion LM paper
    wait.until(lambda _: recommended())
    one = recommended()
    assert "Continuous Latent Diffusion Language Model" not in one  # never the liked paper
    similar = browser.find_element(By.CSS_SELECTOR, "#like-preview-list li .meta").text
    assert similar.startswith("similar to Continuous Latent Diffusion Language Model")
    assert browser.find_elements(By.CSS_SELECTOR, "#like-preview-list mark")  # shared terms
    assert browser.find_elements(By.CSS_SELECTOR, "#like-terms code")  # the profile's terms

    liked.send_keys("\n2306.05292")  # and Safe Collaborative Filtering: the profile moves
    wait.until(lambda _: recommended() and recommended() != one)
    two = recommended()
    assert two != one

    browser.find_element(By.ID, "subscribe").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Check your inbox"))
    assert "2 of your 2 liked paper(s) found." in browser.find_element(By.TAG_NAME, "main").text
    stored = _stored(server)
    assert [p.id for p in stored.likes] == ["2605.06548", "2306.05292"]
    assert all(p.title for p in stored.likes)  # read from the papers table at sign-up

    browser.get(_confirm_link(tmp_path / "outbox"))
    wait.until(ec.element_to_be_clickable((By.ID, "confirm"))).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Subscription confirmed"))
    browser.find_element(By.LINK_TEXT, "Manage your subscription").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Manage"))
    manage_url = browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "#liked-papers li")
    assert [r.find_element(By.TAG_NAME, "a").text for r in rows] == [
        "Continuous Latent Diffusion Language Model", "Safe Collaborative Filtering"]
    assert recommended() == two  # the stored profile previews as the pasted one did
    browser.find_element(
        By.CSS_SELECTOR, "button[aria-label='Remove Safe Collaborative Filtering from the "
        "liked papers']").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".notice"), "Removed"))
    assert [p.id for p in _stored(server).likes] == ["2605.06548"]
    assert recommended() == one  # one liked paper again: the first preview again

    # The next mail, as it arrives: styled by its own inline styles.
    browser.get(manage_url.replace("/manage?", "/preview/next?"))
    title = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".pb-title")))
    assert browser.execute_script(
        "return getComputedStyle(arguments[0]).fontSize", title) == "18px"
