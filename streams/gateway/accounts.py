"""Which agency account each platform id belongs to, and the secrets to check its webhooks.

Built once at start from the ``gateway`` settings plus the environment / secret files they name.
Secret values are held in :class:`Secret`, whose ``repr``/``str`` never show them; errors name the
settings field and the variable or file, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from civicmod.contract.gateway_settings import GatewaySettings, MetaSettings, SecretRef
from streams.gateway.signatures import decode_whsec


class SecretError(ValueError):
    """A configured secret cannot be loaded; the message says which field and where."""


class Secret:
    """A secret value that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def load_secret(ref: SecretRef, field_name: str, env: Mapping[str, str]) -> Secret:
    """Read one secret from its environment variable or file (trailing newline stripped)."""
    if ref.env:
        value = env.get(ref.env)
        if not value:
            raise SecretError(f"{field_name}: environment variable {ref.env} is not set")
        return Secret(value.encode())
    path = Path(str(ref.file)).expanduser()
    try:
        data = path.read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise SecretError(f"{field_name}: cannot read secret file {path}: {exc.strerror}") from None
    if not data:
        raise SecretError(f"{field_name}: secret file {path} is empty")
    return Secret(data)


@dataclass(frozen=True)
class PlatformAccounts:
    """One push platform: its accounts and the secrets its webhooks are signed with."""

    accounts: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[Secret, ...] = ()
    verify_token: Secret | None = None
    skip_own_comments: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.accounts)

    def keys(self) -> list[bytes]:
        return [s.reveal() for s in self.secrets]


@dataclass(frozen=True)
class GenericSource:
    name: str
    account_id: str
    secrets: tuple[Secret, ...]

    def keys(self) -> list[bytes]:
        return [s.reveal() for s in self.secrets]


@dataclass(frozen=True)
class YouTubeAccess:
    channels: Mapping[str, str] = field(default_factory=dict)
    api_key: Secret | None = None
    oauth_token: Secret | None = None


@dataclass(frozen=True)
class Registry:
    """Everything the gateway knows about accounts, with resolved secrets."""

    facebook: PlatformAccounts = field(default_factory=PlatformAccounts)
    instagram: PlatformAccounts = field(default_factory=PlatformAccounts)
    x: PlatformAccounts = field(default_factory=PlatformAccounts)
    youtube: YouTubeAccess = field(default_factory=YouTubeAccess)
    generic: Mapping[str, GenericSource] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Accounts per platform (for the start-up log line; no secrets)."""
        return {"facebook": len(self.facebook.accounts), "instagram": len(self.instagram.accounts),
                "x": len(self.x.accounts), "youtube": len(self.youtube.channels),
                "generic": len(self.generic)}


def _meta(section: MetaSettings, name: str, env: Mapping[str, str]) -> PlatformAccounts:
    if section.accounts and not section.app_secrets:
        raise SecretError(f"gateway.{name}.app_secrets is empty but gateway.{name}.accounts lists "
                          f"{len(section.accounts)}: webhooks could not be verified")
    secrets = tuple(load_secret(ref, f"gateway.{name}.app_secrets[{i}]", env)
                    for i, ref in enumerate(section.app_secrets))
    token = (load_secret(section.verify_token, f"gateway.{name}.verify_token", env)
             if section.verify_token else None)
    return PlatformAccounts(dict(section.accounts), secrets, token, section.skip_own_comments)


def resolve(settings: GatewaySettings, env: Mapping[str, str]) -> Registry:
    """Load every configured secret; raise :class:`SecretError` naming the first missing one."""
    x = settings.x
    if x.accounts and not x.consumer_secrets:
        raise SecretError("gateway.x.consumer_secrets is empty but gateway.x.accounts lists "
                          f"{len(x.accounts)}: webhooks could not be verified")
    x_secrets = tuple(load_secret(ref, f"gateway.x.consumer_secrets[{i}]", env)
                      for i, ref in enumerate(x.consumer_secrets))
    yt = settings.youtube
    api_key = load_secret(yt.api_key, "gateway.youtube.api_key", env) if yt.api_key else None
    oauth = load_secret(yt.oauth_token, "gateway.youtube.oauth_token", env) if yt.oauth_token else None
    if yt.enabled and yt.channels and not (api_key or oauth):
        raise SecretError("gateway.youtube: enabled with channels but neither api_key nor "
                          "oauth_token is set")
    generic: dict[str, GenericSource] = {}
    for name, src in settings.generic.sources.items():
        keys = []
        for i, ref in enumerate(src.secrets):
            where = f"gateway.generic.sources.{name}.secrets[{i}]"
            raw = load_secret(ref, where, env)
            try:
                keys.append(Secret(decode_whsec(raw.reveal().decode("utf-8", "replace"))))
            except ValueError as exc:
                raise SecretError(f"{where} ({ref.describe()}): {exc}") from None
        generic[name] = GenericSource(name, src.account_id, tuple(keys))
    return Registry(
        facebook=_meta(settings.facebook, "facebook", env),
        instagram=_meta(settings.instagram, "instagram", env),
        x=PlatformAccounts(dict(x.accounts), x_secrets),
        youtube=YouTubeAccess(dict(yt.channels), api_key, oauth),
        generic=generic,
    )
