"""One profile change through the HTTP API, made safe to retry: a create whose answer was lost
is found by its email; a repeated delete finds nothing; a stale `If-Match` must get 412."""

from bench.faults.doors import Http
from bench.faults.drive_record import Record
from bench.faults.history import Expected
from bench.faults.workload import Op


async def send_api(profiles: Http, record: Record, op: Op) -> None:
    assert op.person is not None
    if op.kind == "create":
        await _create(profiles, record, op)
        return
    profile_id = record.ids.get(op.person)
    if profile_id is None:
        return  # its create never got through: nothing to change
    if op.kind == "delete":
        response = await profiles.call("DELETE", f"/profiles/{profile_id}")
        if response.status_code in (204, 404):
            record.api_finals[op.person] = Expected(deleted=True, name=None)
        else:
            record.problems.append(f"delete {profile_id}: {response.status_code}")
        return
    headers = {}
    if op.kind == "stale":
        acked = record.versions.get(profile_id, [])
        headers["If-Match"] = f'"{acked[-2] if len(acked) > 1 else 0}"'
    response = await profiles.call(
        "PUT", f"/profiles/{profile_id}", json=op.fields, headers=headers
    )
    if op.kind == "stale":
        if response.status_code != 412:
            record.problems.append(f"stale PUT {profile_id}: {response.status_code}, not 412")
        return
    _acked(record, op, profile_id, response.status_code, response.headers.get("ETag"))


async def _create(profiles: Http, record: Record, op: Op) -> None:
    assert op.person is not None and op.fields is not None
    response = await profiles.call("POST", "/profiles", json=op.fields)
    if response.status_code == 409:  # an earlier try was stored, its answer lost
        found = await _by_email(profiles, str(op.fields["program_id"]), str(op.fields["email"]))
        if found is None:
            record.problems.append(f"create {op.person}: 409 and not found")
            return
        record.ids[op.person] = found
        record.api_finals[op.person] = Expected(deleted=False, name=str(op.fields["name"]))
        return
    profile_id = str(response.json().get("id", "")) if response.status_code == 201 else ""
    if not profile_id:
        record.problems.append(f"create {op.person}: {response.status_code} {response.text[:200]}")
        return
    record.ids[op.person] = profile_id
    _acked(record, op, profile_id, 201, response.headers.get("ETag"))


def _acked(record: Record, op: Op, profile_id: str, status: int, etag: str | None) -> None:
    if status not in (200, 201) or op.fields is None:
        record.problems.append(f"{op.kind} {profile_id}: {status}")
        return
    if etag:
        version = int(etag.strip('W/"'))
        acked = record.versions.setdefault(profile_id, [])
        if version not in acked:
            acked.append(version)
    assert op.person is not None
    record.api_finals[op.person] = Expected(deleted=False, name=str(op.fields["name"]))


async def _by_email(profiles: Http, program: str, email: str) -> str | None:
    cursor: str | None = None
    while True:
        params = {"program_id": program, "limit": 100} | ({"cursor": cursor} if cursor else {})
        page = (await profiles.call("GET", "/profiles", params=params)).json()
        for item in page["items"]:
            if item["email"] == email:
                return str(item["id"])
        cursor = page.get("next_cursor")
        if not cursor:
            return None
