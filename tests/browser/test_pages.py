"""Every page at 1280 px: no sideways page scroll, and no serious or critical axe-core violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import PAGES, build_site, open_site_page

pytestmark = [pytest.mark.real_servers, pytest.mark.django_db(transaction=True)]

DESKTOP = 1280
BLOCKING_IMPACTS = {"serious", "critical"}


def test_no_page_scrolls_sideways_at_1280(open_page):
    site = build_site()
    too_wide = {}
    for entry in PAGES:
        page = open_site_page(open_page, site, entry, DESKTOP)
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            too_wide[entry.name] = widths
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
