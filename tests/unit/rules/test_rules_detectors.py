"""Personal-data detectors (with checksums), and impersonation of official names."""

from __future__ import annotations

import pytest

from rules.detectors import (
    Impersonation,
    emails,
    iban_ok,
    ibans,
    luhn_ok,
    payment_cards,
    phones,
    uk_ninos,
    us_ssns,
)


def found(fn, text: str) -> list[str]:
    return [text[a:b] for a, b in fn(text)]


@pytest.mark.parametrize(("text", "match"), [
    ("write to jo.bloggs+council@example.co.uk today", "jo.bloggs+council@example.co.uk"),
    ("MAIL: A.B@Sub.Example.ORG.", "A.B@Sub.Example.ORG"),
    ("jo (at) example (dot) com", "jo (at) example (dot) com"),
])
def test_emails(text: str, match: str):
    assert found(emails, text) == [match]


@pytest.mark.parametrize("text", ["@councillor hello", "meet @ 5pm", "x@y", "email me"])
def test_not_emails(text: str):
    assert emails(text) == []


@pytest.mark.parametrize(("text", "match"), [
    ("call me on 07700 900123 please", "07700 900123"),           # UK mobile
    ("ring 020 7946 0958", "020 7946 0958"),                      # UK landline
    ("ring +44 20 7946 0958", "+44 20 7946 0958"),                # international
    ("or 0044 7700 900123", "0044 7700 900123"),
    ("US office (555) 123-4567", "(555) 123-4567"),               # US
    ("tel 555-123-4567", "555-123-4567"),
    ("+1 415 555 2671", "+1 415 555 2671"),
    ("appelez le 06 12 34 56 78", "06 12 34 56 78"),              # France
    ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
    ("Tel. 030 12345678", "030 12345678"),                        # Germany
    ("+49 30 1234567", "+49 30 1234567"),
])
def test_phone_numbers(text: str, match: str):
    assert found(phones, text) == [match]


@pytest.mark.parametrize("text", ["Road closed 2024-2026", "Budget of 1500000 pounds", "Route 66",
                                  "ref 23/01234/FUL", "on 12.03.2024 at 10:30", "1,234,567 visits",
                                  "call 123"])
def test_not_phone_numbers(text: str):
    assert phones(text) == []


def test_uk_national_insurance_numbers():
    assert found(uk_ninos, "my NI number is AB 12 34 56 C") == ["AB 12 34 56 C"]
    assert found(uk_ninos, "ab123456c") == ["ab123456c"]
    for bad in ("GB123456A", "BG123456A", "QQ123456C", "DA123456A", "AB123456E", "AB12345C"):
        assert uk_ninos(bad) == [], bad


def test_us_social_security_numbers():
    assert found(us_ssns, "ssn 123-45-6789 thanks") == ["123-45-6789"]
    assert found(us_ssns, "SSN: 123456789") == ["123456789"]
    for bad in ("000-12-3456", "666-12-3456", "912-12-3456", "123-00-6789", "123-45-0000",
                "123-45-67890", "123456789"):
        assert us_ssns(bad) == [], bad


@pytest.mark.parametrize("number", ["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009",
                                    "6011000990139424", "4012888888881881"])
def test_payment_cards_with_valid_luhn(number: str):
    assert found(payment_cards, f"card {number} exp 12/29") == [number]


@pytest.mark.parametrize("number", ["4111 1111 1111 1112", "5500-0000-0000-0005", "1234567812345678",
                                    "0000000000000000"])
def test_payment_cards_with_invalid_checksum_or_prefix(number: str):
    assert payment_cards(f"card {number}") == []


def test_luhn():
    assert luhn_ok("79927398713") and not luhn_ok("79927398710")


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432",
                                  "DE89 3704 0044 0532 0130 00", "FR14 2004 1010 0505 0001 3M02 606",
                                  "NL91ABNA0417164300"])
def test_ibans_with_valid_checksum(iban: str):
    assert found(ibans, f"pay {iban} please") == [iban]


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 33", "DE89370400440532013001",
                                  "XX82WEST12345698765432", "GB82WEST123456987654"])
def test_ibans_with_invalid_checksum_country_or_length(iban: str):
    assert ibans(f"pay {iban} please") == []


def test_iban_checksum():
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB83WEST12345698765432")


IMP = Impersonation(("City of Example Council", "ExampleCouncil"), frozenset({"official-1"}))


@pytest.mark.parametrize("name", ["City of Exampie Council", "Clty of Example Counci1",
                                  "Сity оf Ехample Council", "City of Example Counci",
                                  "ExampleCouncil_", "Examp1eCounci1", "City of Example Council Refunds"])
def test_impersonation_of_official_names(name: str):
    assert IMP("someone", [name]) is not None


@pytest.mark.parametrize("name", ["Example Street Residents Association", "Margaret Ellis",
                                  "Council Watch", "City of Sample"])
def test_ordinary_names_are_not_impersonation(name: str):
    assert IMP("someone", [name]) is None


def test_the_official_account_itself_is_not_impersonation():
    assert IMP("official-1", ["City of Example Council"]) is None
    assert IMP("someone-else", ["City of Example Council"]) is not None
