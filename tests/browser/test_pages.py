"""Every page: no sideways page scroll at 1280 or 390 px, and no serious or critical axe-core violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import PAGES, build_site, open_site_page

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

DESKTOP = 1280
PHONE = 390
BLOCKING_IMPACTS = {"serious", "critical"}


def test_no_page_scrolls_sideways(open_page):
    """A table wider than the window scrolls inside its own box; the page itself never does."""
    site = build_site()
    too_wide = {}
    for entry in PAGES:
        for width in (DESKTOP, PHONE):
            page = open_site_page(open_page, site, entry, width)
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if widths[0] > widths[1]:
                too_wide[f"{entry.name}-{width}"] = widths
            page.context.close()
    assert not too_wide, f"pages wider than the window (scrollWidth, innerWidth): {too_wide}"


def test_no_serious_accessibility_violation(open_page):
    site = build_site()
    axe = Axe()
    found = {}
    for entry in PAGES:
        page = open_site_page(open_page, site, entry, DESKTOP)
        violations = axe.run(page).response["violations"]
        blocking = [
            f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
            for violation in violations
            if violation["impact"] in BLOCKING_IMPACTS
        ]
        if blocking:
            found[entry.name] = blocking
    assert not found, f"axe-core found serious or critical violations: {found}"
