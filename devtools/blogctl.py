"""Operator CLI: ``python -m devtools.blogctl {setup,errors,reindex,reconcile,drop-mail}``.

Every command takes ``--stage STAGE``. Point it at the local emulator with
``--endpoint-url http://127.0.0.1:4566``.

`setup` also connects the S3-triggered functions to the failed-event queue, which it
can only do once they exist: run it again after the first ``chalice deploy``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from chalicelib.bucket import INBOX_PREFIX, PAGES_PREFIX, POSTS_PREFIX
from chalicelib.config import Settings, load_settings
from chalicelib.publishing import reports
from chalicelib.publishing.ingest import sync_source
from chalicelib.publishing.reconcile import Summary, peek_failures, reconcile
from chalicelib.storage.store import BlogStore
from devtools import provision

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP_NAME = provision.APP_NAME


@dataclass(frozen=True)
class SetupRequest:
    """What an operator asks `setup` for; names default from the stage."""

    stage: str
    project_dir: Path = PROJECT_DIR
    table: str | None = None
    bucket: str | None = None
    mail_recipient: str | None = None
    mail_senders: str | None = None


def setup(request: SetupRequest) -> dict[str, str]:
    """Create the stage's table, bucket and mail rule if missing; record them in the config."""
    session = boto3.session.Session()
    region = session.region_name or "us-east-1"
    dynamodb, s3 = session.client("dynamodb"), session.client("s3")
    account = session.client("sts").get_caller_identity()["Account"]
    table = request.table or f"{APP_NAME}-{request.stage}"
    bucket = request.bucket or f"{APP_NAME}-{request.stage}-{account}-{region}"
    created_table = provision.ensure_table(dynamodb, table)
    created_bucket = provision.ensure_bucket(s3, bucket, region)
    report = {
        "table": f"{table} ({'created' if created_table else 'exists'})",
        "bucket": f"{bucket} ({'created' if created_bucket else 'exists'})",
    }
    variables = {"TABLE_NAME": table, "BUCKET_NAME": bucket}
    if request.mail_recipient:
        rule_set = f"{APP_NAME}-{request.stage}"
        created = provision.ensure_mail_receipt(
            session.client("ses"), s3, bucket, rule_set, request.mail_recipient, account
        )
        report["mail"] = f"SES rule set {rule_set} ({'created' if created else 'updated'})"
    if request.mail_senders is not None:
        variables["MAIL_ALLOWED_SENDERS"] = request.mail_senders
    queue_url, queue_arn = provision.ensure_failure_queue(
        session.client("sqs"), f"{APP_NAME}-{request.stage}-failed-events"
    )
    variables["FAILURE_QUEUE_URL"] = queue_url
    report["queue"] = f"{queue_url} (failed S3 events; reconcile drains it)"
    report["destinations"] = _connect_destinations(
        session.client("lambda"), request.stage, queue_arn
    )
    table_arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    policies = provision.function_policies(table_arn, bucket, request.stage, queue_arn)
    provision.write_stage_config(str(request.project_dir), request.stage, variables, policies)
    report["config"] = f".chalice/config.json stage {request.stage!r}, policy-{request.stage}-*"
    return report


def _connect_destinations(lambda_client: Any, stage: str, queue_arn: str) -> str:
    connected = [
        function
        for function in provision.SOURCE_FUNCTIONS
        if provision.connect_failure_destination(
            lambda_client, f"{APP_NAME}-{stage}-{function}", queue_arn
        )
    ]
    if not connected:
        return "functions not deployed yet: run setup again after chalice deploy"
    return f"on failure, {', '.join(connected)} send their events to the queue"


def drop_mail(settings: Settings, s3: Any, message: bytes, as_ses: bool) -> str:
    """Put a raw message in the inbox as SES would; return its key."""
    if as_ses:
        message = stamp_ses_verdicts(message)
    key = f"{INBOX_PREFIX}{uuid.uuid4().hex}"
    s3.put_object(Bucket=settings.bucket_name, Key=key, Body=message)
    return key


def stamp_ses_verdicts(message: bytes) -> bytes:
    """Prepend the verdict headers SES adds on receipt, all passing (local trials only)."""
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    addresses = getattr(parsed.get("From"), "addresses", ())
    domain = str(addresses[0].domain) if addresses else "localhost"
    stamp = (
        "X-SES-Spam-Verdict: PASS\r\n"
        "X-SES-Virus-Verdict: PASS\r\n"
        f"Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@{domain}; "
        f"dmarc=pass header.from={domain};\r\n"
    )
    return stamp.encode() + message


