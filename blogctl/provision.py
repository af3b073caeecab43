"""Provision a stage: its AWS resources (idempotently) and its functions' IAM policies.

Used by `blogctl setup` and `blogctl policies`, and by the local stack and the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from blogctl.stages import config_path, read_config
from chalicelib.bucket import INBOX_PREFIX, MEDIA_PREFIX, PAGES_PREFIX, POSTS_PREFIX
from chalicelib.mail.inbox import PROCESSED_PREFIX, REJECTED_PREFIX
from chalicelib.publishing.reports import ERRORS_PREFIX
from chalicelib.storage.bodies import RENDERED_PREFIX
from chalicelib.storage.maintenance import table_definition

S3_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
APP_NAME = "chalice-blog"
# The inbox function writes only the posts it makes from mail (chalicelib/mail/inbox.py).
MAIL_POSTS_PREFIX = f"{POSTS_PREFIX}mail-"
MAIL_RULE_NAME = "store-in-inbox"
# The functions whose failed events reconcile can repair (by re-syncing the key).
SOURCE_FUNCTIONS = ("on_post_source_changed", "on_page_source_changed")
# Lambda keeps a failed event on the queue this long: longer than any reconcile gap.
FAILED_EVENT_RETENTION_SECONDS = 14 * 24 * 3600
# How long an overwritten or deleted file can be restored (`blogctl restore`).
DEFAULT_KEEP_VERSIONS_DAYS = 90
KEEP_VERSIONS_VARIABLE = "KEEP_OLD_VERSIONS_DAYS"
VERSIONS_RULE_ID = "expire-old-versions"


def ensure_table(dynamodb: Any, name: str) -> bool:
    """Create the blog table unless it exists; return True if it was created."""
    try:
        dynamodb.describe_table(TableName=name)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    dynamodb.create_table(**table_definition(name))
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    return True


def ensure_bucket(
    s3: Any, name: str, region: str, keep_versions_days: int = DEFAULT_KEEP_VERSIONS_DAYS
) -> bool:
    """Create the content bucket unless it exists, versioned; return True if it was created.

    Every call (re)applies versioning and the rule expiring old versions: idempotent.
    """
    created = _create_bucket(s3, name, region)
    ensure_versioning(s3, name, keep_versions_days)
    return created


def _create_bucket(s3: Any, name: str, region: str) -> bool:
    try:
        s3.head_bucket(Bucket=name)
        return False
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("404", "NoSuchBucket", "NotFound"):
            raise
    params: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**params)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return True


def ensure_versioning(s3: Any, bucket: str, keep_days: int = DEFAULT_KEEP_VERSIONS_DAYS) -> None:
    """Keep every overwritten or deleted object for ``keep_days`` days, then expire it.

    Other lifecycle rules of the bucket are kept; ours is found by its ID and replaced.
    """
    if keep_days < 1:
        raise ValueError(f"old versions must be kept at least 1 day, not {keep_days}")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
            raise
        rules = []
    ours = {
        "ID": VERSIONS_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": keep_days},
        # A delete marker left with no older version behind it hides nothing: drop it.
        "Expiration": {"ExpiredObjectDeleteMarker": True},
    }
    others = [rule for rule in rules if rule.get("ID") != VERSIONS_RULE_ID]
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [*others, ours]}
    )


def notify_queue(s3: Any, sqs: Any, bucket: str, queue_name: str) -> str:
    """Send all of the bucket's object events to an SQS queue (the local trigger stand-in).

    The queue gets every event; the bridge applies each handler's prefix and suffix, as
    the Lambda notifications do in AWS, and mirrors every object for restarts.
    """
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {"Id": "bucket-to-local-handlers", "QueueArn": queue_arn, "Events": S3_EVENTS}
            ]
        },
    )
    return str(queue_url)


def ensure_failure_queue(sqs: Any, name: str) -> tuple[str, str]:
    """Create the queue of failed S3 events unless it exists; return its URL and ARN."""
    attributes = {"MessageRetentionPeriod": str(FAILED_EVENT_RETENTION_SECONDS)}
    url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, str(arn)


def connect_failure_destination(lambda_client: Any, function_name: str, queue_arn: str) -> bool:
    """Send a function's events that fail every retry to the queue; False if not deployed."""
    try:
        lambda_client.put_function_event_invoke_config(
            FunctionName=function_name,
            MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": queue_arn}},
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
        return False
    return True


def ensure_mail_receipt(
    ses: Any, s3: Any, bucket: str, rule_set: str, recipient: str, account: str
) -> bool:
    """Make SES store mail for ``recipient`` under inbox/; return True if the rule was created.

    The rule set is not activated here: an account has one active set, and activating
    ours would switch off any other. The README gives that step.
    """
    region = ses.meta.region_name
    rule_arn = (
        f"arn:aws:ses:{region}:{account}:receipt-rule-set/{rule_set}:receipt-rule/{MAIL_RULE_NAME}"
    )
    _allow_ses_to_write_inbox(s3, bucket, account, rule_arn)
    try:
        ses.create_receipt_rule_set(RuleSetName=rule_set)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyExists":
            raise
    rule = {
        "Name": MAIL_RULE_NAME,
        "Enabled": True,
        "Recipients": [recipient],
        "ScanEnabled": True,
        "TlsPolicy": "Require",
        "Actions": [{"S3Action": {"BucketName": bucket, "ObjectKeyPrefix": INBOX_PREFIX}}],
    }
    try:
        ses.create_receipt_rule(RuleSetName=rule_set, Rule=rule)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyExists":
            raise
        ses.update_receipt_rule(RuleSetName=rule_set, Rule=rule)
        return False


def _allow_ses_to_write_inbox(s3: Any, bucket: str, account: str, rule_arn: str) -> None:
    # SourceArn: only our receipt rule, not any rule of the account, may write the inbox.
    statement = {
        "Sid": "AllowSESPutsToInbox",
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": _objects(bucket, INBOX_PREFIX),
        "Condition": {"StringEquals": {"AWS:SourceAccount": account, "AWS:SourceArn": rule_arn}},
    }
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    others = [st for st in policy["Statement"] if st.get("Sid") != statement["Sid"]]
    policy["Statement"] = [*others, statement]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


READ_TABLE = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
# TransactWriteItems has no action of its own: it needs those of the writes it holds.
WRITE_TABLE = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:ConditionCheckItem",
]
# Search postings are written in batches, outside the transaction.
WRITE_POSTINGS = ["dynamodb:BatchWriteItem"]
FUNCTIONS = (
    "api_handler",
    "on_post_source_changed",
    "on_page_source_changed",
    "on_mail_received",
    "publish_due_posts",
    "reconcile",
    "fan_out_post",
    "send_post_mails",
    "on_mail_feedback",
)


