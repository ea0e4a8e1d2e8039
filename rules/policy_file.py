"""The policy file format (YAML), validated with errors that name the file, line and field.

See docs/rules.md for the language. This module only parses and checks the shape of one file;
``rules.compiler`` puts layers together and compiles them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from civicmod.contract.yamlfile import FileError, _node_at, load_yaml_text, validate

RULE_ID = r"^[a-z0-9][a-z0-9_.-]*$"
NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
Action = Literal["hide", "escalate", "publish", "tag"]
#: A policy choice a layer makes in ``settings`` (``profanity: escalate``): ``publish`` (tag it,
#: publish), ``escalate`` (a moderator decides) or ``hide``.
Choice = Literal["publish", "escalate", "hide"]
#: Settings a rule may take its action from (``action_from: profanity``).
CHOICES = ("profanity",)
LEVELS = ("global", "organisation", "account")


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ListSpec(_M):
    """A named word list: inline ``terms`` and/or a ``file`` of one term per line."""

    description: str = ""
    terms: list[str] = Field(default_factory=list)
    file: str | None = None
    except_: list[str] = Field(default_factory=list, alias="except")
    #: In a lower layer: add to the list of the same name instead of replacing it.
    extend: bool = False

    @field_validator("terms", "except_", mode="before")
    @classmethod
    def _words_are_strings(cls, v: Any) -> Any:
        if isinstance(v, list):
            for item in v:
                if isinstance(item, bool) or item is None:
                    raise ValueError(f"{item!r} is not a word: YAML reads no/yes/on/off/null as "
                                     "true/false/null, so quote it, e.g. 'no'")
            return [str(x) if isinstance(x, int | float) else x for x in v]
        return v


class PatternSpec(_M):
    """A named regular expression (``regex`` module syntax), run on the folded text by default.
    A list of alternatives is joined with ``|``, each kept in its own group."""

    regex: str | list[str]
    description: str = ""
    #: text: the folded text (lower-case words, single spaces); text.raw: the text as written.
    field: Literal["text", "text.raw", "author.display_name", "author.handle"] = "text"
    ignore_case: bool = True

    @property
    def source(self) -> str:
        if isinstance(self.regex, str):
            return self.regex
        return "|".join(f"(?:{alt})" for alt in self.regex)


class PolicySettingsSpec(_M):
    """Values the built-in detectors use; a lower layer overrides the keys it sets."""

    official_names: list[str] | None = None
    official_author_ids: list[str] | None = None
    allowed_domains: list[str] | None = None
    denied_domains: list[str] | None = None
    shorteners: list[str] | None = None
    impersonation_threshold: Annotated[float, Field(gt=0, le=1)] | None = None
    regex_timeout_ms: Annotated[float, Field(gt=0, le=10_000)] | None = None
    regex_max_input_chars: Annotated[int, Field(ge=1)] | None = None
    #: What swearing gets: publish (tagged), escalate (the default policy's choice) or hide.
    #: docs/rules.md "Profanity" gives the legal reasons either way.
    profanity: Choice | None = None


class RuleSpec(_M):
    id: Annotated[str, Field(pattern=RULE_ID)]
    description: Annotated[str, Field(min_length=1)]
    #: The section of the agency's published policy this rule enforces, e.g. ``abuse.threat``.
    policy: Annotated[str, Field(min_length=1)]
    when: Any
    unless: Any = None
    action: Action
    queue: str | None = None
    #: 1 (most urgent) .. 9; breaks ties between rules with the same action. Default 5.
    priority: Annotated[int, Field(ge=1, le=9)] = 5
    hold: bool = False
    #: Escalate rules only: while this rule fires the comment is never hidden automatically
    #: (whatever other rules or model thresholds say); it escalates to this rule's queue and
    #: priority and stays visible meanwhile. For records duties (FOI requests).
    protect: bool = False
    tags: list[str] = Field(default_factory=list)
    reason: str | None = None
    label: str | None = None
    locked: bool = False
    enabled: bool = True
    #: When the rule last changed (for the new-hide-rule guardrail); else first seen.
    changed: date | datetime | None = None
    #: Take the action from this layered setting instead (``profanity``): ``action`` is then what
    #: the rule does when no layer sets it; ``publish`` makes the rule tag only.
    action_from: Literal["profanity"] | None = None

    @field_validator("when")
    @classmethod
    def _when_present(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("a rule needs a 'when' condition")
        return v

    @field_validator("protect")
    @classmethod
    def _protect_escalates(cls, v: bool, info: ValidationInfo) -> bool:
        if not v:
            return v
        action = info.data.get("action")
        if action is not None and action != "escalate":
            raise ValueError(f"'protect' only applies to action 'escalate' (found {action!r}): a "
                             "protecting rule escalates the comment instead of any hide, so it "
                             "cannot itself hide, publish or only tag")
        if info.data.get("hold"):
            raise ValueError("'protect' and 'hold: true' contradict each other: a protected comment "
                             "stays visible while it waits for a moderator")
        return v

    @model_validator(mode="after")
    def _action_options(self) -> RuleSpec:
        if self.action != "escalate" and (self.hold or self.queue):
            raise ValueError("'queue' and 'hold' only apply to action 'escalate'")
        if self.action == "tag" and not self.tags:
            raise ValueError("action 'tag' needs 'tags'")
        if self.action_from and not self.tags:
            raise ValueError("'action_from' needs 'tags' (what the rule adds when the choice is "
                             "publish)")
        if self.action_from and self.protect:
            raise ValueError("'action_from' and 'protect' cannot be combined")
        return self


class PolicyFile(_M):
    policy: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    version: str
    description: str = ""
    settings: PolicySettingsSpec = Field(default_factory=PolicySettingsSpec)
    lists: dict[Annotated[str, Field(pattern=NAME)], ListSpec] = Field(default_factory=dict)
    patterns: dict[Annotated[str, Field(pattern=NAME)], PatternSpec] = Field(default_factory=dict)
    rules: list[RuleSpec] = Field(default_factory=list)
    #: Rules of a higher layer switched off here (refused for a locked rule).
    disable: list[str] = Field(default_factory=list)
    #: Rules of a higher layer, shipped disabled, switched on here.
    enable: list[str] = Field(default_factory=list)

    @field_validator("lists", mode="before")
    @classmethod
    def _bare_lists(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"terms": x} if isinstance(x, list) else x for k, x in v.items()}
        return v

    @field_validator("patterns", mode="before")
    @classmethod
    def _bare_patterns(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"regex": x} if isinstance(x, str) else x for k, x in v.items()}
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _unique_ids(self) -> PolicyFile:
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            if rule.id in seen:
                raise ValueError(f"rules.{i}: rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return self


class LoadedFile:
    """One parsed policy file, its level and the YAML nodes used to point errors at lines."""

    def __init__(self, path: Path, level: str, spec: PolicyFile, node: yaml.Node | None, text: str,
                 account: str | None = None) -> None:
        self.path, self.level, self.spec, self.node, self.text = path, level, spec, node, text
        self.account = account

    @property
    def rank(self) -> int:
        return LEVELS.index(self.level)

    def error(self, loc: tuple[Any, ...], message: str) -> FileError:
        """A FileError pointing at the YAML node at ``loc`` (e.g. ("rules", 3, "when"))."""
        target = _node_at(self.node, loc)
        line = target.start_mark.line + 1 if target is not None else None
        return FileError(self.path, line, ".".join(str(p) for p in loc) or None, message)

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()


def load_policy_file(path: str | Path, level: str = "global", account: str | None = None) -> LoadedFile:
    """Parse and shape-check one policy file; raise FileError naming file, line and field.

    Every problem, hostile ones included (a NUL byte, invalid UTF-8, a file nested thousands
    deep, an alias bomb, a file over the size limit), is a FileError: see ``civicmod.contract.yamlfile``
    for the limits."""
    path = Path(path)
    if not path.is_file():
        raise FileError(path, None, None, "not a regular file" if path.exists() else
                        "policy file not found")
    data, node, text = load_yaml_text(path)  # one read: the text hashed is the text parsed
    if data is None:
        raise FileError(path, None, None, "the policy file is empty; a policy file is a mapping "
                                          "with 'policy', 'version', 'rules'")
    if not isinstance(data, dict):
        raise FileError(path, 1, None, "a policy file is a mapping with 'policy', 'version', 'rules'")
    spec = validate(PolicyFile, data, path, node)
    return LoadedFile(path, level, spec, node, text, account)
