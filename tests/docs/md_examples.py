"""Runs every shell, Python and JavaScript example of the README and the book against a fresh
emulator (a pytest plugin, loaded by tests/docs.rs with ``-p md_examples``).

pytest-codeblocks (pinned in requirements.txt) reads the Markdown: every fenced block with its
info string, and the HTML comments before it — ``<!--pytest.mark.skip(reason="…")-->`` marks a
block not runnable, ``<!--pytest-codeblocks:cont-->`` continues the block before. Its own runner
is not used: it runs shell through ``/bin/sh`` without ``-e`` (a failing line in the middle
passes), Python in the pytest process and JavaScript not at all. Here each block runs in a
process of its own, in an empty directory of its own:

- ``sh``/``bash``: ``bash -euo pipefail``, so any failing command fails the example;
- ``python``: a block defining ``test_…`` functions runs under pytest with the ``feishu_mock``
  plugin of ``python/src``; any other block runs as a script;
- ``js``/``javascript``: a block requiring ``node:test`` runs under ``node --test``, any other
  under ``node``; ``@larksuiteoapi/node-sdk`` resolves from ``$DOCS_NODE_PATH``.

One emulator (``$FEISHU_MOCK_BIN serve --port 0``) serves the whole run and is reset
(``POST /__mock/reset``) before every example. Examples are written for the emulator of the
README's first command, ``http://127.0.0.1:8080``; every ``127.0.0.1:8080`` and ``localhost:8080``
in a block is replaced by the fresh emulator's address. The directory holding
``$FEISHU_MOCK_BIN`` comes first on ``PATH``, so ``feishu-mock`` in an example is the binary
cargo built. A skip mark without a reason is refused: every block not run says why.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from pytest_codeblocks.main import extract_from_file

RUN = {"sh": "shell", "bash": "shell", "python": "python", "js": "js", "javascript": "js"}
TIMEOUT_S = 300

_emulator = {}


def _binary():
    path = os.environ.get("FEISHU_MOCK_BIN")
    if not path or not Path(path).is_file():
        raise pytest.UsageError("FEISHU_MOCK_BIN must name the feishu-mock binary cargo built")
    return Path(path).resolve()


def pytest_sessionstart(session):
    child = subprocess.Popen(
        [str(_binary()), "serve", "--port", "0", "--log-format", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = child.stdout.readline().strip()
    prefix = "feishu-mock listening on "
    if not line.startswith(prefix):
        child.kill()
        raise pytest.UsageError(f"feishu-mock did not start: {line!r}")
    _emulator["child"] = child
    _emulator["url"] = line[len(prefix):]


def pytest_sessionfinish(session):
    child = _emulator.get("child")
    if child is not None:
        child.terminate()
        child.wait(timeout=10)


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".md":
        return MarkdownFile.from_parent(parent, path=file_path)


class MarkdownFile(pytest.File):
    def collect(self):
        for block in extract_from_file(self.path):
            kind = RUN.get((block.syntax or "").split()[0] if block.syntax else "")
            if kind is None:
                continue
            item = Example.from_parent(self, name=f"line {block.lineno}")
            item.block, item.kind = block, kind
            for mark in block.marks:
                marker = eval(mark, {"sys": sys, "pytest": pytest})
                if marker.name in ("skip", "skipif") and not marker.kwargs.get("reason"):
                    raise pytest.UsageError(
                        f"{self.path}:{block.lineno}: a block not run must give its reason"
                    )
                item.add_marker(marker)
            yield item


def _env(workdir):
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(_binary().parent), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["HOME"] = env.get("HOME", str(workdir))
    env["FEISHU_MOCK_BIN"] = str(_binary())
    node_path = os.environ.get("DOCS_NODE_PATH")
    if node_path:
        env["NODE_PATH"] = node_path
    repo = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(repo / "python" / "src"), env.get("PYTHONPATH", "")])
    env.pop("FEISHU_MOCK_URL", None)
    return env


class Example(pytest.Item):
    block = None
    kind = None

    def _code(self):
        url = _emulator["url"]
        hostport = url.split("://", 1)[1]
        code = self.block.code.replace("http://127.0.0.1:8080", url)
        code = code.replace("127.0.0.1:8080", hostport).replace("localhost:8080", hostport)
        return code

    def _command(self, workdir, code):
        if self.kind == "shell":
            (workdir / "example.sh").write_text(code)
            return ["bash", "-euo", "pipefail", "example.sh"]
        if self.kind == "python":
            if re.search(r"^def test_", code, re.M):
                (workdir / "test_example.py").write_text(code)
                return [sys.executable, "-m", "pytest", "-q", "-p", "feishu_mock.pytest_plugin",
                        "-p", "no:cacheprovider", "test_example.py"]
            (workdir / "example.py").write_text(code)
            return [sys.executable, "example.py"]
        if "node:test" in code:
            (workdir / "example.test.js").write_text(code)
            return ["node", "--test", "example.test.js"]
        (workdir / "example.js").write_text(code)
        return ["node", "example.js"]

    def runtest(self):
        urllib.request.urlopen(
            urllib.request.Request(_emulator["url"] + "/__mock/reset", method="POST"), timeout=10
        ).read()
        base = Path(os.environ.get("DOCS_EXAMPLES_DIR", tempfile.gettempdir()))
        base.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="example-", dir=base))
        code = self._code()
        # Output goes to files and the example runs in a process group of its own: whatever it
        # leaves running in the background (a server it started) is killed with the group when
        # it ends or times out, and cannot hold a pipe open.
        with open(workdir / "stdout.txt", "w") as stdout, open(workdir / "stderr.txt", "w") as stderr:
            child = subprocess.Popen(
                self._command(workdir, code),
                cwd=workdir,
                env=_env(workdir),
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
            try:
                returncode = child.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                returncode = f"nothing: still running after {TIMEOUT_S} s"
            finally:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
        if returncode != 0:
            raise ExampleFailed(
                f"{self.path}:{self.block.lineno} ({self.kind}) exited {returncode} in {workdir}\n"
                f"--- the example, as run ---\n{code}\n"
                f"--- stdout ---\n{(workdir / 'stdout.txt').read_text()}\n"
                f"--- stderr ---\n{(workdir / 'stderr.txt').read_text()}"
            )

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ExampleFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.block.lineno, f"{self.kind} example, line {self.block.lineno}"


class ExampleFailed(Exception):
    pass
