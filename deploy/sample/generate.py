"""Generates the shipped sample data set: about 200 people in 3 programs, several languages and
timezones, born between 1950 and 2005. Deterministic (seeded), so `profiles.jsonl` is reproducible:
`python -m deploy.sample.generate > deploy/sample/profiles.jsonl`.
"""

import json
import random
import sys
from typing import Any

from shared.vocabulary import Skill

SEED = 2027
PEOPLE_PER_PROGRAM = {"emea-2027": 80, "americas-2027": 64, "apac-2027": 56}

# (first names, last names, languages, timezones) per region.
REGIONS: dict[str, list[tuple[list[str], list[str], list[str], list[str]]]] = {
    "emea-2027": [
        (
            ["Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix", "Hannelore", "Dieter"],
            ["Schmidt", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann"],
            ["de", "en"],
            ["Europe/Berlin"],
        ),
        (
            ["Camille", "Louis", "Chloé", "Hugo", "Élise", "Bernard"],
            ["Martin", "Bernard", "Dubois", "Moreau", "Laurent"],
            ["fr", "en"],
            ["Europe/Paris"],
        ),
        (
            ["Oliver", "Amelia", "Harry", "Isla", "Margaret", "Graham"],
            ["Smith", "Jones", "Taylor", "Brown", "Evans"],
            ["en"],
            ["Europe/London"],
        ),
        (
            ["Lucía", "Mateo", "Carmen", "Javier", "Pilar"],
            ["García", "Fernández", "López", "Martínez"],
            ["es", "en"],
            ["Europe/Madrid"],
        ),
    ],
    "americas-2027": [
        (
            ["Emma", "Liam", "Ava", "Noah", "Barbara", "Richard", "Linda", "Gary"],
            ["Johnson", "Williams", "Miller", "Davis", "Wilson"],
            ["en"],
            ["America/New_York", "America/Chicago"],
        ),
        (
            ["Ana", "Pedro", "Beatriz", "Gabriel", "Helena", "Roberto"],
            ["Silva", "Santos", "Oliveira", "Souza", "Costa"],
            ["pt", "en"],
            ["America/Sao_Paulo"],
        ),
        (
            ["Valentina", "Santiago", "Camila", "Alejandro", "Rosa"],
            ["Hernández", "González", "Ramírez", "Torres"],
            ["es", "en"],
            ["America/Mexico_City", "America/Los_Angeles"],
        ),
    ],
    "apac-2027": [
        (
            ["Yuki", "Haruto", "Sakura", "Ren", "Keiko", "Hiroshi"],
            ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"],
            ["ja", "en"],
            ["Asia/Tokyo"],
        ),
        (
            ["Aarav", "Priya", "Rohan", "Ananya", "Sunita", "Rajesh"],
            ["Sharma", "Patel", "Iyer", "Gupta", "Reddy"],
            ["hi", "en"],
            ["Asia/Kolkata"],
        ),
        (
            ["Jack", "Charlotte", "William", "Mia", "Kevin", "Susan"],
            ["Wilson", "Nguyen", "Thompson", "Walker"],
            ["en"],
            ["Australia/Sydney"],
        ),
    ],
}
DEPARTMENTS = [
    "Sales",
    "Marketing",
    "Engineering",
    "Finance",
    "Operations",
    "HR",
    "Legal",
    "Product",
]
YOUNG_OFFERS = [s for s in Skill][:12]
OLD_OFFERS = [s for s in Skill][12:]
EXTRAS_YOUNG = ["TikTok analytics", "Notion workflows", "prompt writing", "Figma"]
EXTRAS_OLD = [
    "board presentations",
    "M&A due diligence",
    "union negotiations",
    "crisis communication",
]


def availability(rng: random.Random) -> dict[str, list[dict[str, str]]]:
    days = rng.sample(["mon", "tue", "wed", "thu", "fri"], k=rng.randint(2, 4))
    start = rng.choice([8, 9, 12, 15, 16, 17])
    slots = {
        day: [{"start": f"{start:02d}:00", "end": f"{start + rng.choice([2, 3]):02d}:00"}]
        for day in days
    }
    if rng.random() < 0.2:
        slots["sat"] = [{"start": "10:00", "end": "12:00"}]
    return slots


def person(rng: random.Random, program: str, index: int) -> dict[str, Any]:
    firsts, lasts, languages, zones = rng.choice(REGIONS[program])
    first, last = rng.choice(firsts), rng.choice(lasts)
    young = index % 2 == 0
    birth_year = rng.randint(1990, 2005) if young else rng.randint(1950, 1982)
    offers, wants = (YOUNG_OFFERS, OLD_OFFERS) if young else (OLD_OFFERS, YOUNG_OFFERS)
    extras = EXTRAS_YOUNG if young else EXTRAS_OLD
    return {
        "id": f"{program.split('-')[0]}-{index:03d}",
        "program_id": program,
        "name": f"{first} {last}",
        "email": f"{first}.{last}.{index}@example.org".lower().encode("ascii", "ignore").decode(),
        "birth_year": birth_year,
        "languages": languages if rng.random() < 0.8 else languages[:1],
        "timezone": rng.choice(zones),
        "availability": availability(rng),
        "skills_offered": {
            "vocabulary": rng.sample(offers, k=3),
            "extras": rng.sample(extras, k=1),
        },
        "skills_wanted": {"vocabulary": rng.sample(wants, k=3)},
        "department": rng.choice(DEPARTMENTS),
        "manager_id": None,
        "max_pairings": 2 if rng.random() < 0.1 else 1,
        "opted_in": rng.random() > 0.03,
    }


def generate() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    people = []
    for program, size in PEOPLE_PER_PROGRAM.items():
        group = [person(rng, program, i) for i in range(size)]
        seniors = [p for p in group if p["birth_year"] < 1975]
        for p in group:  # a few reporting lines, so the matcher has some to respect
            boss = rng.choice(seniors)
            if boss is not p and rng.random() < 0.3:
                p["manager_id"] = boss["id"]
        people.extend(group)
    return people


if __name__ == "__main__":
    for row in generate():
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
