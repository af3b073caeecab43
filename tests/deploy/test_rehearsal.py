"""Deploy rehearsal against the emulator: setup -> chalice deploy -> deploy again -> delete.

`chalice` runs as a real CLI process with its endpoint pointed at the moto server. The
only change to what it sends is the shim in chalice_with_moto_shims.py, for moto gaps.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

import app as blog_app
from blogctl import provision
from blogctl.setup_stage import SetupRequest, setup
from tests.helpers.local import PROJECT_DIR

pytestmark = pytest.mark.slow

STAGE = "rehearsal"
TABLE = f"chalice-blog-{STAGE}"
BUCKET = f"chalice-blog-{STAGE}-123456789012-us-east-1"
SHIM = Path(__file__).with_name("chalice_with_moto_shims.py")
HANDLERS = {
    f"chalice-blog-{STAGE}": ("api_handler", "app.app"),
    f"chalice-blog-{STAGE}-on_post_source_changed": (
        "on_post_source_changed",
        "app.on_post_source_changed",
    ),
    f"chalice-blog-{STAGE}-on_page_source_changed": (
        "on_page_source_changed",
        "app.on_page_source_changed",
    ),
    f"chalice-blog-{STAGE}-on_mail_received": ("on_mail_received", "app.on_mail_received"),
    f"chalice-blog-{STAGE}-publish_due_posts": ("publish_due_posts", "app.publish_due_posts"),
    f"chalice-blog-{STAGE}-reconcile": ("reconcile", "app.reconcile"),
    # Mail to readers: deployed (and their queues and topic set up) even while it is off.
    f"chalice-blog-{STAGE}-fan_out_post": ("fan_out_post", "app.fan_out_post"),
    f"chalice-blog-{STAGE}-send_post_mails": ("send_post_mails", "app.send_post_mails"),
    f"chalice-blog-{STAGE}-on_mail_feedback": ("on_mail_feedback", "app.on_mail_feedback"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what `chalice deploy` reads, so the rehearsal leaves the repo untouched."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("app.py", "requirements.txt"):
        shutil.copy(PROJECT_DIR / name, copy / name)
    shutil.copytree(PROJECT_DIR / "chalicelib", copy / "chalicelib")
    shutil.copytree(PROJECT_DIR / "templates", copy / "templates")
    shutil.copytree(PROJECT_DIR / "locale", copy / "locale")
    # vendor/templates and vendor/locale stay the committed relative links.
    shutil.copytree(PROJECT_DIR / "vendor", copy / "vendor", symlinks=True)
    ignore = shutil.ignore_patterns("deployed", "venv")
    shutil.copytree(PROJECT_DIR / ".chalice", copy / ".chalice", ignore=ignore)
    return copy


def chalice(project: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "AWS_SESSION_TOKEN"}
    result = subprocess.run(
        [sys.executable, str(SHIM), *args, "--stage", STAGE],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def deployed_state(project: Path) -> dict[str, Any]:
    """Read back from the emulator everything a deploy should have made."""
    lam, iam = boto3.client("lambda"), boto3.client("iam")
    functions = {}
    for function in lam.list_functions()["Functions"]:
        role = function["Role"].rsplit("/", 1)[1]
        [policy_name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
        functions[function["FunctionName"]] = {
            "handler": function["Handler"],
            "env": function["Environment"]["Variables"],
            "policy": iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"],
            "arn": function["FunctionArn"],
        }
    apis = boto3.client("apigateway").get_rest_apis()["items"]
    routes: dict[str, set[str]] = {}
    for api in apis:
        for resource in boto3.client("apigateway").get_resources(restApiId=api["id"])["items"]:
            routes[resource["path"]] = set(resource.get("resourceMethods", {}))
    notifications = boto3.client("s3").get_bucket_notification_configuration(Bucket=BUCKET)
    events = boto3.client("events")
    schedules = {
        rule["Name"]: (
            rule.get("ScheduleExpression"),
            [
                t["Arn"].rsplit(":", 1)[1]
                for t in events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            ],
        )
        for rule in events.list_rules()["Rules"]
    }
    return {
        "schedules": schedules,
        "functions": functions,
        "apis": [(api["name"], api["id"]) for api in apis],
        "routes": routes,
        "notifications": notifications.get("LambdaFunctionConfigurations", []),
    }


def check_deployment(project: Path, state: dict[str, Any]) -> None:
    functions = state["functions"]
    assert set(functions) == set(HANDLERS)
    for name, (function, handler) in HANDLERS.items():
        assert functions[name]["handler"] == handler
        assert functions[name]["env"]["TABLE_NAME"] == TABLE
        assert functions[name]["env"]["BUCKET_NAME"] == BUCKET
        policy_file = project / ".chalice" / provision.policy_file_name(STAGE, function)
        assert functions[name]["policy"] == json.loads(policy_file.read_text()), function
    assert [name for name, _ in state["apis"]] == ["chalice-blog"]
    assert state["schedules"] == {
        f"chalice-blog-{STAGE}-publish_due_posts-event": (
            "rate(5 minutes)",
            [f"chalice-blog-{STAGE}-publish_due_posts"],
        ),
        f"chalice-blog-{STAGE}-reconcile-event": (
            "rate(1 hour)",
            [f"chalice-blog-{STAGE}-reconcile"],
        ),
    }
    # Read-only but for the readers' subscription forms (state changes only on POST).
    posts = {"/subscribe": {"POST"}, "/confirm/{token}": {"GET", "POST"}}
    posts["/unsubscribe/{token}"] = {"GET", "POST"}
    for route in blog_app.app.routes:
        assert state["routes"][route] == posts.get(route, {"GET"}), route
    wired = {
        (c["LambdaFunctionArn"].rsplit(":", 1)[1], tuple(sorted(c["Events"])), _filters(c))
        for c in state["notifications"]
    }
    assert wired == {
        (
            f"chalice-blog-{STAGE}-on_post_source_changed",
            ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"),
            (("prefix", "posts/"), ("suffix", ".md")),
        ),
        (
            f"chalice-blog-{STAGE}-on_page_source_changed",
            ("s3:ObjectCreated:*", "s3:ObjectRemoved:*"),
            (("prefix", "pages/"), ("suffix", ".md")),
        ),
        (
            f"chalice-blog-{STAGE}-on_mail_received",
            ("s3:ObjectCreated:*",),
            (("prefix", "inbox/"),),
        ),
    }


def _filters(config: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    rules = config.get("Filter", {}).get("Key", {}).get("FilterRules", [])
    return tuple(sorted((rule["Name"].lower(), rule["Value"]) for rule in rules))


@pytest.mark.usefixtures("aws_resources")
def test_setup_deploy_update_and_delete(project: Path, moto_endpoint: str) -> None:
    setup(SetupRequest(STAGE, project), moto_endpoint)

    first_output = chalice(project, "deploy")
    assert "Rest API URL: https://" in first_output
    first = deployed_state(project)
    check_deployment(project, first)
    # A plain deploy ships the theme at the root of the functions' package.
    built = (project / ".chalice" / "deployments").glob("*.zip")
    shipped = set().union(*(zipfile.ZipFile(path).namelist() for path in built))
    assert {"templates/base.html", "templates/static/style.css"} <= shipped
    # Run again after the first deploy, setup makes the queue the triggers' destination.
    destinations = setup(SetupRequest(STAGE, project), moto_endpoint)["destinations"]
    assert destinations.endswith("send their events to the queue")
    queue = f"arn:aws:sqs:us-east-1:123456789012:chalice-blog-{STAGE}-failed-events"
    for function in provision.SOURCE_FUNCTIONS:
        config = boto3.client("lambda").get_function_event_invoke_config(
            FunctionName=f"chalice-blog-{STAGE}-{function}"
        )
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue

    chalice(project, "deploy")  # the update path
    second = deployed_state(project)
    check_deployment(project, second)
    assert second["apis"] == first["apis"]
    assert {n: f["arn"] for n, f in second["functions"].items()} == {
        n: f["arn"] for n, f in first["functions"].items()
    }

    chalice(project, "delete")
    gone = deployed_state(project)
    assert (gone["functions"], gone["apis"], gone["notifications"]) == ({}, [], [])
    assert gone["schedules"] == {}
    assert boto3.client("iam").list_roles()["Roles"] == []
