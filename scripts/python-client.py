#!/usr/bin/env python3
"""A Python MCP client session against ktrdr-mcp, with the official `mcp` SDK, version 2.3 or later (below 3).

What it does, in order, printing each step:

  1. connects in `auto` mode (one `server/discover` probe; a 2025 server falls back to the
     `initialize` handshake) declaring the tasks extension (io.modelcontextprotocol/tasks), and
     prints the protocol version it got;
  2. lists the tools;
  3. calls a read tool (check_backend_health);
  4. with --prepare: loads the bars the training needs (trigger_data_loading: the server answers
     with a task, which the SDK's TasksExtension polls to its final result transparently);
  5. runs a start tool (start_training of mcp_smoke_slow on AAPL 1h, 2024) as a task: the task id
     is KTRDR's operation id; reads it with tasks/get, cancels it with tasks/cancel and polls
     tasks/get until it is cancelled (or, with --wait, waits for its result instead).

This is not run in CI (the CI machine has no PyPI); the TypeScript client and the MCP Inspector
cover the same ground there (test/e2e/clients.test.ts, test/e2e/mcpdo.test.ts).

Setup (Python >= 3.10):

    python3 -m venv .venv && . .venv/bin/activate
    pip install "mcp>=2.3,<3"

Run against the local stack (`npm start`: no credentials, loopback only):

    python3 scripts/python-client.py --prepare
    python3 scripts/python-client.py http://127.0.0.1:8787/mcp --mode 2026-07-28

Against a deployed Worker (AUTH_MODE=api_keys; the key needs ktrdr:read and ktrdr:operate):

    KTRDR_MCP_URL=https://ktrdr-mcp.example.workers.dev/mcp KTRDR_MCP_KEY=ktrdr_... \\
        python3 scripts/python-client.py

Exit status: 0 everything as expected, 1 a step failed, 2 usage error, or `mcp` missing or not >= 2.3, < 3.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8787/mcp"
TASKS_EXTENSION = "io.modelcontextprotocol/tasks"
MODERN = "2026-07-28"
RANGE = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
DEFAULT_START_TOOL = "start_training"
# ~45 s of training on the stand-in: long enough to read and cancel (real KTRDR has the strategy too).
DEFAULT_START_ARGS: dict[str, Any] = {"strategy_name": "mcp_smoke_slow", "symbols": ["AAPL"], **RANGE, "allow_duplicate": True}
PREPARE_ARGS: dict[str, Any] = {"symbol": "AAPL", "timeframe": "1h", "mode": "tail", **RANGE}
TERMINAL = {"completed", "failed", "cancelled"}
# The SDK releases this script runs on (earlier 2.x releases lack what it imports from mcp.client).
SDK_MIN = (2, 3)
SDK_BELOW = (3, 0)
SDK_HINT = "pip install 'mcp>=2.3,<3'"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python-client.py",
        description="Drive ktrdr-mcp with the Python MCP SDK (>= 2.3, < 3): connect (auto era negotiation, tasks extension), "
        "list tools, call a read tool, run a start tool as a task, read it and cancel it.",
        epilog="Needs: pip install 'mcp>=2.3,<3' (Python >= 3.10). Environment: KTRDR_MCP_URL, KTRDR_MCP_KEY.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("url", nargs="?", default=os.environ.get("KTRDR_MCP_URL", DEFAULT_URL), help="the server's /mcp URL (env KTRDR_MCP_URL)")
    # Read from the environment at run time, so --help never prints it.
    p.add_argument("--key", default=None, help="API key or OAuth access token, sent as 'Authorization: Bearer …' (default: env KTRDR_MCP_KEY; none in local mode)")
    p.add_argument("--mode", default="auto", choices=["auto", MODERN, "legacy"], help="era negotiation: auto (discover, fall back to initialize), a 2026-07-28 pin (no negotiation traffic), or legacy (initialize)")
    p.add_argument("--read-tool", default="check_backend_health", help="the read tool to call (no arguments)")
    p.add_argument("--prepare", action="store_true", help="first load the bars the default training needs (trigger_data_loading AAPL 1h, 2024)")
    p.add_argument("--start-tool", default=DEFAULT_START_TOOL, help="the start tool to run as a task (trigger_data_loading, start_training or start_backtest)")
    p.add_argument("--start-args", type=json.loads, default=DEFAULT_START_ARGS, help="its arguments, as a JSON object")
    p.add_argument("--wait", action="store_true", help="wait for the task's result instead of cancelling it")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the task to end (after the cancel, or with --wait)")
    args = p.parse_args(argv)
    if not isinstance(args.start_args, dict):
        p.error("--start-args must be a JSON object")
    return args


def installed_sdk() -> str | None:
    """The installed `mcp` package's version, or None when it is not installed."""
    from importlib import metadata

    try:
        return metadata.version("mcp")
    except metadata.PackageNotFoundError:
        return None


def sdk_problem(installed: str | None) -> str | None:
    """Why the installed SDK cannot run this script (one sentence), or None when it can."""
    if installed is None:
        return "needs the MCP Python SDK (package 'mcp') >= 2.3, < 3, and it is not installed"
    m = re.match(r"(\d+)\.(\d+)", installed)
    release = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if not SDK_MIN <= release < SDK_BELOW:
        return f"needs the MCP Python SDK (package 'mcp') >= 2.3, < 3, and mcp {installed} is installed"
    return None