def function_policies(
    table_arn: str, bucket: str, stage: str, queue_arn: str = ""
) -> dict[str, dict[str, Any]]:
    """Return the least-privilege IAM policy of each Lambda function of one stage.

    With a ``queue_arn``, the S3-triggered source functions may send their failed events
    there (Lambda destinations use the function's role) and reconcile may drain it.
    """
    from blogctl.mailsetup import mail_statements

    policies = _function_policies(table_arn, bucket, queue_arn)
    # The send worker reads a body too large for its item.
    policies["send_post_mails"] = _policy(_s3(["s3:GetObject"], bucket, RENDERED_PREFIX))
    for function, statements in mail_statements(table_arn, stage).items():
        policies[function] = {
            **_policy(),
            "Statement": policies.get(function, _policy())["Statement"] + statements,
        }
    return {
        function: {**policy, "Statement": [_logs(stage, function), *policy["Statement"]]}
        for function, policy in policies.items()
    }


def log_group_name(stage: str, function: str) -> str:
    """Return the log group Lambda writes a function's logs to (Chalice's function names)."""
    name = f"{APP_NAME}-{stage}" if function == "api_handler" else f"{APP_NAME}-{stage}-{function}"
    return f"/aws/lambda/{name}"


def _logs(stage: str, function: str) -> dict[str, Any]:
    group = f"arn:aws:logs:*:*:log-group:{log_group_name(stage, function)}"
    return {
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [group, f"{group}:*"],
    }


