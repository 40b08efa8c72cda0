"""The kiosk's voice (kiosk/speech.py): the hall's own phrases as real espeak-ng WAVs, never text a
client sends, and new renders limited per address."""

from __future__ import annotations

from antre.kiosk.speech import kiosk_speech


def is_wav(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 10_000


def test_the_kiosk_hears_its_buttons_a_service_and_its_ticket_as_real_wavs(client):
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    for url in ("/kiosk/speech/id/ui/take.wav", "/kiosk/speech/en/service/A/requirements.wav", f"/kiosk/speech/id/ticket/{ticket['id']}.wav"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "audio/wav", url
        assert is_wav(response.data), url
    with client.application.test_request_context():
        said = kiosk_speech().text("id", f"ticket/{ticket['id']}")
    assert said.count("a, nol, nol, satu") == 2  # the number twice, a digit at a time
    assert "loket satu" in said  # and where the visitor will be called


def test_only_the_halls_own_phrases_are_spoken(client):
    for url in (
        "/kiosk/speech/id/ui/no_such_phrase.wav",
        "/kiosk/speech/id/Hello%20world.wav",
        "/kiosk/speech/id/service/ZZ/name.wav",
        "/kiosk/speech/id/ticket/not-a-ticket.wav",
        "/kiosk/speech/id/key/%C2%B2.wav",
        "/kiosk/speech/fr/ui/take.wav",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found", url


def test_new_renders_are_limited_per_address_but_rendered_phrases_stay_served(client):
    with client.application.test_request_context():
        kiosk_speech().renders_per_minute = 2
    assert client.get("/kiosk/speech/id/key/a.wav").status_code == 200
    assert client.get("/kiosk/speech/id/key/b.wav").status_code == 200
    refused = client.get("/kiosk/speech/id/key/c.wav")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "throttled"
    assert client.get("/kiosk/speech/id/key/a.wav").status_code == 200  # on disk already: costs nothing
