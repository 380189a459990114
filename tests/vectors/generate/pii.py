#!/usr/bin/env python3
"""Generates tests/vectors/pii.json from the hand-written cases below.

Each case is a text in which every expected finding is marked as
`⟦kind|value⟧`. This script removes the marks, computes the byte offsets of
each finding in the UTF-8 text and the redacted text, and checks every
marked value against independent oracles (Luhn, ISO 7064 mod 97-10, the SSA
never-issued ranges, E.164 digit counts). The expectations are written by
hand from the rules in docs/pii.md, never produced by the Rust code. Run
with `--check` to verify the committed file is exactly what this produces
(make test does).
"""
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pii.json"
MARK = re.compile(r"⟦(email|ssn|card|iban|phone)\|(.*?)⟧", re.S)

CASES = [
    # --- false-positive traps: never findings ---------------------------------
    ("trap-record-count", "Exit code 1 at record 18441"),
    ("trap-record-total", "records_total=40000"),
    ("trap-thousands", "processed 1,234,567 rows"),
    ("trap-count-list", "counts 40000 18441 20000"),
    ("trap-exit-code-negative", "return code -1073741819"),
    ("trap-date", "2026-04-20"),
    ("trap-basic-datetime", "20260420T030000Z"),
    ("trap-time", "03:00:00"),
    ("trap-rfc3339-offset", "2026-04-20T03:00:00.123456+02:00"),
    ("trap-rfc2822", "Mon, 20 Apr 2026 03:00:00 +0200"),
    ("trap-unix-millis", "at 1776654000123"),
    ("trap-uuid", "connector 3f2b8c1e-9a4d-4e7b-8c21-5d6f7a8b9c0d failed"),
    ("trap-uuid-digits", "11111111-2222-3333-4444-555555555555"),
    ("trap-prcsinstance", "PRCSINSTANCE=1234567"),
    ("trap-run-control", "RUN_CNTL_ID=PAY_NIGHTLY_01"),
    ("trap-process-instance-long", "Process Instance 412345678901234 ended"),
    ("trap-version", "PeopleTools 8.61.09"),
    ("trap-ipv4", "peer 192.168.1.1:8443"),
    ("trap-ipv6", "peer 2001:db8::1"),
    ("trap-amount", "$12,345.67"),
    ("trap-amount-eu", "EUR 1.234.567,89"),
    ("trap-decimal-16-digits", "amount 4111111111111111.50"),
    ("trap-phone-no-plus", "call 555-123-4567"),
    ("trap-phone-parens-no-plus", "call (555) 123-4567"),
    ("trap-phone-00-prefix", "call 0044 20 7946 0958"),
    ("trap-sha256", "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
    ("trap-hex-digits-then-letters", "commit 4111111111111111aa"),
    ("trap-luhn-invalid", "card 4111111111111112"),
    ("trap-first-digit-7", "7111111111111111"),
    ("trap-first-digit-1", "1234567890123452"),
    ("trap-compact-timestamp", "batch 20260420030005 done"),
    ("trap-compact-timestamp-millis", "file 20260420030000007.csv"),
    ("trap-2-outside-networks", "2100000000000005"),
    ("trap-20-digits", "41111111111111111111"),
    ("trap-dash-token-too-long", "4111-1111-1111-1111-2024"),
    ("trap-order-prefix", "ORD-4111111111111111"),
    ("trap-underscore-prefix", "SO_4111111111111111"),
    ("trap-letter-prefix", "A4111111111111111"),
    ("trap-order-number", "order 123456789 shipped"),
    ("trap-ssn-area-000", "000-12-3456"),
    ("trap-ssn-area-666", "666-12-3456"),
    ("trap-ssn-area-9xx", "900-12-3456"),
    ("trap-ssn-group-00", "123-00-4567"),
    ("trap-ssn-serial-0000", "123-45-0000"),
    ("trap-ssn-unhyphenated", "123456789"),
    ("trap-ssn-too-long", "123-45-67890"),
    ("trap-ssn-area-too-long", "1123-45-6789"),
    ("trap-email-localhost", "root@localhost"),
    ("trap-email-handle", "ping @ops-team"),
    ("trap-email-one-letter-tld", "a@b.c"),
    ("trap-email-ip-domain", "host@10.0.0.1"),
    ("trap-email-trailing-dot", "john.@example.com"),
    ("trap-iban-bad-check", "DE89 3704 0044 0532 0130 02"),
    ("trap-iban-too-short", "DE8937040044053201300"),
    ("trap-iban-unknown-country", "XX89370400440532013000"),
    ("trap-iban-lowercase", "de89370400440532013000"),
    ("trap-phone-plus-one", "+1"),
    ("trap-phone-plus-records", "+5 records"),
    ("trap-utc-offset", "+02:00"),
    ("trap-utc-offset-basic", "+0000"),
    ("trap-phone-too-short", "+12345"),
    ("trap-phone-too-long", "+1234567890123456"),
    ("trap-phone-unclosed-paren", "+1 (555 123-4567"),
    ("trap-phone-letters-after", "+44 20 7946 0958abc"),
    ("trap-signed-amount", "balance +1234567.89 EUR"),
    ("trap-file-name-at", "asset logo@2x.png and export@2026.CSV"),
    ("trap-empty", ""),
    # --- true positives: one of each kind in longer text -----------------------
    ("email-in-text", "contact ⟦email|john.doe+ops@example.co.uk⟧ now"),
    ("email-subdomain-hyphen", "to ⟦email|a_b%c-d@mail.my-company.example⟧"),
    ("email-punycode-tld", "to ⟦email|user@example.xn--p1ai⟧"),
    ("email-after-equals", "user=⟦email|jane@example.org⟧"),
    ("email-quoted", "to='⟦email|jane@example.org⟧'"),
    ("email-mailto", "mailto:⟦email|jane@example.org⟧"),
    ("email-angle", "Jane Doe <⟦email|jane@example.org⟧>"),
    ("email-sentence-end", "write to ⟦email|jane@example.org⟧."),
    ("email-doubled-dots-before", "see...⟦email|jane@example.org⟧"),
    ("email-numeric-local", "from ⟦email|4111111111111111@example.com⟧"),
    ("email-plus-local", "from ⟦email|+4930123456@example.com⟧"),
    ("ssn-in-text", "employee ⟦ssn|123-45-6789⟧ updated"),
    ("ssn-csv", "Doe,⟦ssn|123-45-6789⟧,2026"),
    ("ssn-highest-area", "⟦ssn|899-99-9999⟧"),
    ("card-contiguous", "paid with ⟦card|4111111111111111⟧ today"),
    ("card-spaces", "paid with ⟦card|4111 1111 1111 1111⟧ today"),
    ("card-dashes", "paid with ⟦card|4111-1111-1111-1111⟧ today"),
    ("card-amex-grouped", "amex ⟦card|3782 822463 10005⟧"),
    ("card-amex", "amex ⟦card|378282246310005⟧"),
    ("card-mastercard-2-series", "mc ⟦card|2223003122003222⟧"),
    ("card-mir", "mir ⟦card|2200000000000004⟧"),
    ("card-discover", "⟦card|6011111111111117⟧"),
    ("card-13-digits", "visa ⟦card|4222222222222⟧"),
    ("card-19-digits-grouped", "⟦card|6011 0009 9013 9424 009⟧"),
    ("card-then-expiry", "card ⟦card|4111 1111 1111 1111⟧ 12/27"),
    ("card-then-year", "card ⟦card|4111 1111 1111 1111⟧ 2027"),
    ("card-label-colon", "card:⟦card|5555555555554444⟧"),
    ("card-hash", "card #⟦card|5555555555554444⟧"),
    ("iban-printed", "to ⟦iban|DE89 3704 0044 0532 0130 00⟧ now"),
    ("iban-compact", "to ⟦iban|DE89370400440532013000⟧"),
    ("iban-letters-in-bban", "⟦iban|GB82 WEST 1234 5698 7654 32⟧"),
    ("iban-shortest-norway", "⟦iban|NO9386011117947⟧"),
    ("iban-france", "IBAN:⟦iban|FR1420041010050500013M02606⟧"),
    ("iban-registry-ad", "⟦iban|AD12 0001 2030 2003 5910 0100⟧"),
    ("iban-registry-be", "⟦iban|BE68 5390 0754 7034⟧"),
    ("iban-registry-br", "⟦iban|BR18 0036 0305 0000 1000 9795 493C 1⟧"),
    ("iban-registry-ch", "⟦iban|CH93 0076 2011 6238 5295 7⟧"),
    ("iban-registry-fr", "⟦iban|FR14 2004 1010 0505 0001 3M02 606⟧"),
    ("iban-registry-lc", "⟦iban|LC55 HEMM 0001 0001 0012 0012 0002 3015⟧"),
    ("iban-registry-mt", "⟦iban|MT84 MALT 0110 0001 2345 MTLC AST0 01S⟧"),
    ("iban-registry-mk", "⟦iban|MK07 2501 2000 0058 984⟧"),
    ("iban-registry-sc", "⟦iban|SC18 SSCB 1101 0000 0000 0000 1497 USD⟧"),
    ("iban-registry-qa", "⟦iban|QA58 DOHB 0000 1234 5678 90AB CDEF G⟧"),
    ("iban-registry-kz", "⟦iban|KZ86 125K ZT50 0410 0100⟧"),
    ("iban-registry-pl", "⟦iban|PL61 1090 1014 0000 0712 1981 2874⟧"),
    ("iban-printed-then-word", "⟦iban|GB29 NWBK 6016 1331 9268 19⟧ EUR"),
    ("phone-us", "call ⟦phone|+1 (555) 123-4567⟧ now"),
    ("phone-uk", "call ⟦phone|+44 20 7946 0958⟧"),
    ("phone-trunk-zero", "call ⟦phone|+44 (0)20 7946 0958⟧"),
    ("phone-dots", "call ⟦phone|+33.1.23.45.67.89⟧"),
    ("phone-compact", "call ⟦phone|+4930123456⟧"),
    ("phone-dashes", "call ⟦phone|+49-30-123456⟧"),
    ("phone-then-count", "call ⟦phone|+44 20 7946 0958⟧ 18441 rows"),
    ("phone-15-digits", "⟦phone|+123456789012345⟧"),
    ("phone-7-digits", "⟦phone|+6831234⟧"),
    # --- edges, punctuation, non-ASCII neighbours (byte offsets!) -------------
    ("start-of-text", "⟦card|4111111111111111⟧ ok"),
    ("end-of-text", "ok ⟦card|4111111111111111⟧"),
    ("whole-text", "⟦email|jane@example.org⟧"),
    ("parens", "(⟦ssn|123-45-6789⟧)"),
    ("brackets", "[⟦phone|+44 20 7946 0958⟧]"),
    ("json-like", "{\"to\":\"⟦email|jane@example.org⟧\"}"),
    ("semicolons", "⟦ssn|123-45-6789⟧;⟦card|4111111111111111⟧;"),
    ("newline-tab", "\t⟦iban|DE89370400440532013000⟧\n"),
    ("german-before", "Größe ⟦card|4111111111111111⟧"),
    ("umlaut-touching", "ä⟦card|4111111111111111⟧ü"),
    ("eszett-touching-email", "Maß⟦email|jane@example.org⟧ß"),
    ("cjk-touching", "日本⟦phone|+81 3 1234 5678⟧語"),
    ("euro-touching-iban", "€⟦iban|DE89370400440532013000⟧€"),
    ("emoji-touching-ssn", "😀⟦ssn|123-45-6789⟧😀"),
    ("accent-before-plus", "café⟦phone|+44 20 7946 0958⟧"),
    ("email-non-ascii-local-part", "jö⟦email|rg@example.de⟧"),
    ("email-apostrophe-delimits", "o'⟦email|brien@example.com⟧"),
    # --- several findings, and redaction stability ----------------------------
    ("several-kinds",
     "SSN ⟦ssn|123-45-6789⟧, card ⟦card|4111111111111111⟧, mail ⟦email|a.b@example.com⟧, "
     "tel ⟦phone|+1 555 123 4567⟧, iban ⟦iban|NL91ABNA0417164300⟧."),
    ("card-slash-phone", "⟦card|4111111111111111⟧/⟦phone|+44 20 7946 0958⟧"),
    ("phone-then-ssn", "⟦phone|+1 555 123 4567⟧ ⟦ssn|123-45-6789⟧"),
    ("seed-message", "Exit code 1 at record 18441 for ⟦email|payroll.admin@example.com⟧"),
]

# Lengths of the countries used above, from the SWIFT IBAN registry.
IBAN_LENGTHS = {"AD": 24, "BE": 16, "BR": 29, "CH": 21, "DE": 22, "FR": 27, "GB": 22, "KZ": 20,
                "LC": 32, "MK": 19, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "QA": 29, "SC": 31}


def luhn_ok(digits):
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(value):
    s = value.replace(" ", "")
    if IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    rearranged = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def check_value(kind, value):
    """Independent oracle: each marked value is valid for its kind."""
    if kind == "card":
        digits = re.sub(r"[ -]", "", value)
        prefix = int(digits[:4])
        networks = 3000 <= prefix <= 6999 or 2221 <= prefix <= 2720 or 2200 <= prefix <= 2204
        ok = digits.isdigit() and 13 <= len(digits) <= 19 and networks and luhn_ok(digits)
    elif kind == "iban":
        ok = iban_ok(value)
    elif kind == "ssn":
        m = re.fullmatch(r"(\d{3})-(\d{2})-(\d{4})", value)
        ok = bool(m) and m[1] not in ("000", "666") and m[1] < "900" and m[2] != "00" and m[3] != "0000"
    elif kind == "phone":
        digits = re.sub(r"\D", "", value)
        ok = value.startswith("+") and 7 <= len(digits) <= 15 and digits[0] != "0"
    else:
        ok = re.fullmatch(r"[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]+\.)+([A-Za-z]{2,}|xn--[a-z0-9]+)", value)
    if not ok:
        sys.exit(f"oracle rejects {kind} {value!r}")


def build_case(name, template):
    text, redacted, findings = "", "", []
    pos = 0
    for m in MARK.finditer(template):
        plain = template[pos:m.start()]
        text += plain
        redacted += plain
        kind, value = m[1], m[2]
        check_value(kind, value)
        start = len(text.encode())
        text += value
        findings.append({"kind": kind, "start": start, "end": len(text.encode())})
        redacted += f"[REDACTED:{kind}]"
        pos = m.end()
    text += template[pos:]
    redacted += template[pos:]
    if "⟦" in text or "⟧" in text:
        sys.exit(f"{name}: malformed mark")
    return {"name": name, "text": text, "redacted": redacted, "findings": findings}


def build():
    names = [n for n, _ in CASES]
    if len(names) != len(set(names)):
        sys.exit("duplicate case names")
    return {
        "description": "PII detection and redaction vectors for the ERPOps SDK (contract 3.4). "
                       "Generated by tests/vectors/generate/pii.py; see tests/vectors/README.md.",
        "version": 1,
        "cases": [build_case(n, t) for n, t in CASES],
    }


def main():
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is stale: run python3 {Path(__file__).name}")
        print(f"{OUT.name}: matches the hand-written cases and their oracles")
    else:
        OUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