def _function_policies(table_arn: str, bucket: str, queue_arn: str) -> dict[str, dict[str, Any]]:
    ingest_posts = _policy(
        _table(READ_TABLE + WRITE_TABLE + WRITE_POSTINGS, table_arn),
        _s3(["s3:GetObject"], bucket, POSTS_PREFIX),
        # Bodies too large for a DynamoDB item are stored under rendered/.
        _s3(["s3:PutObject", "s3:DeleteObject"], bucket, ERRORS_PREFIX, RENDERED_PREFIX),
        _list_bucket(bucket, POSTS_PREFIX, ERRORS_PREFIX, RENDERED_PREFIX),
    )
    policies = {
        # Pages read the table; media redirects are presigned with this role.
        "api_handler": _policy(
            _table(READ_TABLE, table_arn),
            _s3(["s3:GetObject"], bucket, MEDIA_PREFIX),
            _s3(["s3:GetObject"], bucket, RENDERED_PREFIX),
        ),
        "on_post_source_changed": ingest_posts,
        # The scheduler publishes due posts through the same ingest code.
        "publish_due_posts": ingest_posts,
        "on_page_source_changed": _policy(
            _table(READ_TABLE + WRITE_TABLE, table_arn),
            _s3(["s3:GetObject"], bucket, PAGES_PREFIX),
            _s3(["s3:PutObject", "s3:DeleteObject"], bucket, ERRORS_PREFIX),
            _list_bucket(bucket, PAGES_PREFIX, ERRORS_PREFIX),
        ),
        "on_mail_received": _policy(
            _table(["dynamodb:GetItem"], table_arn),
            _s3(["s3:GetObject", "s3:DeleteObject"], bucket, INBOX_PREFIX),
            _s3(
                ["s3:PutObject"],
                bucket,
                MAIL_POSTS_PREFIX,
                MEDIA_PREFIX,
                PROCESSED_PREFIX,
                REJECTED_PREFIX,
            ),
            _list_bucket(bucket, INBOX_PREFIX),
        ),
        # Re-syncs posts and pages through ingest, and lists the bucket to compare.
        "reconcile": _policy(
            _table(READ_TABLE + WRITE_TABLE + WRITE_POSTINGS, table_arn),
            _s3(["s3:GetObject"], bucket, POSTS_PREFIX, PAGES_PREFIX),
            _s3(["s3:PutObject", "s3:DeleteObject"], bucket, ERRORS_PREFIX, RENDERED_PREFIX),
            _list_bucket(bucket, POSTS_PREFIX, PAGES_PREFIX, ERRORS_PREFIX, RENDERED_PREFIX),
        ),
    }
    if queue_arn:
        for function in SOURCE_FUNCTIONS:
            policies[function] = _with(policies[function], _sqs(["sqs:SendMessage"], queue_arn))
        drain = _sqs(["sqs:ReceiveMessage", "sqs:DeleteMessage"], queue_arn)
        policies["reconcile"] = _with(policies["reconcile"], drain)
    return policies


def _with(policy: dict[str, Any], statement: dict[str, Any]) -> dict[str, Any]:
    return {**policy, "Statement": [*policy["Statement"], statement]}


def _sqs(actions: list[str], queue_arn: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": [queue_arn]}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    # function_policies() puts each function's own log group first.
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _table(actions: list[str], table_arn: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": [table_arn]}


def _s3(actions: list[str], bucket: str, *prefixes: str) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Action": actions,
        "Resource": [_objects(bucket, p) for p in prefixes],
    }


def _list_bucket(bucket: str, *prefixes: str) -> dict[str, Any]:
    # Without ListBucket, S3 answers 403 instead of 404 for an object that is gone. That
    # check of a missing object carries no s3:prefix, so the condition must let a request
    # without one through (IfExists); a listing that names a prefix must name one of ours.
    return {
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{bucket}"],
        "Condition": {"StringLikeIfExists": {"s3:prefix": [f"{p}*" for p in prefixes]}},
    }


def _objects(bucket: str, prefix: str) -> str:
    return f"arn:aws:s3:::{bucket}/{prefix}*"


def write_stage_config(
    project_dir: Path, stage: str, variables: dict[str, str], policies: dict[str, dict[str, Any]]
) -> list[Path]:
    """Record a stage's variables in .chalice/config.json; write one policy file a function.

    Return the policy files written.
    """
    config = read_config(project_dir)
    stage_config = config.setdefault("stages", {}).setdefault(stage, {"api_gateway_stage": "api"})
    stage_config.pop("iam_policy_file", None)
    stage_config.setdefault("environment_variables", {}).update(variables)
    functions = stage_config.setdefault("lambda_functions", {})
    written = []
    for function, policy in policies.items():
        name = policy_file_name(stage, function)
        functions.setdefault(function, {})["iam_policy_file"] = name
        written.append(config_path(project_dir).with_name(name))
        _write_json(written[-1], policy)
    _write_json(config_path(project_dir), config)
    return written


def policy_file_name(stage: str, function: str) -> str:
    """Return the name of a function's policy file in .chalice/."""
    return f"policy-{stage}-{function.replace('_', '-')}.json"


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
