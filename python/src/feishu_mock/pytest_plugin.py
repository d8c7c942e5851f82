"""pytest plugin (entry point ``pytest11``): the ``feishu_mock`` fixture.

One emulator per test session on a free port, started on first use and stopped at the end; the
world is reset (``POST /__mock/reset``) before every test that uses the fixture. With
``FEISHU_MOCK_URL`` set, the fixture uses that running emulator instead of starting one.

Options (command line, or the ini key in brackets):

- ``--feishu-mock-world=FILE`` [``feishu_mock_world``]: world file (the ``--world`` format);
  a relative ini path is relative to the ini file's directory.
- ``--feishu-mock-arg=FLAG`` (repeatable) [``feishu_mock_args``]: more ``feishu-mock serve``
  flags, e.g. ``--no-rate-limits`` or ``--seed=1``.
- ``--feishu-mock-bin=PATH`` [``feishu_mock_bin``]: the binary (default: the wheel's).
- [``feishu_mock_startup_timeout``]: seconds to wait for health (default 10).
"""

from __future__ import annotations

import os
import shlex
from typing import Iterator, List, Optional

import pytest

from . import Emulator, FeishuMock, FeishuMockError, wait_healthy


def pytest_addoption(parser: "pytest.Parser") -> None:
    group = parser.getgroup("feishu-mock", "feishu-mock emulator")
    group.addoption(
        "--feishu-mock-world",
        dest="feishu_mock_world",
        metavar="FILE",
        help="world file for the feishu-mock emulator (default: its embedded world)",
    )
    group.addoption(
        "--feishu-mock-arg",
        dest="feishu_mock_args",
        action="append",
        default=[],
        metavar="FLAG",
        help="extra flag for `feishu-mock serve` (repeatable), e.g. --feishu-mock-arg=--no-rate-limits",
    )
    group.addoption(
        "--feishu-mock-bin",
        dest="feishu_mock_bin",
        metavar="PATH",
        help="feishu-mock binary (default: the one the wheel installed, then PATH)",
    )
    parser.addini("feishu_mock_world", "world file for the feishu-mock emulator", type="string")
    parser.addini("feishu_mock_args", "extra flags for `feishu-mock serve`", type="args")
    parser.addini("feishu_mock_bin", "feishu-mock binary", type="string")
    parser.addini(
        "feishu_mock_startup_timeout",
        "seconds to wait for the emulator to become healthy (default 10)",
        type="string",
        default="10",
    )


def _ini_path(config: "pytest.Config", value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    if os.path.isabs(value) or config.inipath is None:
        return value
    return os.path.join(os.path.dirname(str(config.inipath)), value)


def _args(config: "pytest.Config") -> List[str]:
    args = list(config.getini("feishu_mock_args") or [])
    for extra in config.getoption("feishu_mock_args") or []:
        args += shlex.split(extra)
    return args


@pytest.fixture(scope="session")
def feishu_mock_session(
    pytestconfig: "pytest.Config", tmp_path_factory: "pytest.TempPathFactory"
) -> Iterator[FeishuMock]:
    """The session's emulator, not reset between tests (use ``feishu_mock`` in tests)."""
    timeout = float(pytestconfig.getini("feishu_mock_startup_timeout") or 10)
    external = os.environ.get("FEISHU_MOCK_URL")
    if external:
        problem = None
        try:
            wait_healthy(external.rstrip("/"), timeout)
        except FeishuMockError as e:
            problem = f"FEISHU_MOCK_URL={external}: {e}"
        if problem:
            pytest.fail(problem, pytrace=False)
        yield FeishuMock(external)
        return
    world = pytestconfig.getoption("feishu_mock_world") or _ini_path(
        pytestconfig, pytestconfig.getini("feishu_mock_world")
    )
    binary = pytestconfig.getoption("feishu_mock_bin") or _ini_path(
        pytestconfig, pytestconfig.getini("feishu_mock_bin")
    )
    log_path = str(tmp_path_factory.mktemp("feishu-mock") / "feishu-mock.log")
    problem = None
    try:
        emulator = Emulator(
            binary=binary,
            world=world,
            args=_args(pytestconfig),
            log_path=log_path,
            startup_timeout=timeout,
        )
        url = emulator.start()
    except FeishuMockError as e:
        problem = str(e)
    if problem:
        # Every test that asks for the fixture errors with the binary's own words.
        pytest.fail(problem, pytrace=False)
    try:
        yield FeishuMock(url, log_path=log_path)
    finally:
        emulator.stop()


@pytest.fixture
def feishu_mock(feishu_mock_session: FeishuMock) -> FeishuMock:
    """The session's emulator, reset to its start-up world before this test."""
    feishu_mock_session.reset()
    return feishu_mock_session
