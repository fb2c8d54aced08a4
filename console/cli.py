"""`lantian console ...`: create users from the command line (the first admin), and the demo users."""

from __future__ import annotations

import click
from flask import Flask

cli = click.Group("console", help="The console's commands (accounts).")

# One demo login per role, created by `lantian demo seed`; the enterprise is railshift's first demo enterprise.
DEMO_ENTERPRISE_USCC = "91141002MADEM0000E"
DEMO_USERS: tuple[dict[str, str], ...] = (
    {"username": "admin", "display_name": "系统管理员", "role": "admin", "password": "bluesky-demo-a1"},
    {"username": "huanbao", "display_name": "生态环境局 王敏", "role": "environment", "password": "bluesky-demo-e2"},
    {"username": "jiaotong", "display_name": "交通运输局 李强", "role": "transport", "password": "bluesky-demo-t3"},
    {"username": "jiaojing", "display_name": "交警 张伟", "role": "police", "password": "bluesky-demo-p4"},
    {"username": "qiye", "display_name": "临汾示范钢铁 赵丽", "role": "enterprise", "password": "bluesky-demo-q5",
     "uscc": DEMO_ENTERPRISE_USCC},
)


def seed_demo_users() -> str:
    """Create the demo users that do not exist yet (inside an app context); safe to run again."""
    from console import commands, daos
    from shared.db import session

    added = 0
    for spec in DEMO_USERS:
        if daos.user_by_name(session(), spec["username"]) is None:
            commands.create_user(None, dict(spec))
            added += 1
    return f"demo users {added} added, {len(DEMO_USERS) - added} already there"


@cli.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="the person's name as pages show it")
@click.option("--role", required=True, type=click.Choice(["admin", "environment", "transport", "police", "enterprise"]))
@click.option("--uscc", help="enterprise users: the enterprise's unified social credit code")
@click.password_option()
def create_user_command(username: str, display_name: str, role: str, uscc: str | None, password: str) -> None:
    """Create a console account (e.g. the first admin); audited as done by 'lantian'."""
    from console import create_app
    from console.commands import create_user
    from shared.errors import LantianError

    with create_app().app_context():
        try:
            user = create_user(None, {"username": username, "display_name": display_name, "role": role,
                                      "uscc": uscc or "", "password": password})
        except LantianError as exc:
            reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in exc.errors) or exc.detail
            raise click.ClickException(reasons) from exc
    click.echo(f"created {user.username} ({user.role})")


def register_cli(app: Flask) -> None:
    """Hang the same commands on the app (flask --app console ...)."""
    app.cli.add_command(cli)
