"""`make screenshots`: every page at 1280 and 390 px wide, saved as var/screenshots/<page>-<width>.png.

Skipped unless SCREENSHOTS=1 (the Makefile target sets it): it makes pictures to look at, not a check.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.pages import PAGES, build_site, open_site_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="run by `make screenshots`"),
]

WIDTHS = (1280, 390)


def test_screenshots(open_page):
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    site = build_site()
    for entry in PAGES:
        for width in WIDTHS:
            page = open_site_page(open_page, site, entry, width)
            page.screenshot(path=folder / f"{entry.name}-{width}.png", full_page=True)
            page.context.close()
