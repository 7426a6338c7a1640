"""The web server behind ``cockpit serve``: textual-serve's, behind a secret token.

textual-serve gives the page, its static files and one app process per websocket
(``AppService``); this subclass puts every route under ``/<token>/`` (anything else: 403),
builds the page's URLs from the request (so an SSH port forward to another local port
works), keeps count of the apps it started, and ends each one when its tab closes: first
as the user would (``ctrl+q``: a run going is cancelled and recorded), then textual-serve's
quit, then SIGKILL, each after ``quit_grace`` seconds.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import signal
from contextlib import suppress
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("cockpit.serve")
CTRL_Q = b"\x11"
"""The app's quit key: cancels a run going, records it, closes the session log."""


class CockpitAppService(AppService):
    """One tab's app, ended the way the app ends itself when the tab goes away."""

    quit_grace = 10.0

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.returncode is None else None

    async def stop(self) -> None:
        task = self._task
        if task is None:
            return
        for attempt in ("ctrl+q", "quit"):
            with suppress(Exception):  # a pipe already closed: the app is ending anyway
                if attempt == "ctrl+q":
                    await self.send_bytes(CTRL_Q)
                else:
                    await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(asyncio.shield(task), self.quit_grace)
                break
            except TimeoutError:
                continue
        else:
            pid = self.pid
            if pid is not None:
                log.warning("cockpit serve: app %d did not quit; killing it", pid)
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with suppress(Exception):
                await task
        self._task = None
        if self._process is not None:
            with suppress(Exception):
                await self._process.wait()


class CockpitServer(Server):
    """textual-serve's server with a token in every URL and apps ended on close."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        token: str | None,
        title: str,
        quit_grace: float = 10.0,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self.prefix = f"/{token}" if token else ""
        self.quit_grace = quit_grace
        self.services: set[CockpitAppService] = set()
        self._runner: web.AppRunner | None = None

    # -- access ------------------------------------------------------------------------
    def allowed(self, path: str) -> bool:
        if self.token is None:
            return True
        first = path.lstrip("/").split("/", 1)[0]
        return hmac.compare_digest(first.encode(), self.token.encode())

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self.allowed(request.path):
            return web.Response(
                status=403,
                text="cockpit serve: this URL lacks the token; open the URL cockpit printed\n",
            )
        response: web.StreamResponse = await handler(request)
        return response

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        prefix = self.prefix
        app.add_routes(
            [
                web.get(f"{prefix}/", self.handle_index, name="index"),
                web.get(f"{prefix}/ws", self.handle_websocket, name="websocket"),
                web.get(f"{prefix}/download/{{key}}", self.handle_download, name="download"),
                web.static(f"{prefix}/static", self.statics_path, name="static"),
            ]
        )
        return app

    # -- the page ------------------------------------------------------------------------
    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        scheme = "wss" if request.secure else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}{self.prefix}/ws",
            "config": {"static": {"url": f"{self.prefix}/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: its app starts with the page's size and ends when the tab closes."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        service = CockpitAppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=lambda: self._close(websocket),
            download_manager=self.download_manager,
        )
        service.quit_grace = self.quit_grace
        self.services.add(service)
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            await asyncio.shield(service.stop())
            self.services.discard(service)
            with suppress(Exception):
                await websocket.close()
        return websocket

    @staticmethod
    async def _close(websocket: web.WebSocketResponse) -> None:
        await websocket.close()

    # -- running ---------------------------------------------------------------------------
    async def start(self) -> int:
        """Listen; the port listened on (the one asked, or the free one 0 picked)."""
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server
        sockets = getattr(server, "sockets", None) or ()
        return int(sockets[0].getsockname()[1]) if sockets else self.port

    async def close(self) -> None:
        """End every tab's app (as when its tab closes), then stop listening."""
        await asyncio.gather(*(service.stop() for service in list(self.services)))
        if self._runner is not None:
            await self._runner.cleanup()
