"""`blogctl setup` and `blogctl policies`: a stage's resources, and its functions' policies.

`setup` also connects the S3-triggered functions to the failed-event queue, which it
can only do once they exist: run it again after the first ``chalice deploy``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blogctl import provision
from blogctl.stages import PROJECT_DIR, Target, stage_environment

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
    keep_versions_days: int | None = None  # None: as the stage's config says, else 90
    mail_from: str | None = None  # the verified sender of new-post and confirmation mail


def setup(request: SetupRequest, endpoint_url: str | None = None) -> dict[str, str]:
    """Create the stage's table, bucket and mail rule if missing; record them in the config.

    ``endpoint_url`` None means AWS, with the caller's credentials and region.
    """
    target = Target(request.stage, endpoint_url, request.project_dir)
    session = target.session()
    region = session.region_name or "us-east-1"
    dynamodb, s3 = target.client("dynamodb", session), target.client("s3", session)
    account = target.client("sts", session).get_caller_identity()["Account"]
    table = request.table or f"{APP_NAME}-{request.stage}"
    bucket = request.bucket or f"{APP_NAME}-{request.stage}-{account}-{region}"
    created_table = provision.ensure_table(dynamodb, table)
    keep_days = _keep_versions_days(request)
    created_bucket = provision.ensure_bucket(s3, bucket, region, keep_days)
    report = {
        "table": f"{table} ({'created' if created_table else 'exists'})",
        "bucket": f"{bucket} ({'created' if created_bucket else 'exists'})",
        "versions": f"kept {keep_days} days after they are replaced or deleted",
    }
    variables = {"TABLE_NAME": table, "BUCKET_NAME": bucket}
    if request.keep_versions_days is not None:
        variables[provision.KEEP_VERSIONS_VARIABLE] = str(keep_days)
    if request.mail_recipient:
        rule_set = f"{APP_NAME}-{request.stage}"
        ses = target.client("ses", session)
        created = provision.ensure_mail_receipt(
            ses, s3, bucket, rule_set, request.mail_recipient, account
        )
        report["mail"] = f"SES rule set {rule_set} ({'created' if created else 'updated'})"
    if request.mail_senders is not None:
        variables["MAIL_ALLOWED_SENDERS"] = request.mail_senders
    # Always: the mail functions' queues and topic must exist for `chalice deploy` to
    # subscribe them, even while mail is off (no MAIL_FROM); idle, they cost nothing.
    report["sending"] = _setup_sending(target, session, request, variables)
    queue_url, queue_arn = provision.ensure_failure_queue(
        target.client("sqs", session), failure_queue_name(request.stage)
    )
    variables["FAILURE_QUEUE_URL"] = queue_url
    report["queue"] = f"{queue_url} (failed S3 events; reconcile drains it)"
    report["destinations"] = _connect_destinations(
        target.client("lambda", session), request.stage, queue_arn
    )
    table_arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    policies = provision.function_policies(table_arn, bucket, request.stage, queue_arn)
    provision.write_stage_config(request.project_dir, request.stage, variables, policies)
    report["config"] = f".chalice/config.json stage {request.stage!r}, policy-{request.stage}-*"
    return report


def _setup_sending(
    target: Target, session: Any, request: SetupRequest, variables: dict[str, str]
) -> str:
    """Create the mail queues, topic and configuration set; ask SES to verify a new sender."""
    from dataclasses import replace

    from blogctl import mailsetup
    from chalicelib.config import load_settings

    names = mailsetup.queue_names(request.stage)
    variables.update(names)
    if request.mail_from:  # without it, a sender set up before stays as it is
        variables["MAIL_FROM"] = request.mail_from
    settings = replace(
        load_settings(names),
        mail_announce_queue=names["MAIL_ANNOUNCE_QUEUE"],
        mail_send_queue=names["MAIL_SEND_QUEUE"],
    )
    ses = target.client("ses", session)
    made = mailsetup.ensure_mail_resources(
        ses, target.client("sqs", session), target.client("sns", session), settings
    )
    made_what = (
        f"configuration set {made.configuration_set} -> {made.topic_arn}; queues "
        f"{names['MAIL_ANNOUNCE_QUEUE']}, {names['MAIL_SEND_QUEUE']} (+ -dead); "
    )
    if not request.mail_from:
        return made_what + "mail to readers stays off until `setup --mail-from ADDRESS`"
    mailsetup.verify_sender(ses, request.mail_from)
    return (
        made_what
        + f"verify {request.mail_from} from SES's mail, then see README for production access"
    )


def _keep_versions_days(request: SetupRequest) -> int:
    if request.keep_versions_days is not None:
        return request.keep_versions_days
    try:
        recorded = stage_environment(request.stage, request.project_dir)
    except LookupError:
        recorded = {}
    value = recorded.get(provision.KEEP_VERSIONS_VARIABLE)
    return int(value) if value else provision.DEFAULT_KEEP_VERSIONS_DAYS


def failure_queue_name(stage: str) -> str:
    """Return the name of the queue a stage's failed S3 events wait on."""
    return f"{APP_NAME}-{stage}-failed-events"


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


class StageNotSetUp(LookupError):
    """The stage's config names no table or bucket yet."""


def write_policies(stage: str, project_dir: Path = PROJECT_DIR) -> list[Path]:
    """Write the stage's policy files from its config alone, without asking AWS.

    The table and queue are those the config names, in any account and region: `setup`,
    which asks AWS, writes their exact ARNs instead.
    """
    environment = stage_environment(stage, project_dir)
    missing = [name for name in ("TABLE_NAME", "BUCKET_NAME") if not environment.get(name)]
    if missing:
        raise StageNotSetUp(f"stage {stage!r} has no {' or '.join(missing)}: run setup first")
    queue_url = environment.get("FAILURE_QUEUE_URL")
    queue = queue_url.rsplit("/", 1)[-1] if queue_url else failure_queue_name(stage)
    policies = provision.function_policies(
        f"arn:aws:dynamodb:*:*:table/{environment['TABLE_NAME']}",
        environment["BUCKET_NAME"],
        stage,
        f"arn:aws:sqs:*:*:{queue}",
    )
    return provision.write_stage_config(project_dir, stage, {}, policies)
