"""The development OpenID Connect provider (idp/: the npm package oidc-provider on Node.js) for the
tests: started once per test session on a free port and logged in to over real HTTP, so the portal
is proven against an implementation it did not write.

    from tests import idp
    from tests.idp import provider_login
    oidc_provider = idp.oidc_provider       # the session fixture, in the test module or a conftest

`oidc_provider` has .issuer, .client_id, .client_secret, .redirect_uris, .identities (key →
ID-token claims, from idp/identities.json), .signing_kid and .rotate_keys(). Tests skip when
Node.js or npm is not installed."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from tests.helpers import free_port, wait_until_up

IDP_DIR = Path(__file__).resolve().parent.parent / "idp"
# What the portal under test is registered with: the Flask test client's host is localhost.
REDIRECT_URIS = ("http://localhost/login/callback", "http://127.0.0.1:5000/login/callback")
POST_LOGOUT_URIS = ("http://localhost/", "http://127.0.0.1:5000/")


def identities() -> dict[str, dict]:
    """Test identity key (enterprise, social_org, person, sole_trader, bank_clerk) → its claims."""
    data = json.loads((IDP_DIR / "identities.json").read_text(encoding="utf-8"))
    return {key: identity["claims"] for key, identity in data.items()}


def node_problem() -> str | None:
    """Why the provider cannot run here, or None."""
    if not shutil.which("node") or not shutil.which("npm"):
        return "Node.js and npm are not installed (apt-get install nodejs npm), needed for the OpenID Connect provider"
    major = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"], capture_output=True, text=True).stdout
    if int(major or 0) < 18:
        return f"Node.js {major.strip()} is too old for oidc-provider (18 or later)"
    return None


def install() -> None:
    """`npm ci` in idp/ unless its packages are there."""
    if (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=IDP_DIR,
                          capture_output=True, text=True)
    if done.returncode:
        pytest.fail(f"npm ci in idp/ failed:\n{done.stderr[-2000:]}")


class DevProvider:
    """One run of idp/dev-idp.mjs; restarted on the same port by rotate_keys()."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_id, self.client_secret = "credit-portal", "test-secret"
        self.redirect_uris, self.post_logout_uris = REDIRECT_URIS, POST_LOGOUT_URIS
        self.identities = identities()
        self.keys_path, self.log_path = folder / "keys.json", folder / "dev-idp.log"
        self._process: subprocess.Popen | None = None

    def start(self, env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k != "CREDIT_PRODUCTION"}
        environment.update(DEV_IDP_PORT=str(self.port), DEV_IDP_ISSUER=self.issuer, DEV_IDP_CLIENT_ID=self.client_id,
                           DEV_IDP_CLIENT_SECRET=self.client_secret, DEV_IDP_KEYS=str(self.keys_path),
                           DEV_IDP_REDIRECT_URIS=",".join(self.redirect_uris),
                           DEV_IDP_POST_LOGOUT_URIS=",".join(self.post_logout_uris), **(env or {}))
        with self.log_path.open("a") as log:
            self._process = subprocess.Popen(["node", str(IDP_DIR / "dev-idp.mjs")], env=environment,
                                             stdout=log, stderr=subprocess.STDOUT)
        if not wait_until_up(f"{self.issuer}/.well-known/openid-configuration", timeout=30):
            self.stop()
            raise RuntimeError(f"the development provider did not start:\n{self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    @property
    def signing_kid(self) -> str:
        """The kid of the key that signs now (the first in the key file)."""
        return json.loads(self.keys_path.read_text())["keys"][0]["kid"]

    def rotate_keys(self, keep_old: bool = True) -> str:
        """Sign with a new key from now on (the old one still published unless keep_old=False):
        writes the key file and restarts the provider on the same port. Its sessions and codes
        are lost with the restart. Returns the new key's kid."""
        old = json.loads(self.keys_path.read_text())["keys"]
        key = RSAKey.generate_key(2048, private=True).as_dict(private=True)
        key.update(kid=f"rotated-{len(old)}-{os.urandom(4).hex()}", alg="RS256", use="sig")
        self.keys_path.write_text(json.dumps({"keys": [key, *(old if keep_old else [])]}))
        self.stop()
        self.start()
        return key["kid"]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    problem = node_problem()
    if problem:
        pytest.skip(problem)
    install()
    provider = DevProvider(tmp_path_factory.mktemp("dev-idp"))
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


class _Forms(HTMLParser):
    """Each form of a page: (action, the names and values its inputs and buttons submit)."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif tag in ("input", "button") and attrs.get("name") and self.forms:
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _through_provider(http: requests.Session, url: str, choose) -> str:
    """Follow `url` while it stays at the provider, submitting on each page the form `choose`
    picks from (action, fields); the first redirect away from the provider, not requested."""
    provider = _origin(url)
    response = http.get(url, allow_redirects=False)
    for _ in range(20):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if _origin(target) != provider:
                return target
            response = http.get(target, allow_redirects=False)
            continue
        form = choose(_Forms(response.text).forms) if response.status_code == 200 else None
        if form is None:
            raise AssertionError(f"the provider answered {response.status_code} at {response.url}:\n{response.text[:1000]}")
        response = http.post(urljoin(response.url, form[0]), data=form[1], allow_redirects=False)
    raise AssertionError("the provider kept redirecting")


def provider_login(http: requests.Session, authorize_url: str, identity_key: str) -> str:
    """Follow the authorization URL through the provider's login page as the test identity
    (enterprise, social_org, person, sole_trader, bank_clerk) and return where the provider
    sends the browser at the end — the client's callback URL with code and state — without
    requesting it. `http` keeps the provider's cookies."""
    return _through_provider(http, authorize_url,
                             lambda forms: next((f for f in forms if f[1].get("identity") == identity_key), None))


def provider_logout(http: requests.Session, end_session_url: str) -> str:
    """Follow an RP-initiated logout URL (end_session_endpoint with its parameters), confirm the
    logout, and return the redirect back to the client (post_logout_redirect_uri) unrequested."""
    return _through_provider(http, end_session_url,
                             lambda forms: next(((action, {**fields, "logout": "yes"})
                                                 for action, fields in forms if "logout" in fields), None))
