"""What a normalizer makes of a payload: comments to moderate, platform state changes, the rest.

- :class:`CommentEvent`: a new comment (``add``) or a new version of one (``edited``), as a
  canonical :class:`~civicmod.contract.records.Comment`; goes to ``comments.incoming`` and is moderated.
- :class:`AgencyReply`: a comment or reply written by the agency's own account (the page, the
  Instagram account, the X user, the channel); goes to ``comments.agency_replies`` with its
  ``parent_id`` / ``thread_id``, so a reply can be matched to the citizen's comment it answers.
  Not moderated (never on ``comments.incoming``).
- :class:`StateEvent`: the platform removed, hid or unhid a comment; goes to ``comments.state``
  as a ``civicmod.comment_state/1`` record and is not moderated again.
- :class:`Invalid`: one item of an otherwise valid payload that cannot be normalized; goes to
  ``comments.deadletter`` with its raw bytes, so nothing the platform sent is lost silently.
- ``ignored``: items that are not comments (reactions, the agency's own posts, ...), counted.

Dedupe keys: the comment id + verb (+ the text digest for add/edited, so an edit with new text is
a new version; + the platform's event time for state changes, so hide → unhide → hide is three
events while a redelivered hide is one).

An event's key and record JSON are computed once (:class:`computed_once`): the normalizer
checks that they encode, the ingestor then writes the same bytes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from civicmod.contract.records import Comment, CommentState

CommentVerb = Literal["add", "edited"]
T = TypeVar("T")


class computed_once(Generic[T]):
    """``functools.cached_property`` without Python 3.11's lock, one per property and shared by
    every instance (3.12 dropped it): the event loop and the decode thread (large bodies) both
    compute these, and one could wait on the other's lock through a GIL switch. Two threads
    computing the same value at once both get the same bytes, so no lock is needed."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func, self.name, self.__doc__ = func, func.__name__, func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> computed_once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | computed_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)  # read from there next time
        return value


class BadPayload(ValueError):
    """The payload's overall shape is wrong (answered 400); the message names the field."""


class UnknownAccount(LookupError):
    """The payload is for a page / user / channel / source the gateway has no account for (404)."""

    def __init__(self, platform: str, native_id: str) -> None:
        super().__init__(f"no {platform} account is configured for id {native_id!r}")
        self.platform = platform
        self.native_id = native_id


@dataclass(frozen=True)
class CommentEvent:
    comment: Comment
    verb: CommentVerb = "add"

    @computed_once
    def key(self) -> str:
        return f"{self.comment.id}|{self.verb}|{self.comment.digest()}"

    @computed_once
    def value(self) -> bytes:
        """The record's JSON (raises ValueError / UnicodeError if a string cannot be encoded)."""
        return self.comment.to_json()


@dataclass(frozen=True)
class AgencyReply(CommentEvent):
    """A comment by the agency's own account: written to ``comments.agency_replies``."""

    @computed_once
    def key(self) -> str:
        return f"{self.comment.id}|agency-{self.verb}|{self.comment.digest()}"


@dataclass(frozen=True)
class StateEvent:
    state: CommentState
    #: The platform's own time for the event (part of the dedupe key), e.g. Meta's entry.time.
    event_time: str = ""

    @computed_once
    def key(self) -> str:
        return f"{self.state.comment_id}|{self.state.verb}|{self.event_time}"

    @computed_once
    def value(self) -> bytes:
        """The record's JSON (raises ValueError / UnicodeError if a string cannot be encoded)."""
        return self.state.to_json()


@dataclass(frozen=True)
class Invalid:
    """One unusable item, for the dead-letter topic (its raw bytes are cut to
    ``kafka.deadletter_raw_bytes`` there, with the full size and sha256)."""

    raw: bytes
    #: Names the field and what is wrong with it, never the value.
    error: str
    platform: str
    #: The dead letter's reason: ``gateway_invalid_item`` (could not be normalized),
    #: ``gateway_item_too_large``, ``gateway_unencodable``, ``gateway_write_rejected``.
    reason: str = "gateway_invalid_item"
    #: The Kafka key of the dead letter (default: the dedupe key).
    record_key: str | None = None

    @property
    def key(self) -> str:
        return f"invalid|{self.platform}|{hashlib.blake2b(self.raw, digest_size=12).hexdigest()}"


Event = CommentEvent | AgencyReply | StateEvent | Invalid


@dataclass
class Batch:
    """The normalized content of one request (or one poll page)."""

    events: list[Event] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    #: Things kept as they were in comments that are still written (``link_unresolved``: an X
    #: link entity that could not be used), counted by reason.
    notes: Counter[str] = field(default_factory=Counter)
