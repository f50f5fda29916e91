"""What a person sees: the pages in a real headless Chromium (Debian's chromium and
chromium-driver, through selenium). Skipped, with the reason, where they are absent."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serving import Served, add_feed, seed_like, served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)  # fmt: skip

from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must not download a driver
    profile = tempfile.mkdtemp(prefix="subsample-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1280,900", f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def site(run: Callable[..., Any], tmp_path: Path, home: Path) -> Iterator[Served]:
    add_feed(run, tmp_path, "seang", seed_like(31))
    with served(home) as s:
        yield s


def _no_script_ran(browser: Any) -> None:
    assert browser.execute_script("return window.__pwned === undefined")
    assert "pwned" not in browser.title


def test_the_posts_page_as_a_person_sees_it(browser: Any, site: Served) -> None:
    browser.get(site.url + "sources/seang")
    assert browser.title.startswith("The seang blog")
    tabs = browser.find_elements(By.CSS_SELECTOR, "nav.tabs a")
    assert [t.text for t in tabs] == ["Posts", "History", "Gallery", "Config", "RSS", "JSON"]
    assert all(t.is_displayed() for t in tabs)
    assert browser.find_element(By.CSS_SELECTOR, "h2.count").text == "Posts (31)"
    header = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "table.header-row th")]
    assert header == ["ID", "Type", "Limit", "Status", "Last Update", "Next Update"]
    first = browser.find_elements(By.CSS_SELECTOR, "article.post")[0]
    assert first.find_element(By.CSS_SELECTOR, ".post-title").text.startswith("AI datacenters in space")
    assert first.find_element(By.CSS_SELECTOR, ".meta").text.startswith("Published: ")
    assert [h.text for h in first.find_elements(By.CSS_SELECTOR, ".body h2, .body h3")] == [
        "The cooling problem", "Why it is hard"]  # fmt: skip
    assert [li.text for li in first.find_elements(By.CSS_SELECTOR, ".body ol li")] == [
        "Conduction", "Convection", "Radiation"]  # fmt: skip
    # the stylesheet is applied (CSP lets our own through): a readable measure for articles
    width = browser.execute_script(
        "return document.querySelector('article.post').getBoundingClientRect().width"
    )
    assert 400 < width <= 42 * 16 + 1
    _no_script_ran(browser)


def test_a_hostile_post_does_nothing_and_covers_nothing(browser: Any, site: Served) -> None:
    browser.get(site.url + "sources/seang")
    hostile = next(a for a in browser.find_elements(By.CSS_SELECTOR, "article.post") if "Hostile" in a.text)
    browser.execute_script("arguments[0].scrollIntoView()", hostile)
    _no_script_ran(browser)
    # the overlay is an ordinary block inside the article: what is under the page's own
    # tabs is still the tabs, wherever the page is scrolled
    browser.execute_script("window.scrollTo(0, 0)")
    tab = browser.find_element(By.CSS_SELECTOR, "nav.tabs a[aria-current=page]")
    under = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);", tab)  # fmt: skip
    assert under == tab
    overlay = next(d for d in hostile.find_elements(By.CSS_SELECTOR, "div") if d.text == "OVERLAY")
    assert overlay.value_of_css_property("position") == "static"
    # the fake header is no bigger than a post title, and the page is still displayed
    fake = hostile.find_element(By.XPATH, ".//h1[contains(., 'Fake Header')]")
    title = hostile.find_element(By.CSS_SELECTOR, ".post-title")
    assert float(fake.value_of_css_property("font-size")[:-2]) <= float(
        title.value_of_css_property("font-size")[:-2]
    )
    assert browser.find_element(By.TAG_NAME, "body").is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR, "main iframe, main form, main input, main script")
    hostile.find_element(By.LINK_TEXT, "click me").click()  # a link without href: goes nowhere
    _no_script_ran(browser)
    assert browser.current_url == site.url + "sources/seang"


def test_dark_theme_follows_the_system(browser: Any, site: Served) -> None:
    def background() -> str:
        browser.get(site.url + "sources/seang")
        return str(
            browser.execute_script("return getComputedStyle(document.documentElement).backgroundColor")
        )

    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]}
    )
    light = background()
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    dark = background()
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert light == "rgb(253, 253, 252)" and dark == "rgb(21, 23, 26)"


def test_the_other_tabs_and_a_post(browser: Any, site: Served) -> None:
    browser.get(site.url + "sources/seang")
    browser.find_element(By.LINK_TEXT, "History").click()
    assert browser.find_element(By.CSS_SELECTOR, "h2.count").text == "History (1)"
    assert "new posts" in browser.find_element(By.CSS_SELECTOR, "table.data").text
    browser.find_element(By.LINK_TEXT, "Config").click()
    assert "limit" in browser.find_element(By.CSS_SELECTOR, "table.config").text
    browser.find_element(By.LINK_TEXT, "Posts").click()
    browser.find_element(By.LINK_TEXT, "AI datacenters in space do not have a cooling problem").click()
    assert browser.find_element(By.CSS_SELECTOR, "h1.post-title").text.startswith("AI datacenters")
    when = browser.find_element(By.CSS_SELECTOR, ".meta time")
    assert when.get_attribute("title").endswith(" UTC")  # the exact date, on hover
    _no_script_ran(browser)


def test_the_static_site_reads_offline(browser: Any, run: Callable[..., Any], tmp_path: Path) -> None:
    add_feed(run, tmp_path, "seang", seed_like(31))
    out = tmp_path / "site"
    assert run("export", "--site", str(out)).exit_code == 0
    browser.get((out / "index.html").as_uri())
    browser.find_element(By.LINK_TEXT, "seang").click()
    assert browser.find_element(By.CSS_SELECTOR, "h2.count").text == "Posts (31)"
    tabs = browser.find_elements(By.CSS_SELECTOR, "nav.tabs a")
    assert tabs[0].value_of_css_property("font-weight") == "600"  # the stylesheet loaded from disk
    browser.find_element(By.LINK_TEXT, "History").click()
    assert browser.current_url.endswith("/sources/seang/history/index.html")
    _no_script_ran(browser)


def test_an_archived_embed_and_style_never_reach_the_page(
    browser: Any, run: Callable[..., Any], tmp_path: Path, home: Path
) -> None:
    # (issue 22: the archive keeps them as published; tests/test_faithful.py checks that)
    from tests.conftest import item
    from tests.test_faithful import HTML

    add_feed(run, tmp_path, "talks", [item(1, title="A talk", html=HTML)])
    with served(home) as s:
        browser.get(s.url + "posts/1")
        body = browser.find_element(By.CSS_SELECTOR, "main")
        assert "A talk worth watching." in body.text
        assert not browser.find_elements(By.CSS_SELECTOR, "iframe, video, [style]")
        red = body.find_element(By.XPATH, ".//p[contains(., 'Red and bold')]")
        assert red.value_of_css_property("color") != "rgba(204, 0, 0, 1)"
        _no_script_ran(browser)
