"""Pages measured as a phone shows them: the two phone widths, whether a page scrolls sideways
(and which elements make it), and where its main content starts on the screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

from .site import DEVICES

# The narrowest phones people still use (320 x 568) and a common one (390 x 844).
PHONE_SIZES = {320: {"width": 320, "height": 568}, 390: {"width": 390, "height": 844}}

# In a mobile browser a page wider than the screen widens innerWidth with it (the browser zooms
# out to show it all), so the page is held to the width of the screen, not to innerWidth.
_OVERFLOW_JS = """(width) => {
  const wider = [];
  for (const element of document.body.querySelectorAll("*")) {
    const right = element.getBoundingClientRect().right;
    const spills = element.scrollWidth > element.clientWidth + 1
      && getComputedStyle(element).overflowX === "visible";
    if (right > width + 1 || spills) {
      const name = element.tagName.toLowerCase()
        + (element.className && typeof element.className === "string"
           ? "." + element.className.trim().split(/\\s+/).join(".") : "");
      wider.push(`${name} (${Math.round(right)} px): ${element.textContent.trim().slice(0, 40)}`);
    }
  }
  return {pageWidth: document.documentElement.scrollWidth, wider: wider.slice(-6)};
}"""


def phone_context_args(width: int, language_locale: str) -> dict[str, Any]:
    """A phone of this width (a touch screen, a mobile browser) speaking this locale."""
    return {**DEVICES["phone"], "viewport": PHONE_SIZES[width], "locale": language_locale}


def sideways_overflow(page: Page) -> tuple[int, list[str]]:
    """(how wide the page is, the innermost elements that stick out past the screen's edge)."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    measured = page.evaluate(_OVERFLOW_JS, width)
    return int(measured["pageWidth"]), list(measured["wider"])


def assert_fits_the_screen(page: Page, where: str) -> None:
    """The page does not scroll sideways: nothing is wider than the screen."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    page_width, wider = sideways_overflow(page)
    assert page_width <= width, (
        f"{where} at {width} px is {page_width} px wide; sticking out: {wider}"
    )


def assert_starts_in_the_top_third(page: Page, locator: Locator, where: str) -> None:
    """The page's main content starts in the top third of the screen, not under banners, a
    header in rows and tabs in rows."""
    height = page.viewport_size["height"] if page.viewport_size else 0
    box = locator.first.bounding_box()
    assert box, f"{where}: no main content"
    top = box["y"] + page.evaluate("window.scrollY")
    assert top <= height / 3, (
        f"{where}: the main content starts {top:.0f} px down a {height} px screen"
    )


def assert_fits_both_phones(page: Page, where: str, *, main: Locator | None = None) -> None:
    """At each phone size in turn (the page turned, not loaded again): no sideways scrolling,
    and the `main` content, if named, in the top third of the screen. Ends at the first size."""
    for size in PHONE_SIZES.values():
        page.set_viewport_size(size)
        assert_fits_the_screen(page, where)
        if main is not None:
            assert_starts_in_the_top_third(page, main, where)
    page.set_viewport_size(next(iter(PHONE_SIZES.values())))
