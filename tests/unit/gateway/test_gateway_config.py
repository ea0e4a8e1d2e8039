"""The gateway settings section and its secrets: references only, resolved at start, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicmod.contract.settings import load_settings
from civicmod.contract.yamlfile import FileError
from streams.gateway.accounts import Secret, SecretError, resolve

REPO = Path(__file__).resolve().parents[3]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "civicmod.yaml"
    path.write_text(text)
    return path


def test_defaults_and_the_shipped_file() -> None:
    s = load_settings(REPO / "civicmod.yaml", env={})
    g = s.gateway
    assert (g.host, g.port, g.max_body_bytes) == ("127.0.0.1", 8080, 1024 * 1024)
    assert g.generic.tolerance_s == 300 and g.youtube.daily_quota_units == 10_000
    assert not g.facebook.accounts and not g.youtube.enabled


def test_accounts_and_secret_refs_from_file_and_env(tmp_path: Path) -> None:
    secret_file = tmp_path / "ig_secret"
    secret_file.write_text("ig-app-secret\n")
    path = write(tmp_path, f"""
gateway:
  facebook:
    app_secrets: [{{env: FB_APP_SECRET}}, {{env: FB_APP_SECRET_OLD}}]
    verify_token: {{env: FB_VERIFY_TOKEN}}
    accounts: {{"104729384756201": "page:city-of-example"}}
  instagram:
    app_secrets: [{{file: {secret_file}}}]
    accounts: {{"17841400000000001": "ig:cityofexample"}}
  generic:
    sources:
      website: {{account_id: "web:city", secrets: [{{env: WEBSITE_WHSEC}}]}}
""")
    env = {"FB_APP_SECRET": "new-secret", "FB_APP_SECRET_OLD": "old-secret",
           "FB_VERIFY_TOKEN": "tok", "WEBSITE_WHSEC": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
           "CIVICMOD__GATEWAY__X__ACCOUNTS": '{"2244994945": "x:examplecouncil"}',
           "CIVICMOD__GATEWAY__X__CONSUMER_SECRETS": "[{env: X_SECRET}]", "X_SECRET": "xs",
           "CIVICMOD__GATEWAY__PORT": "9090"}
    s = load_settings(path, env=env)
    assert s.gateway.port == 9090
    reg = resolve(s.gateway, env)
    assert reg.facebook.keys() == [b"new-secret", b"old-secret"]
    assert reg.facebook.verify_token is not None and reg.facebook.verify_token.reveal() == b"tok"
    assert reg.instagram.keys() == [b"ig-app-secret"]  # trailing newline of the file dropped
    assert reg.x.accounts == {"2244994945": "x:examplecouncil"} and reg.x.keys() == [b"xs"]
    assert reg.generic["website"].keys() == [b"0123456789abcdef0123456789abcdef"]
    assert reg.summary() == {"facebook": 1, "instagram": 1, "x": 1, "youtube": 0, "generic": 1}


def test_literal_secret_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = write(tmp_path, "gateway:\n  facebook:\n    accounts: {'1': 'page:a'}\n"
                           "    app_secrets:\n      - hunter2-literal\n")
    with pytest.raises(FileError) as err:
        load_settings(path, env={})
    assert err.value.line == 5 and err.value.field == "gateway.facebook.app_secrets.0"
    assert "literal secrets are not allowed" in str(err.value)
    assert "hunter2" not in str(err.value)
    path = write(tmp_path, "gateway:\n  x:\n    consumer_secrets: [{env: A, file: /b}]\n")
    with pytest.raises(FileError, match="exactly one of env or file"):
        load_settings(path, env={})


def test_missing_secrets_name_the_field_and_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "gateway:\n  facebook:\n    app_secrets: [{env: FB_APP_SECRET}]\n"
                           "    accounts: {'1': 'page:a'}\n")
    s = load_settings(path, env={})
    with pytest.raises(SecretError, match=r"gateway\.facebook\.app_secrets\[0\]: environment "
                                          r"variable FB_APP_SECRET is not set"):
        resolve(s.gateway, {})
    no_secret = load_settings(write(tmp_path, "gateway:\n  x:\n    accounts: {'1': 'x:a'}\n"), env={})
    with pytest.raises(SecretError, match="consumer_secrets is empty"):
        resolve(no_secret.gateway, {})
    bad_file = load_settings(write(tmp_path, f"gateway:\n  generic:\n    sources:\n      web:\n"
                                             f"        account_id: w\n        secrets: "
                                             f"[{{file: {tmp_path / 'nope'}}}]\n"), env={})
    with pytest.raises(SecretError, match=r"sources\.web\.secrets\[0\]: cannot read secret file"):
        resolve(bad_file.gateway, {})
    bad_whsec = load_settings(write(tmp_path, "gateway:\n  generic:\n    sources:\n      web:\n"
                                              "        account_id: w\n        secrets: [{env: W}]\n"),
                              env={})
    with pytest.raises(SecretError) as err:
        resolve(bad_whsec.gateway, {"W": "whsec_!!notbase64-sekrit"})
    assert "sekrit" not in str(err.value) and "$W" in str(err.value)


def test_secret_values_do_not_print() -> None:
    s = Secret(b"top-secret")
    assert "top-secret" not in repr(s) and "top-secret" not in str(s) and "top-secret" not in f"{s}"
    assert s.reveal() == b"top-secret"


def test_bad_source_name_and_port(tmp_path: Path) -> None:
    path = write(tmp_path, "gateway:\n  generic:\n    sources:\n      'Bad Name':\n"
                           "        account_id: w\n        secrets: [{env: W}]\n")
    with pytest.raises(FileError, match=r"gateway\.generic\.sources"):
        load_settings(path, env={})
    with pytest.raises(FileError, match="CIVICMOD__GATEWAY__PORT"):
        load_settings(write(tmp_path, ""), env={"CIVICMOD__GATEWAY__PORT": "http"})
