"""A headless Chromium driven over the Chrome DevTools Protocol, for the browser tests.

No browser download and no driver: Debian's ``/usr/bin/chromium`` started with
``--remote-debugging-port=0`` writes the port it chose into ``DevToolsActivePort`` in its
profile folder, and aiohttp (textual-serve's own dependency) speaks the websocket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)
# textual-serve's page keeps its xterm.js terminal in a closure; it is caught as the page
# assigns it (``this.terminal = new Terminal(...)``), so a test reads the screen the page
# shows from the terminal's own buffer.
SCREEN_HOOK = """
(() => {
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
      if (value && value.buffer) { window.__cockpitTerminal = value; }
    },
  });
  window.__cockpitScreen = () => {
    const terminal = window.__cockpitTerminal;
    if (!terminal) { return ""; }
    const buffer = terminal.buffer.active;
    const lines = [];
    for (let y = 0; y < terminal.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
  };
})();
"""


class Browser:
    """One headless Chromium with a fresh profile, and a CDP connection to it."""

    def __init__(self, profile: Path, log: Path) -> None:
        self.profile = profile
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.http: aiohttp.ClientSession | None = None
        self.socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 30) -> None:
        self.profile.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        active = self.profile / "DevToolsActivePort"
        await wait_for(lambda: active.is_file() and len(active.read_text().split()) >= 2, timeout)
        port, path = active.read_text().split()[:2]
        self.http = aiohttp.ClientSession()
        self.socket = await self.http.ws_connect(f"ws://127.0.0.1:{port}{path}", max_msg_size=0)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        async for message in self.socket:
            data = json.loads(message.data)
            waiting = self._waiting.pop(data.get("id", -1), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(data)

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        assert self.socket is not None
        self._ids += 1
        message: dict[str, Any] = {"id": self._ids, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[self._ids] = future
        await self.socket.send_str(json.dumps(message))
        answer = await asyncio.wait_for(future, 30)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self.socket is not None:
            await self.socket.close()
        if self.http is not None:
            await self.http.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    """One page of the browser, its screen readable and its keyboard typed on."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session

    @classmethod
    async def open(cls, browser: Browser, url: str, width: int = 1280, height: int = 800) -> Tab:
        target = (await browser.send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        attached = await browser.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )
        tab = cls(browser, target, attached["sessionId"])
        await tab.send("Page.enable")
        await tab.send("Page.addScriptToEvaluateOnNewDocument", {"source": SCREEN_HOOK})
        await tab.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        await tab.send("Page.navigate", {"url": url})
        return tab

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, self.session)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        return result.get("result", {}).get("value")

    async def screen(self) -> str:
        """The text the page's terminal shows, row by row."""
        return str(await self.evaluate("window.__cockpitScreen ? window.__cockpitScreen() : ''"))

    async def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    async def press(self, key: str) -> None:
        """A key as the keyboard sends it: down (with its text), then up."""
        code = f"Key{key.upper()}"
        base = {"key": key, "code": code, "windowsVirtualKeyCode": ord(key.upper())}
        await self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": key, **base})
        await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **base})

    async def screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))

    async def close(self) -> None:
        await self.browser.send("Target.closeTarget", {"targetId": self.target})


async def wait_for(condition: Callable[[], Any], timeout: float, step: float = 0.1) -> Any:
    """Poll ``condition`` until it is truthy (its value) or ``timeout`` seconds pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise TimeoutError(f"not within {timeout} s")
        await asyncio.sleep(step)
