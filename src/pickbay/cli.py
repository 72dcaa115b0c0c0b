"""The `pickbay` command: serve, keys, users, webhooks, faults."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pickbay import __version__
from pickbay.config import Settings, exposure_refusal

if TYPE_CHECKING:
    from pickbay.client import Client
    from pickbay.runtime import Runtime
    from pickbay.scenario.model import Scenario


def _serve(args: argparse.Namespace) -> int:
    from pickbay.app import create_app
    from pickbay.serving import Server

    settings = Settings()
    if args.allow_default_credentials:
        settings = settings.model_copy(update={"allow_default_credentials": True})
    refusal = exposure_refusal(settings, args.host)
    if refusal is not None:
        print(f"pickbay: {refusal}", file=sys.stderr)
        return 2
    base = f"http://{args.host}:{args.port}"
    app = create_app(settings)
    print(f"pickbay {__version__} on {base}")
    print(f"  database       {settings.database_url}")
    print(f"  backplane      {settings.redis_url or 'in memory (one process)'}")
    print(f"  console        {base}/console/   (sign in with the admin token)")
    print(f"  API docs       {base}/docs")
    for vendor in app.state.runtime.vendors:
        for title, path, how in vendor.endpoints(settings):
            print(f"  {title:<14} {base}{path}   ({how})")
    print(f"  webhooks       {base}/pickbay/v1/webhooks   (or pickbay webhooks add URL)")
    print(f"  own API        {base}/pickbay/v1   (Authorization: Bearer {settings.admin_token})")
    print(f"  event feed     {base}/pickbay/v1/events   (and /events/stream, Server-Sent Events)")
    print(f"  health         {base}/healthz")
    sys.stdout.flush()
    Server(
        app,
        freeze=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=args.access_log,
    ).run()
    return 0


@asynccontextmanager
async def _runtime(**settings: Any) -> AsyncIterator[Runtime]:
    """The engine for one command: the database migrated, the clock loaded, nothing running."""
    from pickbay.runtime import STARTUP, Runtime

    rt = Runtime(Settings(scheduler=False, webhooks=False, **settings))
    async with rt.db.lock(STARTUP):
        await rt.db.migrate()
        await rt.clock.load()
    try:
        yield rt
    finally:
        await rt.db.dispose()


def _name(check: str) -> Callable[[str], str]:
    """An argparse type that checks a name as `pickbay.engine.tenancy.<check>` does."""

    def checked(value: str) -> str:
        from pickbay.engine import tenancy

        try:
            return str(getattr(tenancy, check)(value))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return checked


def _keys_create(args: argparse.Namespace) -> int:
    async def create() -> str:
        async with _runtime() as rt:
            return await rt.tenancy.create_key(args.name, args.origin)

    key = asyncio.run(create())
    who = f"tenant {args.name!r}"
    if args.origin is not None:
        who += f", speaking as origin {args.origin!r}"
    print(f"Created a Pickup Cloud API key for {who}. Send it as x-api-key:")
    print(key)
    return 0


def _users(args: argparse.Namespace) -> int:
    async def run() -> str:
        async with _runtime(itempath_admin_password="") as rt:
            await rt.accounts.start()
            if args.users_command == "create":
                vendor = next((v for v in rt.vendors if v.name == args.system), None)
                how = (
                    None if vendor is None else await vendor.save_user(rt, args.name, args.password)
                )
                if vendor is None or how is None:
                    raise SystemExit(f"pickbay: no system {args.system!r} has users of its own")
                return f"Saved {vendor.title} user {args.name!r}; {how}."
            await rt.accounts.require_user(args.name)
            token = rt.accounts.application_token(args.name)
            return f"Application token for {args.name!r} (send as Authorization: Bearer):\n{token}"

    print(asyncio.run(run()))
    return 0


def _webhooks(args: argparse.Namespace) -> int:
    async def run() -> list[str]:
        async with _runtime() as rt:
            hooks = rt.webhooks
            if args.webhooks_command == "add":
                row = await hooks.subscribe(args.url, args.secret, args.dialect)
                return [
                    f"Subscribed {row['url']} as webhook {row['id']} ({row['dialect']}).",
                    "Notifications carry X-Pickbay-Signature: sha256=HMAC(secret, body); secret:",
                    row["secret"],
                ]
            if args.webhooks_command == "delete":
                await hooks.unsubscribe(args.id)
                return [f"Deleted webhook {args.id}."]
            rows = await hooks.all()
            return [f"{r['id']}\t{r['dialect']}\t{r['url']}" for r in rows] or ["No webhooks."]

    from pickbay.core.errors import PickbayError

    try:
        lines = asyncio.run(run())
    except PickbayError as exc:
        print(f"pickbay: {exc.detail or exc.title}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def _faults(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from pickbay.api.faults import FaultIn, fault_values, fault_view
    from pickbay.core.errors import NotFound

    async def run() -> list[str]:
        async with _runtime() as rt:
            if args.faults_command == "add":
                body = FaultIn.model_validate_json(args.spec)
                fault = await rt.faults.create(fault_values(body, rt.clock.now()))
                return [json.dumps(fault_view(fault))]
            if args.faults_command == "remove":
                if not await rt.faults.delete(args.id):
                    raise NotFound(f"There is no fault {args.id}.")
                return [f"Removed fault {args.id}."]
            if args.faults_command == "clear":
                return [f"Removed {await rt.faults.delete()} faults."]
            return [json.dumps(fault_view(f)) for f in await rt.faults.list()] or ["No faults."]

    try:
        lines = asyncio.run(run())
    except NotFound as exc:
        print(f"pickbay: {exc.detail}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'fault'}: {e['msg']}" for e in exc.errors()
        )
        print(f"pickbay: {problems}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _scenario(args: argparse.Namespace) -> int:
    from pickbay.client import Client
    from pickbay.scenario.model import schema
    from pickbay.scenario.runner import ScenarioError, load

    if args.scenario_command == "schema":
        print(json.dumps(schema(), indent=2))
        return 0
    try:
        plan = load(args.file)
    except ScenarioError as exc:
        print(f"pickbay: {exc}", file=sys.stderr)
        return 2
    if args.url is not None:
        try:
            client = Client(args.url, args.admin_token or Settings().admin_token)
        except ValueError as exc:
            print(f"pickbay: --url: {exc}", file=sys.stderr)
            return 2
        return _play(plan, client, args)
    from pickbay import embedded

    database = args.database
    with tempfile.TemporaryDirectory(prefix="pickbay-scenario-") as folder:
        if database is None:
            database = f"sqlite+aiosqlite:///{Path(folder) / 'pickbay.db'}"
        try:
            server = embedded.start(
                embedded.settings(database, redis_url=args.redis, seed=plan.seed),
                plan.start or embedded.START,
            )
        except (RuntimeError, ValueError) as exc:
            print(f"pickbay: could not start a server for the scenario: {exc}", file=sys.stderr)
            return 2
        try:
            return _play(plan, Client(server.url, server.settings.admin_token), args)
        finally:
            server.stop()


def _play(plan: Scenario, client: Client, args: argparse.Namespace) -> int:
    from pickbay.client import ApiError
    from pickbay.scenario.runner import Runner, ScenarioError, events

    try:
        report = Runner(plan, client).run()
        if args.events is not None:
            with args.events.open("w", encoding="utf-8") as out:
                for event in events(client, report.first_seq):
                    out.write(json.dumps(event, sort_keys=True) + "\n")
    except (ApiError, ScenarioError, OSError) as exc:
        print(f"pickbay: {exc}", file=sys.stderr)
        return 2
    finally:
        client.close()
    print(report.text())
    if args.junit is not None:
        args.junit.write_text(report.junit(), encoding="utf-8")
    return 0 if report.passed else 1


def parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    p = argparse.ArgumentParser(
        prog="pickbay", description="Order hub and sandbox for storage robots"
    )
    p.add_argument("--version", action="version", version=f"pickbay {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the server (SQLite file by default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument("--no-access-log", dest="access_log", action="store_false")
    serve.add_argument(
        "--allow-default-credentials",
        action="store_true",
        help="serve on a non-loopback address although a credential is the sandbox default",
    )
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="manage Pickup Cloud API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser(
        "create", help="create a key for tenant NAME (printed on the last line)"
    )
    create.add_argument("name", type=_name("tenant_name"))
    create.add_argument(
        "--origin",
        type=_name("origin_name"),
        help="the API client the key speaks as inside the tenant: on-behalf-of orders with this"
        " origin answer to it by their originOrderNumber",
    )
    create.set_defaults(func=_keys_create)

    users = sub.add_parser(
        "users", help="manage ItemPath and GreyMatter users, ItemPath application tokens"
    )
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("create", help="add user NAME (or reset its password)")
    add.add_argument("name")
    add.add_argument("--password", required=True)
    add.add_argument(
        "--system",
        default="itempath",
        help="whose user: the name of a vendor API with users (default: itempath)",
    )
    add.set_defaults(func=_users)
    token = users_sub.add_parser(
        "token", help="print an application token (never expires) for user NAME"
    )
    token.add_argument("name")
    token.set_defaults(func=_users)

    hooks = sub.add_parser("webhooks", help="manage webhook subscriptions")
    hooks_sub = hooks.add_subparsers(dest="webhooks_command", required=True)
    hook_add = hooks_sub.add_parser("add", help="subscribe URL (prints the signing secret)")
    hook_add.add_argument("url")
    hook_add.add_argument("--secret", help="the signing secret (made if not given)")
    hook_add.add_argument("--dialect", help="whose notifications (default: the one that sends any)")
    hook_add.set_defaults(func=_webhooks)
    hooks_sub.add_parser("list", help="list subscriptions").set_defaults(func=_webhooks)
    hook_delete = hooks_sub.add_parser("delete", help="delete subscription ID")
    hook_delete.add_argument("id", type=int)
    hook_delete.set_defaults(func=_webhooks)

    faults = sub.add_parser("faults", help="inject faults (docs/faults.md)")
    faults_sub = faults.add_subparsers(dest="faults_command", required=True)
    fault_add = faults_sub.add_parser(
        "add", help="add a fault: SPEC is the JSON body of POST /pickbay/v1/faults"
    )
    fault_add.add_argument("spec")
    fault_add.set_defaults(func=_faults)
    faults_sub.add_parser("list", help="list faults, a JSON line each").set_defaults(func=_faults)
    fault_remove = faults_sub.add_parser("remove", help="remove fault ID")
    fault_remove.add_argument("id", type=int)
    fault_remove.set_defaults(func=_faults)
    faults_sub.add_parser("clear", help="remove every fault").set_defaults(func=_faults)

    scenario = sub.add_parser("scenario", help="play a scenario file (docs/scenarios.md)")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", required=True)
    run = scenario_sub.add_parser(
        "run", help="play FILE on a fresh server (or --url), print a report; exit 1 if it failed"
    )
    run.add_argument("file", type=Path)
    run.add_argument("--url", help="a running pickbay to play it on, instead of a fresh one")
    run.add_argument("--admin-token", help="that server's admin token (PICKBAY_ADMIN_TOKEN)")
    run.add_argument(
        "--database", help="the fresh server's empty database (default: a temporary SQLite file)"
    )
    run.add_argument("--redis", help="the fresh server's Redis URL (default: none)")
    run.add_argument("--junit", type=Path, help="write the report as JUnit XML here")
    run.add_argument("--events", type=Path, help="write the run's events here, a JSON line each")
    run.set_defaults(func=_scenario)
    scenario_sub.add_parser("schema", help="print the JSON Schema of a scenario file").set_defaults(
        func=_scenario
    )
    return p


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    raise SystemExit(args.func(args))
