"""Create a stage's AWS resources idempotently; used by `blogctl setup` and the local stack."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.inbox import INBOX_PREFIX, PROCESSED_PREFIX, REJECTED_PREFIX
from chalicelib.ingest import POSTS_PREFIX
from chalicelib.media import MEDIA_PREFIX
from chalicelib.reports import ERRORS_PREFIX
from chalicelib.storage import table_definition

S3_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]


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


def ensure_bucket(s3: Any, name: str, region: str) -> bool:
    """Create the content bucket unless it exists; return True if it was created."""
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


def ensure_mail_receipt(
    ses: Any, s3: Any, bucket: str, rule_set: str, recipient: str, account: str
) -> bool:
    """Make SES store mail for ``recipient`` under inbox/; return True if the rule was created.

    The rule set is not activated here: an account has one active set, and activating
    ours would switch off any other. The README gives that step.
    """
    _allow_ses_to_write_inbox(s3, bucket, account)
    try:
        ses.create_receipt_rule_set(RuleSetName=rule_set)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyExists":
            raise
    rule = {
        "Name": "store-in-inbox",
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


def _allow_ses_to_write_inbox(s3: Any, bucket: str, account: str) -> None:
    statement = {
        "Sid": "AllowSESPutsToInbox",
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": _objects(bucket, INBOX_PREFIX),
        "Condition": {"StringEquals": {"AWS:SourceAccount": account}},
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


def stage_policy(table_arn: str, bucket: str) -> dict[str, Any]:
    """Return the least-privilege IAM policy of the Lambda functions of one stage."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:*:logs:*:*:*",
            },
            {
                "Sid": "BlogTable",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:ConditionCheckItem",
                ],
                "Resource": [table_arn],
            },
            {
                "Sid": "ReadSourcesMailAndMedia",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [
                    _objects(bucket, p) for p in (POSTS_PREFIX, INBOX_PREFIX, MEDIA_PREFIX)
                ],
            },
            {
                # Mail-in writes posts and media; ingest writes error reports.
                "Sid": "WriteDerivedObjects",
                "Effect": "Allow",
                "Action": ["s3:PutObject"],
                "Resource": [
                    _objects(bucket, p)
                    for p in (
                        POSTS_PREFIX,
                        MEDIA_PREFIX,
                        ERRORS_PREFIX,
                        PROCESSED_PREFIX,
                        REJECTED_PREFIX,
                    )
                ],
            },
            {
                "Sid": "DeleteHandledObjects",
                "Effect": "Allow",
                "Action": ["s3:DeleteObject"],
                "Resource": [_objects(bucket, p) for p in (INBOX_PREFIX, ERRORS_PREFIX)],
            },
            {
                # Without ListBucket, S3 answers 403 instead of 404 for a deleted post.
                "Sid": "TellMissingFromForbidden",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{bucket}"],
            },
        ],
    }


def _objects(bucket: str, prefix: str) -> str:
    return f"arn:aws:s3:::{bucket}/{prefix}*"


def write_stage_config(
    project_dir: str, stage: str, variables: dict[str, str], policy: dict[str, Any]
) -> None:
    """Record a stage's environment variables in .chalice/config.json; write its policy file."""
    config_path = f"{project_dir}/.chalice/config.json"
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    stage_config = config.setdefault("stages", {}).setdefault(stage, {"api_gateway_stage": "api"})
    stage_config["iam_policy_file"] = f"policy-{stage}.json"
    stage_config.setdefault("environment_variables", {}).update(variables)
    _write_json(config_path, config)
    _write_json(f"{project_dir}/.chalice/policy-{stage}.json", policy)


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
