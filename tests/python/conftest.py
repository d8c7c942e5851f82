"""Shared fixtures: the emulator's URL (set by tests/python_sdk.rs) and SDK clients."""
import os

import lark_oapi as lark
import pytest

URL = os.environ.get("FEISHU_MOCK_URL", "http://127.0.0.1:8080")


@pytest.fixture
def url():
    return URL


@pytest.fixture
def client():
    """A client of the default world's self-built app, fetching its own tenant token."""
    return (
        lark.Client.builder()
        .app_id("cli_mock")
        .app_secret("mock-secret")
        .domain(URL)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )
