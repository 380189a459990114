"""Typed usage of the public API: `mypy --strict` checks it against the stubs.

Not a test module (pytest does not collect it); it must type-check, and it
also runs: `python tests/typing_usage.py`.
"""

from __future__ import annotations

import erpops


def sign_and_verify(body: bytes, secret: str) -> bool:
    header: str = erpops.sign(body, secret)
    erpops.verify(body, header, [secret, erpops.Secret(b"previous")])
    ok: bool = erpops.is_valid(memoryview(body), header.encode(), secret)
    return ok


def incremental(chunks: list[bytes], secret: erpops.Secret) -> str:
    signer = erpops.Signer(secret)
    for chunk in chunks:
        signer.update(chunk)
    fed: int = signer.bytes_fed
    assert fed == sum(map(len, chunks))
    return signer.finalize()


def handle(body: bytes, header: str | None) -> tuple[int, str]:
    try:
        erpops.verify(body, header, b"s3cret")
    except erpops.InvalidSignature as e:
        status: int | None = e.status
        code: str = e.code
        return (status or 401, code)
    return (202, "accepted")


def receive(body: bytes, header_id: str) -> dict[str, object]:
    try:
        event: erpops.Event = erpops.validate(body, connector_id=header_id, pii_policy="reject")
    except erpops.ValidationError as e:
        pointers: list[str] = [v["pointer"] for v in e.errors]
        return {"status": 422, "pointers": pointers}
    sev: erpops.Severity = event.severity
    return {"status": 202, "severity": sev.value, "ts": event.timestamp.isoformat(), **event.to_dict()}


def send(secret: bytes) -> tuple[bytes, dict[str, str]]:
    built: bytes = (
        erpops.EventBuilder()
        .connector_id("3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d")
        .event_type("integration.failed")
        .timestamp("2026-04-20T03:00:00Z")
        .metadata("exit_code", 1)
        .build()
    )
    assert built
    return erpops.signed_request(
        secret=secret,
        connector_id="3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
        event_type="integration.failed",
        timestamp="2026-04-20T03:00:00Z",
        metadata={"records_total": 40000},
    )


def send_within_limit(secret: bytes, note: str) -> tuple[int, str]:
    try:
        body, _headers = erpops.signed_request(
            secret=secret,
            connector_id="3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d",
            event_type="integration.failed",
            timestamp="2026-04-20T03:00:00Z",
            metadata={"note": note},
            max_body_bytes=erpops.DEFAULT_MAX_BODY_BYTES,
        )
    except erpops.BodyTooLarge as e:
        size: int = e.size
        limit: int = e.limit
        return (size - limit, e.code)
    except erpops.ValidationError as e:
        count: int = e.error_count
        return (count, e.code)
    built: bytes = erpops.EventBuilder().max_body_bytes(1000).message(note).build_signed(secret)[0]
    return (len(body) + len(built) + erpops.MAX_LISTED_VIOLATIONS, "built")


def quota_and_incidents(event: erpops.Event) -> int:
    ledger = erpops.QuotaLedger()
    d: erpops.QuotaDecision = ledger.consume("acme", plan="free")
    model = erpops.IncidentModel(reopen_window=1800)
    effects = model.ingest(event, "evt_1")
    text, findings = erpops.redact("mail me at a@b.example")
    spans: list[tuple[int, int]] = [(f.start, f.end) for f in findings]
    return len(effects) + (d.remaining or 0) + len(text) + len(spans)


if __name__ == "__main__":
    assert sign_and_verify(b"{}", "k")
    assert incremental([b"{", b"}"], erpops.Secret("k")) == erpops.sign(b"{}", "k")
    assert handle(b"{}", None) == (401, "signature_missing")
    print(erpops.SIGNATURE_HEADER, erpops.__version__)
