"""Create a stage's AWS resources idempotently; used by `blogctl setup` and the local stack."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.ingest import POST_SUFFIX, POSTS_PREFIX
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
    """Send the bucket's post events to an SQS queue (the local stand-in for the Lambda trigger)."""
    queue_url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    # moto's server mode matches filter rules only when the names are lower case.
    rules = [{"Name": "prefix", "Value": POSTS_PREFIX}, {"Name": "suffix", "Value": POST_SUFFIX}]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "posts-to-local-handler",
                    "QueueArn": queue_arn,
                    "Events": S3_EVENTS,
                    "Filter": {"Key": {"FilterRules": rules}},
                }
            ]
        },
    )
    return str(queue_url)


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
                "Sid": "ReadPostSources",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/{POSTS_PREFIX}*"],
            },
            {
                "Sid": "WriteErrorReports",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/{ERRORS_PREFIX}*"],
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


def write_stage_config(
    project_dir: str, stage: str, table: str, bucket: str, policy: dict[str, Any]
) -> None:
    """Record a stage's resource names in .chalice/config.json and write its policy file."""
    config_path = f"{project_dir}/.chalice/config.json"
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    stage_config = config.setdefault("stages", {}).setdefault(stage, {"api_gateway_stage": "api"})
    stage_config["iam_policy_file"] = f"policy-{stage}.json"
    stage_config.setdefault("environment_variables", {}).update(
        TABLE_NAME=table, BUCKET_NAME=bucket
    )
    _write_json(config_path, config)
    _write_json(f"{project_dir}/.chalice/policy-{stage}.json", policy)


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
