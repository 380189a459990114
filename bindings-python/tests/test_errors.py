"""The exception hierarchy: codes, statuses, pickling, and panics as InternalError."""

from __future__ import annotations

import pickle

import pytest

import erpops


def test_every_exception_derives_from_error() -> None:
    for cls in (
        erpops.InvalidSignature,
        erpops.InvalidSecret,
        erpops.ValidationError,
        erpops.RequestRejected,
        erpops.InternalError,
        erpops.AlertError,
        erpops.ScheduleError,
    ):
        assert issubclass(cls, erpops.Error)
        assert issubclass(cls, Exception)
    # Bad values also drop into code written for the stdlib.
    for cls in (
        erpops.InvalidSignature,
        erpops.InvalidSecret,
        erpops.ValidationError,
        erpops.AlertError,
        erpops.ScheduleError,
    ):
        assert issubclass(cls, ValueError)


def test_exceptions_pickle_with_their_attributes() -> None:
    try:
        erpops.verify(b"{}", "sha256=xyz", b"k")
    except erpops.InvalidSignature as e:
        back = pickle.loads(pickle.dumps(e))
        assert (back.code, back.status, str(back)) == (e.code, e.status, str(e))
    else:
        pytest.fail("expected InvalidSignature")
    v = erpops.ValidationError("bad", errors=[{"pointer": "/x", "code": "type", "message": "m"}])
    back_v = pickle.loads(pickle.dumps(v))
    assert back_v.errors == v.errors and back_v.code == "invalid_event" and back_v.status == 422


def test_alert_and_schedule_errors_pickle_with_their_codes() -> None:
    for call in (
        lambda: erpops.AlertEngine().set_rule({"id": "", "name": "n", "channel": "c"}),
        lambda: erpops.Schedule.single("0 2 * * *", "CDT"),
    ):
        try:
            call()
        except erpops.Error as e:
            back = pickle.loads(pickle.dumps(e))
            assert (type(back), back.code, str(back)) == (type(e), e.code, str(e))
            assert back.status is None
        else:
            pytest.fail("expected an erpops.Error")


def test_user_constructed_exceptions_have_defaults() -> None:
    assert erpops.InvalidSignature("x").code == "signature_mismatch"
    assert erpops.InvalidSignature("x").status == 401
    r = erpops.RequestRejected("no", code="quota_exceeded", status=429, headers={"Retry-After": "5"})
    assert r.problem == {} and r.headers == {"Retry-After": "5"}


def test_a_panic_surfaces_as_internal_error_not_panic_exception() -> None:
    with pytest.raises(erpops.InternalError) as info:
        erpops._native._panic_for_tests()
    assert info.value.code == "internal"
    assert "deliberate panic" in str(info.value)


def test_a_panic_is_caught_by_except_exception() -> None:
    caught = False
    try:
        erpops._native._panic_for_tests()
    except Exception:  # what a web framework's error handler catches
        caught = True
    assert caught
