"""The stage policies, enforced: each function works with its own policy and no more.

A second moto server runs with IAM enforcement on (INITIAL_NO_AUTH_ACTION_COUNT). Its
first three requests create an administrator; everything after is checked. Each Lambda
function gets an IAM user holding exactly that function's policy file, and its real
code runs with that user's keys.

moto 5.2.5 enforces S3 policies by resource ARN and prefix, but for DynamoDB it matches
actions only and denies any statement whose Resource is a table ARN. So here, and only
here, DynamoDB resources are replaced by "*"; test_policy_names_exactly_the_table checks
statically that the real files name the stage's table and nothing else. moto also treats
TransactWriteItems as an action of its own, where AWS authorizes the Put, Update, Delete
and ConditionCheck inside it (DynamoDB guide, "Using IAM with DynamoDB transactions"), so
the enforced copy of a statement that grants those writes also names TransactWriteItems.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

import app as blog_app
from blogctl import cli, provision
from chalicelib import aws
from chalicelib.config import Settings
from chalicelib.mail.inbox import process_message
from chalicelib.publishing.ingest import sync_source
from chalicelib.publishing.reconcile import reconcile
from chalicelib.storage.reads import ReadStore
from chalicelib.storage.store import BlogStore
from chalicelib.storage.table import Table
from tests.helpers.local import BUCKET_NAME, FIXTURES, PROJECT_DIR, TABLE_NAME, free_port
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown

ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{TABLE_NAME}"
QUEUE = "failed-events"
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{QUEUE}"
OTHER_BUCKET = "someone-elses-bucket"
DENIED = {"AccessDenied", "AccessDeniedException"}
Keys = dict[str, str]


class Emulator:
    """The IAM-enforcing moto server and the keys of its users."""

    def __init__(self, endpoint: str, admin: Keys) -> None:
        self.endpoint = endpoint
        self.admin = admin
        self.functions: dict[str, Keys] = {}
        self.queue_url = ""

    def client(self, service: str, keys: Keys) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", **keys)


def _keys(response: dict[str, Any]) -> Keys:
    key = response["AccessKey"]
    return {
        "aws_access_key_id": key["AccessKeyId"],
        "aws_secret_access_key": key["SecretAccessKey"],
    }


def _as_enforced(policy: dict[str, Any]) -> dict[str, Any]:
    statements = []
    for statement in policy["Statement"]:
        # moto evaluates no dynamodb:LeadingKeys condition: a conditional Deny (the API's,
        # on subscriber lists) would deny every read, a conditional Allow (writes of
        # subscriber or send keys only) would allow every write. Both are left out here
        # (stricter than AWS); the test_..._keys tests below check those conditions.
        if "Condition" in statement and "dynamodb:LeadingKeys" in json.dumps(statement):
            continue
        resources = statement["Resource"]
        if any(
            ":dynamodb:" in r for r in ([resources] if isinstance(resources, str) else resources)
        ):
            actions = statement["Action"]
            if "dynamodb:PutItem" in actions:
                actions = [*actions, "dynamodb:TransactWriteItems"]
            statement = {**statement, "Action": actions, "Resource": "*"}
        statements.append(statement)
    return {**policy, "Statement": statements}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        endpoint = f"http://127.0.0.1:{port}"
        bootstrap = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
        bootstrap.create_user(UserName="admin")
        admin_policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        bootstrap.put_user_policy(
            UserName="admin", PolicyName="all", PolicyDocument=json.dumps(admin_policy)
        )
        emulator = Emulator(endpoint, _keys(bootstrap.create_access_key(UserName="admin")))
        _provision(emulator)
        yield emulator
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError("IAM-enforcing moto server did not start")


def _provision(emulator: Emulator) -> None:
    admin = emulator.admin
    provision.ensure_table(emulator.client("dynamodb", admin), TABLE_NAME)
    s3 = emulator.client("s3", admin)
    for bucket in (BUCKET_NAME, OTHER_BUCKET):
        provision.ensure_bucket(s3, bucket, "us-east-1")
    s3.put_object(Bucket=OTHER_BUCKET, Key="posts/theirs.md", Body=b"# Theirs\n")
    emulator.queue_url, _ = provision.ensure_failure_queue(emulator.client("sqs", admin), QUEUE)
    iam = emulator.client("iam", admin)
    policies = provision.function_policies(TABLE_ARN, BUCKET_NAME, "dev", QUEUE_ARN)
    for function, policy in policies.items():
        iam.create_user(UserName=function)
        document = json.dumps(_as_enforced(policy))
        iam.put_user_policy(UserName=function, PolicyName="stage", PolicyDocument=document)
        emulator.functions[function] = _keys(iam.create_access_key(UserName=function))


def _denied(call: Any, **params: Any) -> bool:
    try:
        call(**params)
    except ClientError as error:
        # moto answers DynamoDB denials in XML, which botocore reports by status alone.
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        return error.response["Error"]["Code"] in DENIED or status == 403
    return False


def test_policy_names_exactly_the_table() -> None:
    for stage in ("dev", "prod"):
        table = f"arn:aws:dynamodb:*:*:table/chalice-blog-{stage}"
        for function in provision.FUNCTIONS:
            path = PROJECT_DIR / ".chalice" / provision.policy_file_name(stage, function)
            statements = json.loads(path.read_text())["Statement"]
            dynamodb = [
                s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"])
            ]
            assert dynamodb and all(s["Resource"] == [table] for s in dynamodb), path.name
            bucket = f"arn:aws:s3:::chalice-blog-{stage}-content"
            group = f"arn:aws:logs:*:*:log-group:/aws/lambda/chalice-blog-{stage}"
            if function != "api_handler":
                group += f"-{function}"
            queue = f"arn:aws:sqs:*:*:chalice-blog-{stage}-failed-events"
            mail = (f"arn:aws:sqs:*:*:chalice-blog-{stage}-mail-", "arn:aws:ses:*:*:")
            for statement in statements:
                resources = statement["Resource"]
                for resource in [resources] if isinstance(resources, str) else resources:
                    assert (
                        resource in (group, f"{group}:*", queue)
                        or resource.startswith((table, bucket, *mail))
                        or (resource == "*" and statement["Action"] == ["ses:GetSendQuota"])
                    ), (path.name, resource)


def _matches(patterns: list[str], key: str) -> bool:
    return any(fnmatch.fnmatchcase(key, pattern) for pattern in patterns)


def test_the_api_reads_no_subscriber_list_and_writes_only_subscriber_keys() -> None:
    # moto cannot evaluate dynamodb:LeadingKeys (see _as_enforced): the conditions are
    # checked here against the keys SUBSCRIBE's routes and the pages use.
    policy = provision.function_policies(TABLE_ARN, BUCKET_NAME, "prod", QUEUE_ARN)["api_handler"]
    statements = policy["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:Scan"} <= set(deny["Action"])
    denied = deny["Condition"]["ForAnyValue:StringLike"]["dynamodb:LeadingKeys"]
    assert _matches(denied, "SUBSCRIBERS#confirmed") and _matches(denied, "SUBSCRIBERS#pending")
    for page_key in ("POST#2024/01/x", "LIST#all", "SUBSCRIBER#ab12", "UNSUBSCRIBE#ab", "LAYOUT"):
        assert not _matches(denied, page_key), page_key
    writes = [s for s in statements if "dynamodb:PutItem" in s["Action"]]
    (write,) = writes
    allowed = write["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    for key in ("SUBSCRIBER#ab", "SUBSCRIBERS#confirmed", "CONFIRM#ab", "UNSUBSCRIBE#ab"):
        assert _matches(allowed, key), key
    for key in ("POST#2024/01/x", "LIST#all", "SENT#2024/01/x", "ANNOUNCED", "PREVIEW#x"):
        assert not _matches(allowed, key), key
    assert write["Condition"]["StringEqualsIfExists"]["dynamodb:ReturnValues"] == [
        "NONE",
        "UPDATED_NEW",
    ]


def test_the_send_worker_writes_only_send_records() -> None:
    policy = provision.function_policies(TABLE_ARN, BUCKET_NAME, "prod", QUEUE_ARN)
    statements = policy["send_post_mails"]["Statement"]
    (write,) = [s for s in statements if "dynamodb:PutItem" in s["Action"]]
    assert write["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["SENT#*"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_policy_files_are_what_blogctl_policies_writes(stage: str, tmp_path: Path) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    for function in provision.FUNCTIONS:
        (tmp_path / ".chalice" / provision.policy_file_name(stage, function)).unlink()

    assert cli.main(["--stage", stage, "--project-dir", str(tmp_path), "policies"]) == 0

    for path in sorted((PROJECT_DIR / ".chalice").glob("*.json")):
        assert (tmp_path / ".chalice" / path.name).read_text() == path.read_text(), path.name


def test_logs_and_listings_are_scoped() -> None:
    policies = provision.function_policies(TABLE_ARN, BUCKET_NAME, "prod", QUEUE_ARN)
    for policy in policies.values():
        statements = policy["Statement"]
        logs = [s for s in statements if s["Action"][0].startswith("logs:")]
        [resources] = [s["Resource"] for s in logs]
        assert all("*:*:log-group:/aws/lambda/chalice-blog-prod" in r for r in resources)
        # moto does not evaluate conditions on identity policies: checked here instead.
        for statement in statements:
            if "s3:ListBucket" in statement["Action"]:
                prefixes = statement["Condition"]["StringLikeIfExists"]["s3:prefix"]
                assert prefixes and all(p.endswith("/*") and p != "/*" for p in prefixes)
    [mail_puts] = [
        s["Resource"]
        for s in policies["on_mail_received"]["Statement"]
        if s["Action"] == ["s3:PutObject"]
    ]
    assert f"arn:aws:s3:::{BUCKET_NAME}/posts/mail-*" in mail_puts
    assert not any(r.endswith("/posts/*") for r in mail_puts)


def test_ingest_and_mail_work_with_their_own_policies(
    emulator: Emulator, settings: Settings
) -> None:
    admin_s3 = emulator.client("s3", emulator.admin)
    post_keys, mail_keys = (
        emulator.functions["on_post_source_changed"],
        emulator.functions["on_mail_received"],
    )
    post_s3, post_store = (
        emulator.client("s3", post_keys),
        BlogStore(emulator.client("dynamodb", post_keys), TABLE_NAME),
    )
    mail_s3, mail_reads = (
        emulator.client("s3", mail_keys),
        ReadStore(Table(emulator.client("dynamodb", mail_keys), TABLE_NAME)),
    )

    admin_s3.put_object(
        Bucket=BUCKET_NAME,
        Key="posts/ok.md",
        Body=make_post_markdown("Allowed", "2026-08-11", ["t"], ["c"]).encode(),
    )
    assert sync_source("posts/ok.md", post_s3, post_store, settings) == "published"
    admin_s3.put_object(Bucket=BUCKET_NAME, Key="posts/bad.md", Body=b"---\ntitle: [\n---\n")
    assert sync_source("posts/bad.md", post_s3, post_store, settings) == "rejected"
    admin_s3.head_object(Bucket=BUCKET_NAME, Key="errors/posts/bad.md.json")
    admin_s3.put_object(Bucket=BUCKET_NAME, Key="posts/gone.md", Body=b"# Gone\n")
    sync_source("posts/gone.md", post_s3, post_store, settings)
    admin_s3.delete_object(Bucket=BUCKET_NAME, Key="posts/gone.md")
    assert sync_source("posts/gone.md", post_s3, post_store, settings) == "removed"

    raw = (FIXTURES.parent / "corpus" / "mail" / "gmail-inline-image.eml").read_bytes()
    admin_s3.put_object(Bucket=BUCKET_NAME, Key="inbox/m1", Body=raw)
    assert process_message("inbox/m1", mail_s3, mail_reads, settings) == "posted"
    [mail_post] = [
        o["Key"]
        for o in admin_s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix="posts/mail-")["Contents"]
    ]
    assert sync_source(mail_post, post_s3, post_store, settings) == "published"


def test_reconcile_works_with_its_own_policy(emulator: Emulator, settings: Settings) -> None:
    admin_s3 = emulator.client("s3", emulator.admin)
    keys = emulator.functions["reconcile"]
    s3, sqs = emulator.client("s3", keys), emulator.client("sqs", keys)
    store = BlogStore(emulator.client("dynamodb", keys), TABLE_NAME)
    text = make_post_markdown("Reconciled", "2026-08-12", ["t"], ["c"])
    admin_s3.put_object(Bucket=BUCKET_NAME, Key="posts/lost.md", Body=text.encode())
    admin_s3.put_object(Bucket=BUCKET_NAME, Key="pages/lost.md", Body=b"---\ntitle: L\n---\nx\n")
    # A source function's role sends its failed event, as the Lambda destination does.
    post_sqs = emulator.client("sqs", emulator.functions["on_post_source_changed"])
    record = {"requestPayload": {"Records": [{"s3": {"object": {"key": "posts/lost.md"}}}]}}
    post_sqs.send_message(QueueUrl=emulator.queue_url, MessageBody=json.dumps(record))

    summary = reconcile(s3, store, settings, sqs, emulator.queue_url)
    assert summary.errors == []
    assert summary.failed_events == 1
    assert store.reads.get_post("2026/08/lost") is not None
    assert "pages/lost.md" in store.maintenance.source_index()


@pytest.mark.parametrize(
    ("function", "action"),
    [
        ("on_post_source_changed", "receive_message"),
        ("api_handler", "send_message"),
        ("on_mail_received", "send_message"),
        ("reconcile", "send_message"),
    ],
)
def test_who_may_use_the_failed_event_queue(emulator: Emulator, function: str, action: str) -> None:
    sqs = emulator.client("sqs", emulator.functions[function])
    params = {"QueueUrl": emulator.queue_url}
    if action == "send_message":
        params["MessageBody"] = "{}"
    assert _denied(getattr(sqs, action), **params)


@pytest.fixture
def api_client(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The app with the API function's credentials, as Lambda would give them."""
    keys = emulator.functions["api_handler"]
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", keys["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", keys["aws_secret_access_key"])
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    aws.reset_clients()
    blog_app.get_store.cache_clear()
    blog_app.get_reads.cache_clear()
    with Client(blog_app.app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
        yield client
    aws.reset_clients()
    blog_app.get_store.cache_clear()
    blog_app.get_reads.cache_clear()


def test_every_page_type_works_with_the_api_policy(api_client: Client, emulator: Emulator) -> None:
    for path in (
        "/",
        "/2026/08/ok/",
        "/tag/t/",
        "/category/c/",
        "/2026/",
        "/2026/08/",
        "/2026/08/11/",
    ):
        assert api_client.http.get(path).status_code == 200, path
    assert api_client.http.get("/2026/08/nothing/").status_code == 404
    home = api_client.http.get("/").body.decode()
    [href] = {a["href"] for a in elements(home, "a") if a["href"].endswith("/sunset-at-the-pier/")}
    post = api_client.http.get(href).body.decode()
    [img] = [i for i in elements(post, "img") if i["src"].endswith("sunset.png")]
    redirect = api_client.http.get(urljoin(href, img["src"]))
    assert redirect.status_code == 302
    # moto's IAM enforcement cannot authenticate presigned (query-string) requests, so
    # check the signer and that the same key may read the object with header auth.
    location = urlsplit(redirect.headers["Location"])
    credential = parse_qs(location.query)["X-Amz-Credential"][0]
    assert credential.startswith(emulator.functions["api_handler"]["aws_access_key_id"] + "/")
    api_s3 = emulator.client("s3", emulator.functions["api_handler"])
    bucket, key = location.path.lstrip("/").split("/", 1)
    assert api_s3.get_object(Bucket=bucket, Key=key)["Body"].read().startswith(b"\x89PNG")


@pytest.mark.parametrize("function", provision.FUNCTIONS)
def test_what_no_function_may_do(emulator: Emulator, function: str) -> None:
    keys = emulator.functions[function]
    dynamodb, s3 = emulator.client("dynamodb", keys), emulator.client("s3", keys)
    assert _denied(dynamodb.delete_table, TableName=TABLE_NAME)
    assert _denied(dynamodb.update_table, TableName=TABLE_NAME, BillingMode="PROVISIONED")
    assert _denied(dynamodb.create_table, **{**_table_definition(), "TableName": "another"})
    assert _denied(dynamodb.scan, TableName=TABLE_NAME)
    assert _denied(s3.delete_bucket, Bucket=BUCKET_NAME)
    assert _denied(s3.put_bucket_policy, Bucket=BUCKET_NAME, Policy="{}")
    assert _denied(s3.get_object, Bucket=OTHER_BUCKET, Key="posts/theirs.md")
    assert _denied(s3.put_object, Bucket=OTHER_BUCKET, Key="posts/x.md", Body=b"x")
    assert _denied(s3.put_object, Bucket=BUCKET_NAME, Key="index.html", Body=b"x")
    assert _denied(s3.get_object, Bucket=BUCKET_NAME, Key="secrets/keys.txt")


def _table_definition() -> dict[str, Any]:
    from chalicelib.storage.maintenance import table_definition

    return table_definition("another")


@pytest.mark.parametrize(
    ("function", "operation"),
    [
        ("api_handler", ("dynamodb", "put_item")),
        ("api_handler", ("s3", "get_object", "posts/ok.md")),
        ("api_handler", ("s3", "put_object", "media/x.png")),
        ("on_post_source_changed", ("s3", "put_object", "posts/forged.md")),
        ("on_post_source_changed", ("s3", "get_object", "inbox/anything")),
        ("on_mail_received", ("dynamodb", "put_item")),
        ("on_mail_received", ("s3", "delete_object", "posts/ok.md")),
        ("on_mail_received", ("s3", "put_object", "posts/ok.md")),
        ("on_mail_received", ("s3", "put_object", "posts/forged.md")),
        ("on_mail_received", ("s3", "put_object", "pages/about.md")),
        ("on_page_source_changed", ("s3", "get_object", "posts/ok.md")),
        ("on_page_source_changed", ("s3", "put_object", "pages/forged.md")),
        ("on_mail_received", ("s3", "get_object", "errors/posts/bad.md.json")),
    ],
)
def test_what_each_function_may_not_do(
    emulator: Emulator, function: str, operation: tuple[str, ...]
) -> None:
    keys = emulator.functions[function]
    if operation[0] == "dynamodb":
        item = {"pk": {"S": "POST#forged"}, "sk": {"S": "#"}}
        assert _denied(emulator.client("dynamodb", keys).put_item, TableName=TABLE_NAME, Item=item)
        return
    _, action, key = operation
    params: dict[str, Any] = {"Bucket": BUCKET_NAME, "Key": key}
    if action == "put_object":
        params["Body"] = b"x"
    assert _denied(getattr(emulator.client("s3", keys), action), **params)


def test_a_post_too_large_for_its_item_works_with_the_policies(
    emulator: Emulator, settings: Settings, api_client: Client
) -> None:
    post_keys = emulator.functions["on_post_source_changed"]
    post_s3 = emulator.client("s3", post_keys)
    post_store = BlogStore(emulator.client("dynamodb", post_keys), TABLE_NAME)
    admin_s3 = emulator.client("s3", emulator.admin)
    for version in ("first", "second"):
        body = f"{version} " + "long prose for the item limit. " * 15_000
        text = make_post_markdown("Huge", "2026-07-01", body=body)
        admin_s3.put_object(Bucket=BUCKET_NAME, Key="posts/huge.md", Body=text.encode())
        assert sync_source("posts/huge.md", post_s3, post_store, settings) == "published"
        page = api_client.http.get("/2026/07/huge/")
        assert page.status_code == 200 and f"{version} long prose".encode() in page.body
    stored = admin_s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix="rendered/")["Contents"]
    assert len(stored) == 1
