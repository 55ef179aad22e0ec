"""Fixtures for the browser tests: a gateway process of its own on a free port and a fresh data
folder, and headless Chromium (Debian's, driven by Playwright) opening its pages.

Loaded with `python -m pytest -p gateway_fixtures` by scripts/browser-test, which sets
GATEWAY_BIN to the binary under test.
"""
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def gateway():
    """The gateway's base URL; the process lives for the whole session."""
    binary = os.environ["GATEWAY_BIN"]
    data = tempfile.mkdtemp(prefix="browser-gateway-")
    ready = pathlib.Path(data) / "ready"
    log = open(pathlib.Path(data) / "gateway.log", "wb")
    proc = subprocess.Popen(
        [binary, "--port", "0", "--data", str(pathlib.Path(data) / "store"), "--ready-file", str(ready)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "RUST_LOG": "warn"},
    )
    try:
        deadline = time.time() + 60
        while not ready.exists() or not ready.read_text().strip():
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the gateway did not start: " + (pathlib.Path(data) / "gateway.log").read_text())
            time.sleep(0.05)
        yield ready.read_text().strip()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, gateway):
    """A fresh browser context (its own cookies and storage) on the gateway."""
    context = browser.new_context(base_url=gateway)
    context.set_default_timeout(10_000)
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def new_page(browser, gateway):
    """Makes more pages, each in its own browser context (a second user)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=gateway)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for c in contexts:
        c.close()