def say(step: str, detail: Any = "") -> None:
    text = detail if isinstance(detail, str) else json.dumps(detail, default=str)
    print(f"== {step}{': ' if text else ''}{text}", flush=True)


def field(obj: Any, *names: str) -> Any:
    """A field of an SDK model or a plain dict, by its snake_case or camelCase name."""
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


def text_of(result: Any) -> str:
    """The text content of a CallToolResult (model or dict)."""
    content = field(result, "content") or []
    return "\n".join(str(field(c, "text") or "") for c in content)


async def run(args: argparse.Namespace) -> int:
    try:
        import anyio
        from mcp import Client, create_mcp_http_client
        from mcp.client import TasksExtension
        from mcp.client.streamable_http import streamable_http_client
        from mcp.client.tasks import TaskError, cancel_task, get_task, wait_task
    except ImportError as err:
        # The version check passed, so this installation is broken or unusual: say what is missing.
        print(f"python-client.py: mcp {installed_sdk()} lacks what this script uses ({err}).\n  {SDK_HINT}", file=sys.stderr)
        return 2

    key = args.key or os.environ.get("KTRDR_MCP_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with create_mcp_http_client(headers=headers) as http:
        transport = streamable_http_client(args.url, http_client=http)
        async with Client(transport, mode=args.mode, extensions=[TasksExtension()]) as client:
            version = client.protocol_version
            say("connected", f"{args.url}, protocol {version} ({'stateless 2026 era' if version == MODERN else '2025 session'})")

            tools = (await client.list_tools()).tools
            say("tools/list", f"{len(tools)} tools: {', '.join(t.name for t in tools)}")

            health = await client.call_tool(args.read_tool, {})
            if field(health, "is_error", "isError"):
                say(f"{args.read_tool} FAILED", text_of(health))
                return 1
            say(args.read_tool, field(health, "structured_content", "structuredContent") or text_of(health))

            if args.prepare:
                # Transparent task path: the server answers with a task, TasksExtension polls it to the result.
                loaded = await client.call_tool("trigger_data_loading", PREPARE_ARGS)
                say("trigger_data_loading (task, polled by the SDK)", text_of(loaded)[:300])

            if version != MODERN:
                # mcp's task helpers speak the 2026 tasks extension only; on a 2025 session the start
                # tool answers at once with its operation_id, which the operation tools read and cancel.
                started = await client.call_tool(args.start_tool, args.start_args)
                op = field(field(started, "structured_content", "structuredContent") or {}, "operation_id")
                say(f"{args.start_tool} (2025 session: no 2026 task)", text_of(started)[:300])
                if op and not args.wait:
                    cancelled = await client.call_tool("cancel_operation", {"operation_id": op, "reason": "python-client.py demo"})
                    say("cancel_operation", text_of(cancelled)[:300])
                return 1 if field(started, "is_error", "isError") else 0

            # Manual task path: take the CreateTaskResult ourselves.
            created = await client.session.call_tool(args.start_tool, args.start_args, allow_claimed=True)
            task_id = field(created, "task_id", "taskId")
            if not task_id:
                # A client that declares the extension gets a task for every start that went through.
                body = text_of(created)
                say(f"{args.start_tool} answered at once, without a task (the start failed)", body[:500])
                if "not found" in body.lower():
                    say("hint", "the default training needs AAPL 1h bars for 2024: run again with --prepare")
                return 1
            say(f"{args.start_tool} → task", {"taskId": task_id, "status": field(created, "status"), "pollIntervalMs": field(created, "poll_interval_ms", "pollIntervalMs")})
            if not str(task_id).startswith("op_"):
                say("note", "expected the task id to be a KTRDR operation id (op_…)")

            snap = await get_task(client.session, task_id)
            say("tasks/get", {"status": snap.status, "statusMessage": field(snap, "status_message", "statusMessage")})

            if args.wait:
                try:
                    with anyio.fail_after(args.timeout):
                        final = await wait_task(client.session, task_id)
                    say("task completed", text_of(final)[:500])
                    return 0
                except TaskError as err:
                    say("task did not complete", str(err))
                    return 1

            await cancel_task(client.session, task_id)
            say("tasks/cancel", "acknowledged")
            with anyio.fail_after(args.timeout):
                while snap.status not in TERMINAL:
                    await anyio.sleep(1.0)
                    snap = await get_task(client.session, task_id)
            say("tasks/get", {"status": snap.status, "statusMessage": field(snap, "status_message", "statusMessage")})
            return 0 if snap.status == "cancelled" else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = sdk_problem(installed_sdk())
    if problem:
        print(f"python-client.py {problem}.\n  {SDK_HINT}", file=sys.stderr)
        return 2
    try:
        import anyio
    except ImportError:
        print(f"python-client.py: mcp {installed_sdk()} is installed but anyio (which it brings) is not.\n  {SDK_HINT}", file=sys.stderr)
        return 2
    try:
        return anyio.run(run, args)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - a demo: say what failed, briefly
        print(f"python-client.py: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
