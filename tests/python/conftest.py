"""The suite runs on the `feishu_mock` fixture of the feishu-mock wheel's pytest plugin
(installed into target/py-venv by tests/python_sdk.rs): one emulator per session, reset before
each test. `client` is an official SDK client of the default world's app."""
import lark_oapi as lark
import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def client(feishu_mock):
    """A client of the default world's self-built app, fetching its own tenant token."""
    return (
        lark.Client.builder()
        .app_id(feishu_mock.app_id)
        .app_secret(feishu_mock.app_secret)
        .domain(feishu_mock.url)
        .log_level(lark.LogLevel.ERROR)
        .build()
    )
