"""The SKM index on a year of survey responses, timed server side.

    python bench/skm.py [--config examples/mpp-besar.yaml] [--responses 100000] [--served 160000] [--repeat 7]

A year of ``--responses`` survey responses (random answers, profiles and comments, spread over the
hall's services, counters and days) is written straight into a new hall's database through the
survey's store, in batches, with ``--served`` served tickets in the reports' facts (``report_legs``)
as the population. Then, through the real app (``create_app``, Flask's test client, an admin's
Bearer token), each request is timed ``--repeat`` times: the IKM of the hall and the IKM per agency
(``/api/v1/skm/breakdown?by=agency``), for the year and for its last quarter, and one agency's
figures for the year. Target (README.md, "The SKM survey and complaints"): < 500 ms each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from antre.queue_server.app import create_app  # noqa: E402
from antre.queue_server.clock import system_clock  # noqa: E402
from antre.queue_server.config import load_config  # noqa: E402
from antre.queue_server.hall import hall_of  # noqa: E402
from antre.queue_server.reports.facts import Leg  # noqa: E402
from antre.queue_server.skm.elements import EDUCATION, ELEMENTS, OCCUPATIONS, SEXES  # noqa: E402

PASSWORD = "rahasia-bench-1"
YEAR = (date(2025, 12, 1), date(2026, 11, 30))
BATCH = 10_000


def pct(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * share + 0.999999) - 1)]


def random_day(rng: random.Random) -> date:
    return YEAR[0] + timedelta(days=rng.randrange((YEAR[1] - YEAR[0]).days + 1))


def responses(config, count: int, rng: random.Random):
    """Random responses: answers mostly 3 and 4, a tenth of elements left out, some profiles and
    comments missing, attributed to a random counter, one of its services and a few officers."""
    counters = [c for c in config.counters.values() if c.services]
    for n in range(count):
        counter = rng.choice(counters)
        service = rng.choice(counter.services)
        day = random_day(rng).isoformat()
        yield {
            "ticket_id": f"bench-{n:07d}",
            "answered_at": f"{day}T03:00:00.000000+00:00",
            "day": day,
            "served_day": day,
            "service": service,
            "agency": config.services[service].agency,
            "counter_id": counter.id,
            "officer_id": None,
            "channel": rng.choice(("phone", "tablet")),
            **{e: None if rng.random() < 0.1 else rng.choices((1, 2, 3, 4), (1, 2, 5, 5))[0] for e in ELEMENTS},
            "sex": rng.choice((*SEXES, None)),
            "age": rng.choice((None, rng.randint(17, 80))),
            "education": rng.choice((*EDUCATION, None)),
            "occupation": rng.choice((*OCCUPATIONS, None)),
            "comment": "Pelayanan cepat, ruang tunggu nyaman" if rng.random() < 0.2 else None,
        }


def served_legs(config, count: int, rng: random.Random):
    counters = [c for c in config.counters.values() if c.services]
    for n in range(count):
        counter = rng.choice(counters)
        day = random_day(rng).isoformat()
        yield Leg(
            ticket_id=f"served-{n:07d}",
            leg=0,
            day=day,
            service=rng.choice(counter.services),
            priority=None,
            kiosk=None,
            arrived_at=f"{day}T02:00:00.000000+00:00",
            hour=9,
            weekday=date.fromisoformat(day).weekday(),
            counter_id=counter.id,
            finished_at=f"{day}T02:30:00.000000+00:00",
            outcome="served",
        )


def fill(hall, count: int, served: int) -> None:
    rng = random.Random(16)
    started = time.perf_counter()
    batch: list[dict] = []
    for response in responses(hall.config, count, rng):
        batch.append(response)
        if len(batch) == BATCH:
            hall.survey.responses.insert_many(batch)
            batch = []
    hall.survey.responses.insert_many(batch)
    hall.summaries.reports.replace_all(list(served_legs(hall.config, served, rng)), [], [], hall.summaries.reports.last_event_id())
    print(f"filled {count} responses and {served} served tickets in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, default=ROOT / "examples" / "mpp-besar.yaml")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--served", type=int, default=160_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="antre-bench-skm-") as folder:
        config = replace(load_config(args.config), database=Path(folder) / "antre.db")
        run(config, args.responses, args.served, args.repeat)


def run(config, count: int, served: int, repeat: int) -> None:
    app = create_app(config, system_clock)
    hall = hall_of(app)
    fill(hall, count, served)
    hall.accounts.add("bench", PASSWORD, "admin")
    token = hall.accounts.login("bench", PASSWORD)[0]
    client = app.test_client()
    year = f"from={YEAR[0]}&to={YEAR[1]}"
    quarter = "period=2026-Q3"
    agency = next(iter(config.agencies))
    requests = [
        ("IKM, hall, year", f"skm?{year}"),
        ("IKM per agency, year", f"skm/breakdown?{year}&by=agency"),
        ("IKM, hall, quarter", f"skm?{quarter}"),
        ("IKM per agency, quarter", f"skm/breakdown?{quarter}&by=agency"),
        (f"IKM, {agency[:24]}, year", f"skm?{year}&agency={agency}"),
    ]
    print(f"\n{'request (server side, ' + str(repeat) + ' runs)':<44} {'median':>9} {'p90':>9}  respondents  IKM")
    for name, path in requests:
        seconds = []
        for _ in range(repeat):
            began = time.perf_counter()
            response = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        rows = body.get("rows", [body])
        figures = f"{sum(r['respondents'] for r in rows):>11}  {body['ikm'] if 'ikm' in body else f'{len(rows)} rows'}"
        print(f"{name:<44} {statistics.median(seconds) * 1000:>6.0f} ms {pct(seconds, 0.9) * 1000:>6.0f} ms  {figures}")
    print(f"(run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    hall.summaries.close()
    hall.presence.close()
    hall.announcer.close()
    hall.printing.stop()
    hall.store.close()


if __name__ == "__main__":
    main()
