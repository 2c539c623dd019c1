"""Schemathesis hooks for the sync API: what a real terminal always does and a JSON schema cannot
say. Each hook changes only values that are valid already, so that a negative case (a value the
schema forbids) stays negative.

- The path's terminal is the one whose token the run uses (TILL_TERMINAL); any other valid id
  would only ever get 403.
- Every batch has a new Idempotency-Key (a key reused with another body is a 422 by contract).
- Within a batch, seq rises strictly and no event id comes twice (both 422 by contract, and
  neither expressible in the schema).
"""
import os
import re
import uuid

import schemathesis

TERMINAL = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _whole(v):
    """An integer as JSON Schema counts them (1 and 1.0), as an int; else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def _terminal(params):
    if params and isinstance(params.get("terminal_id"), str) and TERMINAL.match(params["terminal_id"]):
        params["terminal_id"] = os.environ["TILL_TERMINAL"]


def _key(headers):
    for name in list(headers or {}):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and UUID.match(headers[name]):
            headers[name] = str(uuid.uuid4())


def _batch(body):
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return
    seqs = [_whole(e.get("seq")) for e in events]
    if all(s is not None and s >= 1 for s in seqs):
        last = 0
        for e, s in zip(events, seqs):
            e["seq"] = max(s, last + 1)
            last = e["seq"]
    seen = set()
    for e in events:
        i = e.get("event_id")
        if isinstance(i, str) and UUID.match(i):
            if i.lower() in seen:
                e["event_id"] = str(uuid.uuid4())
            seen.add(e["event_id"].lower())


# Right before each request, in every phase (the coverage phase reuses one example key).
@schemathesis.hook
def before_call(ctx, case, **kwargs):
    _terminal(case.path_parameters)
    _key(case.headers)
    _batch(case.body)
