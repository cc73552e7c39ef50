"""Site profiles: what to crawl on a site, written as YAML data rather than code.

A profile says how to log in, which pages exist (a regex on the URL path),
which links on each page lead on (CSS selectors), and, for item pages, which
selectors hold title, body, seller, price, posted time, sold count and status.
The crawler owns everything else (politeness, retries, proxy, frontier), so a
new market is a new YAML file. Profiles name no hosts of their own: the hosts
come from the start URLs given at crawl time, and the crawler never leaves them.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from leaktrace.core.capture import PostKind
from leaktrace.core.errors import ConfigError, InputError

MAX_PROFILE_BYTES = 1 << 20
DEFAULT_CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginSpec(_Strict):
    """A login form: where it is, which fields carry the credentials, how success shows."""

    path: str = "/login"
    form_selector: str = "form"
    username_field: str = "username"
    password_field: str = "password"
    extra_fields: dict[str, str] = Field(default_factory=dict)
    # A redirect to a path starting with this means the session is gone: log in again.
    login_path_prefix: str = "/login"
    success_cookie: str | None = None
    failure_selector: str | None = None
    captcha_selector: str | None = None  # an <img> (or any element) that marks a CAPTCHA
    captcha_field: str = "captcha"


class ItemSelectors(_Strict):
    """CSS selectors (selectolax) for the fields of one post or listing page."""

    title: str | None = None
    body: str | None = None
    seller: str | None = None
    price: str | None = None
    posted: str | None = None
    sold: str | None = None
    status: str | None = None
    sample: str | None = None  # sample rows a listing shows (kept masked as the page shows them)
    posted_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
    timezone: str = "UTC"  # the zone a posted time without offset is in


class PageRule(_Strict):
    """One kind of page, recognised by its path (and query)."""

    name: str
    match: str
    follow: tuple[str, ...] = ()
    item: ItemSelectors | None = None
    # What an item page is: an offer (listing), a seller's own page (profile) or a forum/chat post.
    # Profiles are kept (their contacts link accounts) but never listed as listings.
    item_kind: PostKind = "listing"
    needs_login: bool = False

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.match)


class Politeness(_Strict):
    """Per-host pacing: hidden services are slow and notice impatient clients."""

    concurrency: int = Field(2, ge=1, le=64)
    delay_s: float = Field(1.0, ge=0, le=3600)


class Limits(_Strict):
    """What the crawler refuses to swallow or chase."""

    max_bytes: int = Field(8 << 20, ge=1024)
    max_ratio: int = Field(200, ge=2)  # decompressed/compressed bytes before it counts as a bomb
    max_redirects: int = Field(5, ge=0, le=20)
    max_depth: int = Field(12, ge=0)
    max_pages: int | None = Field(None, ge=1)
    timeout_s: float = Field(60.0, gt=0)
    retries: int = Field(5, ge=0, le=20)
    content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES


class RenderSpec(_Strict):
    """How pages of this site are screenshotted (collect/render.py) when a crawl asks for screenshots.

    `javascript` None means off for hidden services (.onion, .i2p) and on elsewhere; a
    profile turns it on for a hidden service that shows nothing without it. `pages` names
    the page rules to render; empty means every rule with item selectors (listings, sellers).
    """

    javascript: bool | None = None
    pages: tuple[str, ...] = ()
    timeout_s: float = Field(20.0, gt=0)
    width: int = Field(1280, ge=320, le=4096)
    max_height: int = Field(16384, ge=600, le=65536)
    max_image_pixels: int = Field(40_000_000, ge=10_000)
    max_resources: int = Field(64, ge=0, le=1000)

    def javascript_for(self, host: str) -> bool:
        if self.javascript is not None:
            return self.javascript
        return not host.split(":", 1)[0].endswith((".onion", ".i2p"))

    def renders(self, rule: PageRule) -> bool:
        return rule.name in self.pages if self.pages else rule.item is not None


class Profile(_Strict):
    """A whole site profile (see module docstring); `pages` are tried in order."""

    name: str
    kind: str = "market"
    description: str = ""
    language: str | None = None
    start_paths: tuple[str, ...] = ("/",)
    login: LoginSpec | None = None
    pages: tuple[PageRule, ...]
    politeness: Politeness = Politeness()
    limits: Limits = Limits()
    render: RenderSpec = RenderSpec()

    def rule_for(self, path_and_query: str) -> PageRule | None:
        """The first page rule whose regex matches; None means the crawler does not go there."""
        for rule in self.pages:
            if rule.pattern.search(path_and_query):
                return rule
        return None


def _load_text(text: str, label: str) -> Profile:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f": line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{label}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, dict):
        raise InputError(f"{label}: a profile is a YAML mapping")
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InputError(f"{label}: field {field!r}: {err['msg']}") from None


def builtin_names() -> list[str]:
    """Profiles shipped with leaktrace (generic forum, simulated market); no real markets."""
    folder = resources.files("leaktrace.collect") / "profiles"
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_profile(ref: str | Path) -> Profile:
    """A profile by file path or by the name of a shipped profile."""
    if not str(ref).strip():
        raise ConfigError(f"profile: empty name; give a profile file or one of {', '.join(builtin_names())}")
    path = Path(ref)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a profile file")
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            if path.stat().st_size > MAX_PROFILE_BYTES:
                raise InputError(f"{path}: profile larger than {MAX_PROFILE_BYTES} bytes")
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{path}: no such profile file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 (byte {exc.start})") from None
        return _load_text(text, str(path))
    name = str(ref)
    if name not in builtin_names():
        raise ConfigError(f"profile {name!r}: not a file and not a shipped profile ({', '.join(builtin_names())})")
    text = (resources.files("leaktrace.collect") / "profiles" / f"{name}.yaml").read_text(encoding="utf-8")
    return _load_text(text, f"profile {name}")
