"""Reading a bulk import file: CSV or JSON Lines, one profile per row. Pure: no store, no I/O
beyond the text handed in.

JSON Lines: one object per line, the shape of `shared.profile.Profile` (the fields plus `id`).
CSV: a header row with the same names. Cells that start with `[` or `{` are read as JSON; besides:
- `languages`: codes separated by spaces, commas or semicolons (`de en`);
- `availability`: `day HH:MM-HH:MM` entries separated by semicolons (`tue 17:00-19:00; thu 08:00-09:30`);
- `skills_offered`, `skills_wanted`: vocabulary names separated by semicolons, with the free-text
  extras in `skills_offered_extras` and `skills_wanted_extras`;
- empty cells are absent; `opted_in` takes true/false, yes/no or 1/0.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared.profile import Profile, ProfileFields

FIELDS = tuple(ProfileFields.model_fields)
_SPLIT = re.compile(r"[\s,;|]+")
_SLOT = re.compile(r"^\s*([A-Za-z]{3})\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class Row:
    """One row: a profile to upsert, or the reason it was rejected."""

    line: int
    profile_id: str | None
    fields: ProfileFields | None = None
    reason: str | None = None


def read_rows(text: str, *, csv_format: bool) -> Iterator[Row]:
    raw = _csv_rows(text) if csv_format else _jsonl_rows(text)
    for line, item in raw:
        yield item if isinstance(item, Row) else _validated(line, item)


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | Row]]:
    for line, source in enumerate(text.splitlines(), start=1):
        if not source.strip():
            continue
        try:
            item = json.loads(source)
        except json.JSONDecodeError as exc:
            yield line, Row(line, None, reason=f"not JSON: {exc.msg}")
            continue
        yield line, item if isinstance(item, dict) else Row(line, None, reason="not an object")


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | Row]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        try:
            yield reader.line_num, _from_cells(row)
        except ValueError as exc:
            yield reader.line_num, Row(reader.line_num, row.get("id") or None, reason=str(exc))


def _from_cells(row: dict[str, str | None]) -> dict[str, Any]:
    cells = {k.strip(): v.strip() for k, v in row.items() if k and v and v.strip()}
    data: dict[str, Any] = {}
    for name, value in cells.items():
        data[name] = json.loads(value) if value[0] in "[{" else value
    for side in ("skills_offered", "skills_wanted"):
        vocabulary, extras = data.pop(side, None), data.pop(f"{side}_extras", None)
        if isinstance(vocabulary, dict):
            data[side] = vocabulary
        elif vocabulary or extras:
            data[side] = {"vocabulary": _items(vocabulary, ";"), "extras": _items(extras, ";")}
    if isinstance(data.get("languages"), str):
        data["languages"] = _items(data["languages"], None)
    if isinstance(data.get("availability"), str):
        data["availability"] = _availability(data["availability"])
    return data


def _items(value: Any, separator: str | None) -> list[Any]:
    if not isinstance(value, str):
        return list(value or [])
    parts = value.split(separator) if separator else _SPLIT.split(value)
    return [part.strip() for part in parts if part.strip()]


def _availability(text: str) -> dict[str, list[dict[str, str]]]:
    slots: dict[str, list[dict[str, str]]] = {}
    for entry in filter(str.strip, text.split(";")):
        match = _SLOT.match(entry)
        if not match:
            raise ValueError(f"availability: {entry.strip()!r} is not 'day HH:MM-HH:MM'")
        day, start, end = match.groups()
        slots.setdefault(day.lower(), []).append({"start": start.zfill(5), "end": end.zfill(5)})
    return slots


def _validated(line: int, data: dict[str, Any]) -> Row:
    profile_id = data.get("id") if isinstance(data.get("id"), str) else None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        return Row(line, profile_id, reason=reasons(exc))
    # The profile's fields, validated above: taken as they are, not validated a second time.
    fields = ProfileFields.model_construct(**{name: getattr(profile, name) for name in FIELDS})
    return Row(line, profile.id, fields=fields)


def reasons(exc: ValidationError) -> str:
    """Field-level reasons without the offending values (they may be email addresses)."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    )
