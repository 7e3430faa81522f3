"""The intranet web server in tests: Debian's nginx running the shipped deploy/nginx.conf (only its three lines
marked "deploy:" replaced: port, folder, auth include) inside a small wrapper that stands in for Debian's
/etc/nginx/nginx.conf, in the foreground on a free loopback port, with pid, logs and temp files in a test folder;
and plain HTTP requests that keep redirects and bodies as sent.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ENV, ROOT

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"

# The lines of deploy/nginx.conf that differ between a server and this test: the shipped line -> the
# test's. Everything else (caching, gzip, 404, redirect, headers, auth include) is served as shipped.
DEPLOY_LINES = {
    "listen 80;": "listen 127.0.0.1:{port};",
    "root /var/www/opsmanual;": 'root "{root}";',
    "include /etc/nginx/opsmanual.d/*.conf;": 'include "{include}/*.conf";',
}

# What Debian's /etc/nginx/nginx.conf puts around conf.d/*.conf, with every path in the test's folder.
# `user root;` only when the test runs as root (CI): the workers must read the pytest folder (mode 0700);
# as another user nginx runs its workers as that user and the directive must be left out.
WRAPPER = """# Written by tests/servers.py in place of Debian's /etc/nginx/nginx.conf.
{user}worker_processes 1;
pid "{dir}/nginx.pid";
error_log "{dir}/error.log" warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log "{dir}/access.log";
    client_body_temp_path "{dir}/temp/body";
    proxy_temp_path "{dir}/temp/proxy";
    fastcgi_temp_path "{dir}/temp/fastcgi";
    uwsgi_temp_path "{dir}/temp/uwsgi";
    scgi_temp_path "{dir}/temp/scgi";
    include "{dir}/conf.d/*.conf";
}}
"""

# -- nginx with the shipped configuration --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_server_conf(port: int, root: Path, include: Path) -> str:
    """deploy/nginx.conf with its three "deploy:" lines filled in for this test."""
    text = DEPLOY_CONF.read_text(encoding="utf-8")
    for line, replacement in DEPLOY_LINES.items():
        assert text.count(line) == 1, f"deploy/nginx.conf must contain the line {line!r} exactly once (marked deploy:)"
        text = text.replace(line, replacement.format(port=port, root=root, include=include))
    return text


@dataclass
class Nginx:
    folder: Path
    site: Path
    auth: str | None = None  # the content of opsmanual.d/auth.conf, or no auth
    port: int = 0
    process: subprocess.Popen | None = None
    check: str = ""  # what `nginx -t` said about the configuration
    users: dict = field(default_factory=dict)  # user -> password, when auth is configured

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        return [
            NGINX,
            "-p",
            f"{self.folder}/",
            "-e",
            str(self.folder / "error.log"),
            "-c",
            str(self.folder / "nginx.conf"),
            *args,
        ]

    def configure(self, port: int) -> None:
        self.port = port
        for sub in ("conf.d", "opsmanual.d", "temp"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        if self.auth:
            (self.folder / "opsmanual.d" / "auth.conf").write_text(self.auth, encoding="utf-8")
        (self.folder / "conf.d" / "opsmanual.conf").write_text(
            render_server_conf(port, self.site, self.folder / "opsmanual.d"), encoding="utf-8"
        )
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(WRAPPER.format(user=user, dir=self.folder), encoding="utf-8")

    def start(self) -> Nginx:
        for attempt in range(5):
            self.configure(free_port())
            check = subprocess.run(self.command("-t"), capture_output=True, text=True, check=False)
            assert check.returncode == 0, f"nginx -t refused the configuration:\n{check.stderr}"
            self.check = check.stderr
            with open(self.folder / "stderr.log", "w") as log:
                self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            output = (self.folder / "stderr.log").read_text() + (self.folder / "error.log").read_text()
            self.stop()
            if "Address already in use" not in output:
                raise AssertionError(f"nginx did not start:\n{output}")
        raise AssertionError("nginx found no free port in 5 attempts")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # fast shutdown: the master stops its workers
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# -- HTTP without a browser -----------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 301/302 is the answer under test, not a step


_OPENER = urllib.request.build_opener(_KeepRedirects)


def fetch(url: str, method: str = "GET", headers: dict | None = None) -> Response:
    """One request with urllib: redirects not followed, error statuses returned, body as sent (not decompressed)."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())


def max_age(cache_control: str) -> int:
    match = re.search(r"max-age=(\d+)", cache_control)
    return int(match.group(1)) if match else 0


def apr1(password: str) -> str:
    """What `openssl passwd -apr1` (the way deploy/nginx.conf documents) writes; {PLAIN} without openssl."""
    if not shutil.which("openssl"):
        return "{PLAIN}" + password
    hashed = subprocess.run(
        ["openssl", "passwd", "-apr1", "-stdin"], input=password, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert hashed.startswith("$apr1$")
    return hashed


def bcrypt(password: str) -> str | None:
    """What `htpasswd -B` (apache2-utils) writes, made with the C library's crypt(); None if it has no bcrypt."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt
        except ImportError:
            return None
    if crypt.METHOD_BLOWFISH not in crypt.methods:
        return None
    return "$2y$" + crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))[4:]


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}


# -- the manual's own servers (`manual serve`, `manual preview`) ----------------------------------------


def get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode("utf-8")


def wait_for(url: str, test=lambda text: True, timeout: float = 90) -> str:
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            last = get(url)
            if test(last):
                return last
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer as expected in {timeout} s; last answer:\n{last[:2000]}")


class ManualServer:
    """`manual <command>` (serve, preview) running in a folder on a free port, its output in a log beside it."""

    def __init__(self, folder: Path, *args: str):
        self.port = free_port()
        self.log_file = folder.parent / f"server-{self.port}.log"
        self.log = open(self.log_file, "w")  # noqa: SIM115 - the server's output while it runs
        self.process = subprocess.Popen(
            [sys.executable, "-m", "opsmanual.cli", *args],
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **ENV, "MANUAL_ADDR": f"127.0.0.1:{self.port}"},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
