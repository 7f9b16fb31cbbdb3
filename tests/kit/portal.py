"""The real web portal (``python -m portal``) as a process of its own, pointed at services
the test started (its output goes to a file printed when it fails to come up), and what tests
of its pages share: a browser-like HTTP client, a page's form fields, a page's weight."""
from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import httpx
from lianxin.identity.v1 import identity_pb2 as ipb

from kit.settings import PREFECTURE
from services.identity.keys import KeyFolder, Signer

REPO = Path(__file__).resolve().parents[2]
PORTAL_SUBJECT = "portal"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PortalProcess:
    """``url``: http://127.0.0.1:<port>. ``backends``: service name -> port."""

    def __init__(self, backends: dict[str, int], log_path: Path, *, port: int | None = None,
                 secret: str, **extra: str):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIANXIN_")}
        env.update({
            "LIANXIN_PORTAL_PORT": str(self.port), "LIANXIN_HOST": "127.0.0.1", "LIANXIN_JWT_SECRET": secret,
            "LIANXIN_PORTAL_BACKENDS": ",".join(f"{n}=127.0.0.1:{p}" for n, p in backends.items()),
            "LIANXIN_PUBLIC_BASE_URL": self.url, "LIANXIN_LOG_FORMAT": "json",
            "LIANXIN_PORTAL_SUBJECT": PORTAL_SUBJECT} | extra)
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "portal"], cwd=REPO, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise RuntimeError(f"the portal did not come up on {self.url}:\n{self.log_path.read_text()[-3000:]}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


BUDGET = 100 * 1024   # the citizen pages' weight: HTML + CSS + JS, no images


def client(base: str, **kw) -> httpx.Client:
    """A client that keeps its cookies, like one browser (one device)."""
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False, **kw)


def hidden(page: str, name: str) -> str:
    m = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


def sign_in(c: httpx.Client, username: str, password: str, next_page: str = "") -> httpx.Response:
    """Signs ``c`` in through the sign-in form, as a browser would; the portal answers 303 to
    ``next_page`` (the desk's front page when empty)."""
    form = c.get("/signin")
    fields = {"csrf_token": hidden(form.text, "csrf_token"), "username": username, "password": password}
    r = c.post("/signin", data=fields | ({"next": next_page} if next_page else {}))
    assert r.status_code == 303, r.text[-1500:]
    return r


def opinion_form(page: str, **fields: str) -> dict[str, str]:
    """The card page's form as a browser would post it."""
    return {"csrf_token": hidden(page, "csrf_token"), "request_id": hidden(page, "request_id"),
            "category": "道路交通", "text": "村口路灯坏了", "contact_name": "", "contact_phone": ""} | fields


def tracking_code(page: str) -> str:
    m = re.search(r'id="tracking-code">([^<]+)<', page)
    assert m, page[-2000:]
    return m.group(1)


def weight(c: httpx.Client, path: str) -> tuple[int, list[str]]:
    """Bytes of the page and of every stylesheet and script it loads, and what it loads."""
    r = c.get(path)
    assert r.status_code == 200, r.text[-1000:]
    total = len(r.content)
    assets = re.findall(r'<link[^>]+href="([^"]+)"', r.text) + re.findall(r'<script[^>]+src="([^"]+)"', r.text)
    for a in assets:
        got = c.get(a)
        assert got.status_code == 200, a
        total += len(got.content)
    return total, assets


def portal_token_file(bus: Path, folder: Path) -> Path:
    """The portal's system token as production has it: signed by identity's active key
    (EdDSA), which the services verify from the JWKS file beside the bus (kit.settings)."""
    keys = KeyFolder(bus.parent / "identity-keys", bus.parent / "jwks.json")
    keys.generate(activate=True)
    token, _ = Signer(keys).sign(subject=PORTAL_SUBJECT, role="system", region=PREFECTURE, ttl=timedelta(hours=2))
    path = folder / "portal-token"
    path.write_text(token + "\n", encoding="utf-8")
    return path


def portal_in_front(start_service, tmp_path_factory, *names: str) -> tuple[dict, PortalProcess]:
    """The named services (roster, identity, ...) on one bus and the real portal in front of
    them, as a prefecture deployment runs it: the portal signs its calls with an EdDSA system
    token the services trust as a forwarder. Returns (service name -> running service, portal);
    the caller closes the portal. Identity's sign-in rate is lifted: a browser test signs in
    several people within a minute."""
    bus = tmp_path_factory.mktemp("bus") / "bus.sqlite"
    folder = tmp_path_factory.mktemp("portal")
    token_file = portal_token_file(bus, folder)
    port = free_port()
    extra = {"LIANXIN_TRUSTED_FORWARDERS": PORTAL_SUBJECT, "LIANXIN_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    own = {"identity": {"LIANXIN_IDENTITY_SIGN_IN_RATE_PER_MINUTE": "100000"}}
    services = {name: start_service(name, bus_path=bus, **extra, **own.get(name, {})) for name in names}
    portal = PortalProcess({name: s.running.port for name, s in services.items()}, folder / "portal.log",
                           port=port, secret="not-the-deployment-secret-" * 2, LIANXIN_HOME_REGION=PREFECTURE,
                           LIANXIN_PORTAL_TOKEN_FILE=str(token_file))
    return services, portal


class PortalWorld:
    """A browser-test module's services, each an attribute named as started (``self.roster``,
    ``self.evaluation`` ...), and the real portal in front of them (``self.url``)."""

    def __init__(self, services: dict, portal: PortalProcess):
        for name, service in services.items():
            setattr(self, name, service)
        self.portal, self.url = portal, portal.url
        self.seq = 0

    def account(self, username: str, role: int, region: str, *, stands_for: str = "", name: str = "",
                password: str = "") -> str:
        return open_account(self.identity, username, role, region, password=password,
                            stands_for=stands_for, name=name)


def open_account(identity, username: str, role: int, region: str, *, password: str, stands_for: str = "",
                 name: str = "") -> str:
    """An account opened by the prefecture's staff, its one-time password changed to
    ``password`` (so it signs in without the first-sign-in change); returns the password."""
    one_time = "Initial-pw-2026-x"
    identity.call("CreateAccount", ipb.CreateAccountRequest(account=ipb.Account(
        username=username, display_name=name or username, role=role, region_code=region,
        stands_for=stands_for), one_time_password=one_time), role="staff", region=PREFECTURE)
    identity.public("ChangePassword", ipb.ChangePasswordRequest(
        username=username, current_password=one_time, new_password=password))
    return password
