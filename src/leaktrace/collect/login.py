"""Logging in to a site from its profile: fill the form, ask a person for any CAPTCHA, check success.

The session then lives in the shared client's cookie jar. When a page later
redirects to the login path the crawler calls `ensure` again with the
generation it saw; only the first caller per generation logs in, the rest
wait for it, so a dozen workers hitting an expired session log in once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from leaktrace.collect.captcha import MAX_CAPTCHA_BYTES, CaptchaChallenge, CaptchaHook
from leaktrace.collect.extract import parse_html
from leaktrace.collect.fetch import USER_AGENT, Fetcher, FetchError, host_key
from leaktrace.collect.profile import LoginSpec
from leaktrace.core.errors import ConfigError

log = logging.getLogger(__name__)
MAX_LOGIN_ATTEMPTS = 3


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print a password
        return f"Credentials(username={self.username!r}, password=***)"


class LoginManager:
    """Per-host login state over one Fetcher/client."""

    def __init__(self, spec: LoginSpec | None, fetcher: Fetcher, credentials: dict[str, Credentials],
                 captcha: CaptchaHook | None = None) -> None:
        self.spec = spec
        self.fetcher = fetcher
        self.credentials = credentials
        self.captcha = captcha
        self.generation: dict[str, int] = {}
        self.logins = 0
        self._locks: dict[str, asyncio.Lock] = {}

    async def ensure(self, base_url: str, seen_generation: int | None = None) -> int:
        """Log in to base_url's host unless someone already did since `seen_generation`."""
        host = host_key(base_url)
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with lock:
            current = self.generation.get(host, 0)
            if seen_generation is not None and current > seen_generation:
                return current
            if seen_generation is None and current > 0:
                return current
            await self._login(base_url, host)
            self.generation[host] = current + 1
            self.logins += 1
            return current + 1

    async def _login(self, base_url: str, host: str) -> None:
        spec = self.spec
        if spec is None:
            raise ConfigError(f"{host}: the site asks for a login but the profile describes none")
        creds = self.credentials.get(host)
        if creds is None:
            raise ConfigError(f"{host}: the profile needs a login; give --username/--password for this host")
        login_url = urljoin(base_url, spec.path)
        for attempt in range(1, MAX_LOGIN_ATTEMPTS + 1):
            try:
                page = await self.fetcher.fetch(login_url)
            except FetchError as exc:
                raise ConfigError(f"{host}: cannot load the login page: {exc.reason}") from None
            tree = parse_html(page.body.decode("utf-8", "replace"))
            form = tree.css_first(spec.form_selector)
            fields: dict[str, str] = {}
            action = login_url
            if form is not None:
                action = urljoin(page.url, form.attributes.get("action") or page.url)
                for node in form.css("input[name]"):
                    name = node.attributes.get("name") or ""
                    if (node.attributes.get("type") or "").lower() in ("submit", "button", "image"):
                        continue
                    fields[name] = node.attributes.get("value") or ""
            fields.update(spec.extra_fields)
            fields[spec.username_field] = creds.username
            fields[spec.password_field] = creds.password
            if spec.captcha_selector and tree.css_first(spec.captcha_selector) is not None:
                answer = await self._ask_captcha(page.url, host, tree.css_first(spec.captcha_selector))
                if answer is None:
                    raise ConfigError(f"{host}: login needs a CAPTCHA and nobody answered it")
                fields[spec.captcha_field] = answer
            if not self.fetcher.in_scope(action):
                raise ConfigError(f"{host}: login form posts to {action[:120]}, outside the configured hosts")
            ok, why = await self._post(action, fields, spec)
            if ok:
                log.info("logged in to %s", host)
                return
            log.warning("login to %s failed (attempt %d): %s", host, attempt, why)
        raise ConfigError(f"{host}: login failed {MAX_LOGIN_ATTEMPTS} times ({why}); check the credentials")

    async def _post(self, action: str, fields: dict[str, str], spec: LoginSpec) -> tuple[bool, str]:
        async with self.fetcher.gate.slot(host_key(action)):
            try:
                resp = await self.fetcher.client.post(action, data=fields, headers={"User-Agent": USER_AGENT})
            except httpx.HTTPError as exc:
                return False, f"transport error ({type(exc).__name__})"
        if resp.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(urljoin(action, resp.headers.get("location", "")))
            if target.path.startswith(spec.login_path_prefix):
                return False, "sent back to the login page"
        elif resp.status_code != 200:
            return False, f"HTTP {resp.status_code}"
        elif spec.failure_selector and parse_html(resp.text[:MAX_CAPTCHA_BYTES]).css_first(spec.failure_selector):
            return False, "the site reported an error"
        if spec.success_cookie and spec.success_cookie not in self.fetcher.client.cookies:
            return False, f"no {spec.success_cookie!r} cookie was set"
        return True, ""

    async def _ask_captcha(self, page_url: str, host: str, node: object) -> str | None:
        if self.captcha is None:
            raise ConfigError(f"{host}: login needs a CAPTCHA; run interactively so a person can answer it")
        src = getattr(node, "attributes", {}).get("src") if node is not None else None
        image: bytes | None = None
        ctype: str | None = None
        image_url = urljoin(page_url, src) if src else None
        if image_url and self.fetcher.in_scope(image_url):
            async with self.fetcher.gate.slot(host):
                try:
                    async with self.fetcher.client.stream("GET", image_url,
                                                          headers={"User-Agent": USER_AGENT}) as resp:
                        data = bytearray()
                        async for chunk in resp.aiter_bytes():
                            data += chunk
                            if len(data) > MAX_CAPTCHA_BYTES:
                                break
                        if resp.status_code == 200 and len(data) <= MAX_CAPTCHA_BYTES:
                            image, ctype = bytes(data), resp.headers.get("content-type")
                except httpx.HTTPError:
                    image = None
        log.info("login to %s shows a CAPTCHA: waiting for a person", host)
        return await self.captcha(CaptchaChallenge(host, image, ctype, image_url))
