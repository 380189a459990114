"""validate, Event, EventBuilder, build_event and signed_request: the Python surface."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

import erpops

CID = "3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d"
NOW = datetime(2026, 4, 20, 3, 5, tzinfo=timezone.utc)
TS = datetime(2026, 4, 20, 3, 0, tzinfo=timezone.utc)
SECRET = b"whsec-api-test"


def body(**fields: object) -> bytes:
    base: dict[str, object] = {
        "connector_id": CID,
        "event_type": "integration.failed",
        "timestamp": "2026-04-20T03:00:00Z",
    }
    base.update(fields)
    return json.dumps({k: v for k, v in base.items() if v is not None}).encode()


def test_event_attributes_are_python_types() -> None:
    e = erpops.validate(
        body(severity="error", source="PSFT", metadata={"records_total": 40000, "big": 2**64 - 1, "ok": True}),
        connector_id=uuid.UUID(CID),
        now=NOW,
    )
    assert e.connector_id == uuid.UUID(CID)
    assert e.timestamp == TS and e.timestamp.tzinfo is not None
    assert e.severity is erpops.Severity.ERROR and e.severity == "error"
    assert e.metadata == {"records_total": 40000, "big": 2**64 - 1, "ok": True}
    assert (e.family, e.outcome) == ("integration", "failed")
    assert e.to_dict() == json.loads(e.to_json())
    assert e.to_dict()["timestamp"] == "2026-04-20T03:00:00Z"
    assert "integration.failed" in repr(e)


def test_defaults_read_the_clock_and_severity_defaults_to_info() -> None:
    fresh = json.dumps(
        {"connector_id": CID, "event_type": "health.ok", "timestamp": datetime.now(timezone.utc).isoformat()}
    )
    e = erpops.validate(fresh)
    assert e.severity == erpops.Severity.INFO and e.source is None and e.metadata == {}


def test_validation_error_lists_every_violation() -> None:
    bad = body(event_type="Integration", severity="fatal", extra=1, metadata={"x": [1]})
    with pytest.raises(erpops.ValidationError) as info:
        erpops.validate(bad, connector_id="123e4567-e89b-12d3-a456-426614174000", now=NOW)
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, erpops.Error)
    codes = {(v["pointer"], v["code"]) for v in e.errors}
    assert {("/event_type", "format"), ("/severity", "enum"), ("/extra", "unknown_field")} <= codes
    assert ("/connector_id", "mismatch") in codes
    assert any(p.startswith("/metadata/x") for p, _ in codes)
    assert e.syntax is None


def test_syntax_error_has_a_position() -> None:
    with pytest.raises(erpops.ValidationError) as info:
        erpops.validate(b'{"connector_id": \n  oops}', now=NOW)
    assert info.value.errors[0]["code"] == "syntax"
    assert info.value.syntax is not None and info.value.syntax["line"] == 2


def test_time_window_options() -> None:
    old = body(timestamp="2026-04-19T01:00:00Z")
    with pytest.raises(erpops.ValidationError) as info:
        erpops.validate(old, now=NOW)
    assert info.value.errors[0]["code"] == "too_old"
    erpops.validate(old, now=NOW, max_age=timedelta(days=2))
    erpops.validate(old, now=int(NOW.timestamp()), max_age=2 * 86400)


def test_bad_options_are_python_errors() -> None:
    with pytest.raises(ValueError, match="pii_policy"):
        erpops.validate(body(), now=NOW, pii_policy="drop")
    with pytest.raises(ValueError, match="UUID"):
        erpops.validate(body(), now=NOW, connector_id="not-a-uuid")
    with pytest.raises(ValueError, match="timezone-aware"):
        erpops.validate(body(), now=datetime(2026, 4, 20))
    with pytest.raises(ValueError, match="negative"):
        erpops.validate(body(), now=NOW, max_age=-1)


def test_body_over_the_limit_is_one_too_long_violation() -> None:
    with pytest.raises(erpops.ValidationError) as info:
        erpops.validate(body(message="x" * 2000), now=NOW, max_body_bytes=1000)
    assert [(v["pointer"], v["code"]) for v in info.value.errors] == [("", "too_long")]


def test_builder_emits_compact_json_in_field_order() -> None:
    b = (
        erpops.EventBuilder()
        .connector_id(CID.upper())
        .event_type("integration.failed")
        .timestamp(TS)
        .severity(erpops.Severity.ERROR)
        .source("PSFT_PAYROLL_BATCH")
        .message("Exit code 1 at record 18441")
        .metadata("records_processed", 18441)
        .metadata("ratio", 0.5)
        .metadata("ok", False)
        .metadata("none", None)
    )
    out = b.build()
    assert out == (
        b'{"connector_id":"3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d","event_type":"integration.failed",'
        b'"timestamp":"2026-04-20T03:00:00Z","severity":"error","source":"PSFT_PAYROLL_BATCH",'
        b'"message":"Exit code 1 at record 18441","metadata":{"records_processed":18441,"ratio":0.5,'
        b'"ok":false,"none":null}}'
    )
    body_signed, sig = b.build_signed(SECRET)
    assert body_signed == out and sig == erpops.sign(out, SECRET)
    erpops.validate(out, connector_id=CID, now=NOW)


def test_builder_run_signals_share_a_run_id() -> None:
    started = (
        erpops.EventBuilder()
        .connector_id(CID)
        .event_type("integration.started")
        .timestamp(TS)
        .source("PSFT_PAYROLL_BATCH")
        .run_id("PAY_NIGHTLY_01-1234567")
    )
    assert started.build().endswith(b'"metadata":{"run_id":"PAY_NIGHTLY_01-1234567"}}')
    succeeded = started.event_type("integration.succeeded").records_processed(0).records_processed(2**64 - 1)
    out = succeeded.build()
    assert out.endswith(b'"metadata":{"run_id":"PAY_NIGHTLY_01-1234567","records_processed":18446744073709551615}}')
    event = erpops.validate(out, connector_id=CID, now=NOW)
    assert event.metadata == {"run_id": "PAY_NIGHTLY_01-1234567", "records_processed": 2**64 - 1}
    with pytest.raises(OverflowError):
        succeeded.records_processed(-1)
    with pytest.raises(TypeError):
        succeeded.run_id(4711)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("run_id", "code", "fix"),
    [
        ("", "format", "must not be empty"),
        ("a\tb", "format", "control characters"),
        ("r" * 129, "too_long", "at most 128"),
    ],
)
def test_builder_refuses_an_invalid_run_id_at_build(run_id: str, code: str, fix: str) -> None:
    b = erpops.EventBuilder().connector_id(CID).event_type("integration.started").timestamp(TS).run_id(run_id)
    with pytest.raises(erpops.ValidationError) as info:
        b.build()
    [v] = info.value.errors
    assert (v["pointer"], v["code"]) == ("/metadata/run_id", code)
    assert fix in v["message"]
    # The generic setter meets the same rule, and so does the receiver: an
    # integer is a run id (it pairs as its decimal text), a fraction is not.
    erpops.EventBuilder().connector_id(CID).event_type("a.started").timestamp(TS).metadata("run_id", 7).build()
    with pytest.raises(erpops.ValidationError) as generic:
        erpops.EventBuilder().connector_id(CID).event_type("a.started").timestamp(TS).metadata("run_id", 7.5).build()
    assert [(v["pointer"], v["code"]) for v in generic.value.errors] == [("/metadata/run_id", "type")]


def test_builder_reports_every_problem_and_never_builds_an_invalid_event() -> None:
    b = erpops.EventBuilder().connector_id("nope").event_type("x").timestamp("yesterday").severity("fatal")
    with pytest.raises(erpops.ValidationError) as info:
        b.validate()
    codes = {(v["pointer"], v["code"]) for v in info.value.errors}
    assert {"/connector_id", "/event_type", "/timestamp", "/severity"} <= {p for p, _ in codes}
    with pytest.raises(erpops.ValidationError):
        b.build()
    with pytest.raises(erpops.ValidationError) as missing:
        erpops.EventBuilder().build()
    assert {v["code"] for v in missing.value.errors} == {"missing"}


def test_builder_metadata_types() -> None:
    b = erpops.EventBuilder()
    with pytest.raises(TypeError, match="flat"):
        b.metadata("x", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside"):
        b.metadata("x", 2**64)


def test_build_event_and_signed_request() -> None:
    fields = dict(
        connector_id=uuid.UUID(CID),
        event_type="integration.failed",
        timestamp=TS,
        severity="error",
        metadata={"exit_code": 1},
    )
    built = erpops.build_event(**fields)  # type: ignore[arg-type]
    body_, headers = erpops.signed_request(secret=SECRET, **fields)  # type: ignore[arg-type]
    assert body_ == built
    assert headers == {
        "Content-Type": "application/json",
        "X-ERPOps-Connector-Id": CID,
        "X-ERPOps-Signature": erpops.sign(built, SECRET),
    }
    erpops.verify(body_, headers[erpops.SIGNATURE_HEADER], SECRET)
    e = erpops.validate(body_, connector_id=headers[erpops.CONNECTOR_ID_HEADER], now=NOW)
    assert e.metadata == {"exit_code": 1}


def test_build_event_checks_the_window_only_when_given_now() -> None:
    stale = dict(connector_id=CID, event_type="integration.failed", timestamp="2020-01-01T00:00:00Z")
    erpops.build_event(**stale)
    with pytest.raises(erpops.ValidationError) as info:
        erpops.build_event(now=NOW, **stale)
    assert info.value.errors[0]["code"] == "too_old"


def test_validate_batch_returns_events_and_errors_in_order() -> None:
    good = body(severity="warn")
    bad = body(event_type="nope")
    out = erpops.validate_batch([good, bad, bytearray(good), good.decode()], connector_id=CID, now=NOW)
    assert [type(x).__name__ for x in out] == ["Event", "ValidationError", "Event", "Event"]
    first, err = out[0], out[1]
    assert isinstance(first, erpops.Event) and first.severity == "warn"
    assert isinstance(err, erpops.ValidationError) and err.errors[0]["pointer"] == "/event_type"
    assert erpops.validate_batch([], now=NOW) == []


def big_event(**extra: object) -> dict[str, object]:
    """Fields whose body is far over 64 KiB: 64 metadata strings of 1,024 four-byte characters."""
    fields: dict[str, object] = dict(
        connector_id=CID,
        event_type="integration.failed",
        timestamp=TS,
        metadata={"note%02d" % i: "\U0001f600" * 1024 for i in range(64)},
    )
    fields.update(extra)
    return fields


def test_a_body_over_the_limit_is_refused_before_signing() -> None:
    # Issue #22: 64 valid metadata strings of 1,024 emoji are a 270 KB body; a receiver
    # answers 413, so the builder refuses it with the same code and never signs it.
    for call in (
        lambda: erpops.build_event(**big_event()),  # type: ignore[arg-type]
        lambda: erpops.signed_request(secret=SECRET, **big_event()),  # type: ignore[arg-type]
        lambda: erpops.EventBuilder().connector_id(CID).event_type("a.b").timestamp(TS).message("x" * 300)
        .max_body_bytes(200).build_signed(SECRET),
    ):
        with pytest.raises(erpops.BodyTooLarge) as info:
            call()
        e = info.value
        assert isinstance(e, erpops.ValidationError) and isinstance(e, erpops.Error)
        assert (e.code, e.status) == ("body_too_large", 413)
        assert e.size > e.limit and e.limit in (erpops.DEFAULT_MAX_BODY_BYTES, 200)
        assert f"{e.size} bytes" in str(e) and f"limit of {e.limit} bytes" in str(e)
        assert "shorten the message or the metadata" in str(e)
        assert [(v["pointer"], v["code"]) for v in e.errors] == [("", "too_long")]
        assert e.errors[0]["message"] == str(e) and e.error_count == 1
    assert erpops.DEFAULT_MAX_BODY_BYTES == 65536


def test_the_limit_is_settable_for_receivers_configured_otherwise() -> None:
    fields = dict(connector_id=CID, event_type="integration.failed", timestamp=TS, message="m" * 100)
    size = len(erpops.build_event(**fields))  # type: ignore[arg-type]
    assert erpops.build_event(max_body_bytes=size, **fields) == erpops.build_event(**fields)  # type: ignore[arg-type]
    with pytest.raises(erpops.BodyTooLarge) as info:
        erpops.build_event(max_body_bytes=size - 1, **fields)  # type: ignore[arg-type]
    assert (info.value.size, info.value.limit) == (size, size - 1)
    with pytest.raises(erpops.BodyTooLarge):
        erpops.signed_request(secret=SECRET, max_body_bytes=size - 1, **fields)  # type: ignore[arg-type]
    # A receiver configured higher: the same 270 KB event builds with its limit.
    body_, headers = erpops.signed_request(secret=SECRET, max_body_bytes=300_000, **big_event())  # type: ignore[arg-type]
    assert len(body_) > 65536 and headers[erpops.SIGNATURE_HEADER] == erpops.sign(body_, SECRET)
    erpops.validate(body_, now=NOW, max_body_bytes=300_000)
    # Field violations come first: a 5,000-character message is too_long, not body_too_large.
    with pytest.raises(erpops.ValidationError) as invalid:
        erpops.build_event(max_body_bytes=100, **dict(fields, message="m" * 5000))  # type: ignore[arg-type]
    assert not isinstance(invalid.value, erpops.BodyTooLarge)
    assert (invalid.value.code, invalid.value.errors[0]["pointer"]) == ("invalid_event", "/message")
    with pytest.raises((OverflowError, TypeError)):
        erpops.EventBuilder().max_body_bytes(-1)


def test_a_422_lists_the_first_100_violations_and_counts_them_all() -> None:
    fields = {"connector_id": CID, "event_type": "integration.failed", "timestamp": "2026-04-20T03:00:00Z"}
    fields.update({"x%04d" % i: 0 for i in range(5000)})
    with pytest.raises(erpops.ValidationError) as info:
        erpops.validate(json.dumps(fields), now=NOW)
    e = info.value
    assert e.error_count == 5000 and len(e.errors) == erpops.MAX_LISTED_VIOLATIONS == 100
    assert [v["pointer"] for v in e.errors] == ["/x%04d" % i for i in range(100)]
    assert str(e).startswith("invalid event (5000 problems, the first 100 listed); ")


def test_body_too_large_pickles_with_its_attributes() -> None:
    import pickle

    with pytest.raises(erpops.BodyTooLarge) as info:
        erpops.build_event(max_body_bytes=10, connector_id=CID, event_type="a.b", timestamp=TS)
    back = pickle.loads(pickle.dumps(info.value))
    assert (back.code, back.status, back.size, back.limit, back.errors, back.error_count) == (
        "body_too_large",
        413,
        info.value.size,
        10,
        info.value.errors,
        1,
    )
