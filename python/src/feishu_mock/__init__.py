"""feishu-mock from Python: start the emulator binary, and drive its test control plane.

``Emulator`` starts the ``feishu-mock`` binary that this wheel installs (on a free port by
default) and stops it; ``FeishuMock`` is a thin client of the control plane under ``/__mock/``.
The pytest plugin (``feishu_mock.pytest_plugin``) builds its fixture from both. Only the
standard library is used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, List, Optional, Sequence

__all__ = [
    "APP_ID",
    "APP_SECRET",
    "TENANT_ACCESS_TOKEN",
    "USER_ACCESS_TOKEN",
    "USER_OPEN_ID",
    "Emulator",
    "FeishuMock",
    "FeishuMockError",
    "find_binary",
    "forget_lark_oapi_tokens",
    "wait_healthy",
]

#: The default world's self-built app, holding every scope.
APP_ID = "cli_mock"
APP_SECRET = "mock-secret"
#: A tenant token of ``cli_mock`` that the default world pre-issues; it never expires.
TENANT_ACCESS_TOKEN = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef"
#: A user token that never expires, of the user below.
USER_ACCESS_TOKEN = "u-7f1bcd13fc57d46bac21793a18e560"
USER_OPEN_ID = "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f"

_LISTENING = "feishu-mock listening on "


class FeishuMockError(RuntimeError):
    """The emulator could not be started or reached, or the control plane refused a call."""


def find_binary() -> str:
    """The ``feishu-mock`` executable: ``$FEISHU_MOCK_BIN``, else the one installed next to
    this Python (the wheel's), else the first on PATH."""
    explicit = os.environ.get("FEISHU_MOCK_BIN")
    if explicit:
        return explicit
    exe = "feishu-mock.exe" if os.name == "nt" else "feishu-mock"
    scripts = sysconfig.get_path("scripts")
    candidates = [os.path.join(scripts, exe)] if scripts else []
    candidates.append(os.path.join(os.path.dirname(sys.executable), exe))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("feishu-mock")
    if found:
        return found
    raise FeishuMockError(
        "feishu-mock binary not found: install the feishu-mock wheel, put the binary on PATH, "
        "or set FEISHU_MOCK_BIN"
    )


class Emulator:
    """A ``feishu-mock serve`` process on ``host`` and ``port`` (0: a free port).

    ``start()`` returns once ``/__mock/health`` answers 200, or raises ``FeishuMockError`` with
    the binary's own message (port in use, unreadable world file, ...) within
    ``startup_timeout`` seconds; it never waits longer. The request log (stderr) goes to
    ``log_path`` when given, else is discarded.
    """

    def __init__(
        self,
        binary: Optional[str] = None,
        world: Optional[str] = None,
        args: Sequence[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Optional[str] = None,
        startup_timeout: float = 10.0,
    ) -> None:
        self.binary = binary or find_binary()
        self.world = world
        self.args = list(args)
        self.host = host
        self.port = port
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.url: Optional[str] = None
        self._proc: Optional[subprocess.Popen] = None
        self._log = None

    def command(self) -> List[str]:
        cmd = [self.binary, "serve"]
        # A --host or --port among the extra flags wins over the constructor's.
        given = {a.split("=", 1)[0] for a in self.args}
        if "--host" not in given:
            cmd += ["--host", self.host]
        if "--port" not in given:
            cmd += ["--port", str(self.port)]
        if self.world:
            cmd += ["--world", str(self.world)]
        return cmd + self.args

    def _stderr_text(self) -> str:
        if not self.log_path:
            return ""
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:].strip()
        except OSError:
            return ""

    def _fail(self, why: str) -> "FeishuMockError":
        stderr = self._stderr_text()
        self.stop()
        detail = f"\n{stderr}" if stderr else ""
        return FeishuMockError(f"feishu-mock did not start ({' '.join(self.command())}): {why}{detail}")

    def start(self) -> str:
        """Starts the process and returns its base URL, ``http://HOST:PORT``."""
        if self.log_path:
            self._log = open(self.log_path, "ab")
            stderr = self._log
        else:
            # Without a log file the error message still needs stderr: keep it in a pipe read
            # by a thread so that a chatty request log can never block the server.
            stderr = subprocess.PIPE
        try:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        except OSError as e:
            raise FeishuMockError(f"cannot run {self.binary}: {e}") from e
        self._stderr_tail: List[bytes] = []
        if stderr is subprocess.PIPE:
            threading.Thread(target=self._drain_stderr, daemon=True).start()

        first: List[bytes] = []
        reader = threading.Thread(target=self._read_first_line, args=(first,), daemon=True)
        reader.start()
        deadline = time.monotonic() + self.startup_timeout
        reader.join(self.startup_timeout)
        if not first or not first[0]:
            if self._proc.poll() is None and reader.is_alive():
                raise self._fail(f"no listening line within {self.startup_timeout:g} s")
            try:
                code = self._proc.wait(timeout=max(0.0, deadline - time.monotonic()) + 1)
            except subprocess.TimeoutExpired:
                code = None
            tail = b"".join(self._stderr_tail).decode("utf-8", "replace").strip()
            why = f"exited with status {code}" + (f": {tail}" if tail else "")
            raise self._fail(why)
        line = first[0].decode("utf-8", "replace").strip()
        if not line.startswith(_LISTENING):
            raise self._fail(f"unexpected first line {line!r}")
        self.url = line[len(_LISTENING):]
        # Nothing else is printed on stdout, but never let a full pipe block the server.
        threading.Thread(target=self._drain, args=(self._proc.stdout,), daemon=True).start()
        try:
            wait_healthy(self.url, max(0.5, deadline - time.monotonic()))
        except FeishuMockError as e:
            raise self._fail(str(e)) from None
        return self.url

    def _read_first_line(self, out: List[bytes]) -> None:
        try:
            out.append(self._proc.stdout.readline())
        except (OSError, ValueError):
            out.append(b"")

    def _drain_stderr(self) -> None:
        for chunk in iter(lambda: self._proc.stderr.readline(), b""):
            self._stderr_tail.append(chunk)
            del self._stderr_tail[:-20]

    @staticmethod
    def _drain(stream) -> None:
        try:
            for _ in iter(lambda: stream.read(65536), b""):
                pass
        except (OSError, ValueError):
            pass

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown), then SIGKILL after 5 s."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "FeishuMock":
        return FeishuMock(self.start(), log_path=self.log_path)

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _call(
    method: str,
    url: str,
    body: Any = None,
    timeout: float = 10.0,
    raw: bool = False,
) -> Any:
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            payload = resp.read()
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        raise FeishuMockError(f"{method} {url}: HTTP {e.code} {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        raise FeishuMockError(f"{method} {url}: {e}") from None
    return payload if raw else json.loads(payload)


def wait_healthy(url: str, timeout: float = 10.0) -> None:
    """Polls ``GET /__mock/health`` until it answers 200, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        try:
            _call("GET", f"{url}/__mock/health", timeout=max(0.2, min(2.0, timeout)))
            return
        except FeishuMockError as e:
            last = str(e)
        if time.monotonic() >= deadline:
            raise FeishuMockError(f"{url}/__mock/health not healthy within {timeout:g} s: {last}")
        time.sleep(0.05)


_LARK_TOKEN_KEYS = ("self_app_token:", "self_tenant_token:", "isv_app_token:", "isv_tenant_token:")


def forget_lark_oapi_tokens() -> None:
    """Drops the app and tenant tokens in lark_oapi's process-wide default cache, if lark_oapi
    is loaded (a cache given with ``Client.builder().cache(...)`` is the caller's to clear)."""
    manager = sys.modules.get("lark_oapi.core.token.manager")
    cache = getattr(getattr(manager, "TokenManager", None), "cache", None)
    entries = getattr(cache, "cache", None)
    if not isinstance(entries, dict):
        return
    for key in [k for k in entries if isinstance(k, str) and k.startswith(_LARK_TOKEN_KEYS)]:
        entries.pop(key, None)


class FeishuMock:
    """A running emulator at ``url`` and thin helpers over its control plane (``/__mock/``).

    The default world's credentials are attributes: ``app_id``, ``app_secret``,
    ``tenant_access_token``, ``user_access_token``, ``user_open_id``.
    """

    app_id = APP_ID
    app_secret = APP_SECRET
    tenant_access_token = TENANT_ACCESS_TOKEN
    user_access_token = USER_ACCESS_TOKEN
    user_open_id = USER_OPEN_ID

    def __init__(self, url: str, log_path: Optional[str] = None) -> None:
        self.url = url.rstrip("/")
        #: Where the emulator's request log goes, when the plugin started it.
        self.log_path = log_path

    def __repr__(self) -> str:
        return f"FeishuMock({self.url!r})"

    def _control(self, method: str, route: str, body: Any = None, raw: bool = False) -> Any:
        return _call(method, f"{self.url}/__mock/{route}", body, raw=raw)

    def health(self) -> Dict[str, Any]:
        return self._control("GET", "health")

    def reset(self) -> None:
        """Back to the world loaded at start-up: files, tokens, journal, faults, clock.

        The emulator forgets the tokens it issued, so the tenant and app tokens that the
        official Python SDK caches process-wide (keyed by app_id, not by domain) are dropped
        too; its clients then fetch new ones on their next call."""
        self._control("POST", "reset")
        forget_lark_oapi_tokens()

    def requests(
        self,
        endpoint: Optional[str] = None,
        code: Optional[int] = None,
        include_control: bool = False,
    ) -> List[Dict[str, Any]]:
        """The request journal, oldest first, optionally only one endpoint's or one code's.

        The emulator journals control-plane calls too (endpoint ``admin``); they are left out
        unless ``include_control``."""
        query = {k: v for k, v in (("endpoint", endpoint), ("code", code)) if v is not None}
        route = "requests" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        entries = self._control("GET", route)["requests"]
        if include_control:
            return entries
        return [e for e in entries if e.get("endpoint") != "admin"]

    def files(self) -> List[Dict[str, Any]]:
        """Metadata of every stored file (token, name, size, sha256, endpoint, ...)."""
        return self._control("GET", "files")["files"]

    def file_bytes(self, file_token: str) -> bytes:
        """The stored bytes of one file."""
        return self._control("GET", f"files/{urllib.parse.quote(file_token, safe='')}", raw=True)

    @staticmethod
    def error_header(code: int) -> Dict[str, str]:
        """The header that makes one request answer the endpoint's documented error ``code``,
        e.g. ``lark.RequestOption.builder().headers(feishu_mock.error_header(1061045))``."""
        return {"X-Mock-Error-Code": str(code)}

    def fail_next(self, endpoint: str, code: int, times: int = 1) -> Dict[str, Any]:
        """The next ``times`` requests to ``endpoint`` answer its documented error ``code``."""
        return self.add_fault(endpoint, error_code=code, times=times)

    def add_fault(self, endpoint: str, **rule: Any) -> Dict[str, Any]:
        """Adds a fault rule (``error_code``, ``delay_ms``, ``reset_connection``, ``times``,
        ``probability``, ``app_id``) and returns it as stored."""
        return self._control("POST", "faults", dict(rule, endpoint=endpoint))["fault"]

    def faults(self) -> List[Dict[str, Any]]:
        return self._control("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def advance_clock(self, seconds: float) -> int:
        """Moves emulator time forward (token expiry, quota windows); returns the new now in ms."""
        return self._control("POST", "clock", {"advance_seconds": seconds})["now_ms"]

    def now_ms(self) -> int:
        return self._control("GET", "clock")["now_ms"]

    def add_to_world(self, fragment: Dict[str, Any]) -> None:
        """Adds apps, users, tokens, Drive nodes, OKR objects, tasks or Project objects, in the
        ``--world`` format; ``reset()`` drops them again."""
        self._control("POST", "world", fragment)