def stage_settings(stage: str, project_dir: Path = PROJECT_DIR) -> Settings:
    """Read a stage's settings the way Chalice sets them on its functions."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text(encoding="utf-8"))
    stage_env = config["stages"][stage].get("environment_variables", {})
    return load_settings({**os.environ, **config.get("environment_variables", {}), **stage_env})


def list_errors(settings: Settings, s3: Any) -> list[reports.ErrorReport]:
    """Return the current ingest problems of a stage."""
    return list(reports.list_reports(s3, settings.bucket_name))


def list_failed_events(settings: Settings, sqs: Any) -> list[str]:
    """Return the keys of S3 events that failed every retry and wait for reconcile."""
    return peek_failures(sqs, settings.failure_queue_url) if settings.failure_queue_url else []


def reindex(settings: Settings, s3: Any, store: BlogStore, wipe: bool) -> Counter[str]:
    """Rebuild the table from the bucket; count the outcomes per source file."""
    if wipe:
        store.maintenance.wipe()
    paginator = s3.get_paginator("list_objects_v2")
    keys = {
        entry["Key"]
        for prefix in (POSTS_PREFIX, PAGES_PREFIX)
        for page in paginator.paginate(Bucket=settings.bucket_name, Prefix=prefix)
        for entry in page.get("Contents", [])
    }
    outcomes = Counter(sync_source(key, s3, store, settings, force=True) for key in sorted(keys))
    for orphan in store.maintenance.source_keys() - keys:
        outcomes[sync_source(orphan, s3, store, settings)] += 1
    return outcomes


def describe(summary: Summary) -> str:
    """Say in one line what a reconcile run found and did."""
    checked = ", ".join(f"{n} {why}" for why, n in sorted(summary.checked.items())) or "none"
    done = ", ".join(f"{n} {what}" for what, n in sorted(summary.outcomes.items())) or "nothing"
    return (
        f"{summary.sources} source files; drifted: {checked}; re-synced: {done}; "
        f"{summary.failed_events} failed event(s) drained, {summary.unscheduled} stale "
        f"schedule entries dropped, layout {'rebuilt' if summary.layout_refreshed else 'ok'}"
        + (f"; {len(summary.errors)} error(s)" if summary.errors else "")
    )


def main(argv: list[str] | None = None) -> None:
    """Run the operator CLI."""
    args = _parser().parse_args(argv)
    if args.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
        # The emulator takes any credentials; AWS itself never sees these.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            os.environ.setdefault(name, "local")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if args.command == "setup":
        request = SetupRequest(
            args.stage,
            args.project_dir,
            args.table,
            args.bucket,
            args.mail_recipient,
            args.mail_senders,
        )
        for name, value in setup(request).items():
            print(f"{name:>7}: {value}")
        print(f"next: chalice deploy --stage {args.stage}")
        return
    settings = stage_settings(args.stage, args.project_dir)
    s3 = boto3.client("s3")
    if args.command == "drop-mail":
        key = drop_mail(settings, s3, args.message.read_bytes(), args.as_ses)
        print(f"stored {args.message} as s3://{settings.bucket_name}/{key}")
    elif args.command == "errors":
        problems = list_errors(settings, s3)
        for problem in problems:
            print(f"{problem.key}\t{problem.rejected_at}\t{problem.reason}")
        if settings.failure_queue_url:
            failed = list_failed_events(settings, boto3.client("sqs"))
            for key in failed:
                print(f"{key}\tqueued\tits event failed every retry; reconcile re-syncs it")
            print(f"{len(failed)} failed event(s) waiting for reconcile")
        print(f"{len(problems)} file(s) with ingest problems in {settings.bucket_name}")
    elif args.command == "reconcile":
        store = BlogStore(boto3.client("dynamodb"), settings.table_name)
        sqs = boto3.client("sqs") if settings.failure_queue_url else None
        print(describe(reconcile(s3, store, settings, sqs, settings.failure_queue_url)))
    else:
        store = BlogStore(boto3.client("dynamodb"), settings.table_name)
        outcomes = reindex(settings, s3, store, args.wipe)
        print(", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="blogctl", description=__doc__)
    parser.add_argument("--endpoint-url", help="AWS endpoint, e.g. the local emulator")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup", help="create a stage's table and bucket (idempotent)")
    setup_cmd.add_argument("--table", help="table name (default chalice-blog-STAGE)")
    setup_cmd.add_argument(
        "--bucket", help="bucket name (default chalice-blog-STAGE-ACCOUNT-REGION)"
    )
    setup_cmd.add_argument("--mail-recipient", help="address SES receives posts on")
    setup_cmd.add_argument(
        "--mail-senders", help="comma-separated addresses allowed to post by mail"
    )
    drop_cmd = commands.add_parser("drop-mail", help="put an .eml file in the inbox, as SES would")
    drop_cmd.add_argument("message", type=Path, help="a raw RFC 5322 message (.eml)")
    drop_cmd.add_argument(
        "--as-ses", action="store_true", help="add passing SES verdict headers (local trials only)"
    )
    commands.add_parser(
        "errors", help="list files that could not be published, and failed events queued"
    )
    commands.add_parser("reconcile", help="repair drift between the bucket and the table now")
    reindex_cmd = commands.add_parser("reindex", help="rebuild the table from the bucket")
    reindex_cmd.add_argument("--wipe", action="store_true", help="empty the table first")
    for command in commands.choices.values():
        command.add_argument("--stage", required=True)
    return parser


if __name__ == "__main__":
    main()
