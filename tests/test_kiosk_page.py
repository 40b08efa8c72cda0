"""The kiosk page as the server renders it, without a browser: what it offers before any script runs."""

from __future__ import annotations

import re

from antre.queue_server.app import create_app
from antre.queue_server.config import load_config
from antre.queue_server.hall import hall_of

from tests.support import SMALL_HALL, write_config


def kiosk_html(tmp_path, **settings) -> str:
    app = create_app(load_config(write_config(tmp_path, {**SMALL_HALL, **settings})))
    try:
        return app.test_client().get("/kiosk").get_data(as_text=True)
    finally:
        hall_of(app).announcer.close()
        hall_of(app).printing.stop()
        hall_of(app).store.close()


def test_the_confirm_step_offers_a_priority_number_with_the_halls_categories(tmp_path):
    page = kiosk_html(tmp_path, kiosk_priority_categories=["lansia", "ibu_hamil"])
    assert re.search(r'<button[^>]*id="priority-open"[^>]*data-takes>', page)
    assert re.findall(r'data-priority="(\w+)"', page) == ["lansia", "ibu_hamil"]


def test_a_hall_whose_kiosks_offer_no_priority_shows_no_priority_button(tmp_path):
    page = kiosk_html(tmp_path, kiosk_priority_categories=[])
    assert re.search(r'<button[^>]*id="priority-open"[^>]*data-takes hidden>', page)
    assert "data-priority=" not in page
