"""`blogctl setup`, run against the emulator."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3

from blogctl import provision
from blogctl.setup_stage import SetupRequest, setup
from tests.helpers.local import PROJECT_DIR


def test_setup_creates_resources_and_records_them_idempotently(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    first = setup(SetupRequest("staging", tmp_path), moto_endpoint)
    assert first["table"] == "chalice-blog-staging (created)"
    assert first["bucket"] == "chalice-blog-staging-123456789012-us-east-1 (created)"
    config_before = (tmp_path / ".chalice" / "config.json").read_text()

    second = setup(SetupRequest("staging", tmp_path), moto_endpoint)
    assert second["table"].endswith("(exists)") and second["bucket"].endswith("(exists)")
    assert (tmp_path / ".chalice" / "config.json").read_text() == config_before

    aws_resources["dynamodb"].describe_table(TableName="chalice-blog-staging")
    aws_resources["s3"].head_bucket(Bucket="chalice-blog-staging-123456789012-us-east-1")
    stage = json.loads(config_before)["stages"]["staging"]
    queue_url = stage["environment_variables"].pop("FAILURE_QUEUE_URL")
    assert queue_url.endswith("/123456789012/chalice-blog-staging-failed-events")
    assert stage["environment_variables"] == {
        "TABLE_NAME": "chalice-blog-staging",
        "BUCKET_NAME": "chalice-blog-staging-123456789012-us-east-1",
        # The mail functions' resources exist from the first setup; no MAIL_FROM: mail off.
        "MAIL_ANNOUNCE_QUEUE": "chalice-blog-staging-mail-announce",
        "MAIL_SEND_QUEUE": "chalice-blog-staging-mail-send",
        "MAIL_EVENTS_TOPIC": "chalice-blog-staging-mail-events",
        "MAIL_CONFIGURATION_SET": "chalice-blog-staging-mail",
    }
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:chalice-blog-staging-failed-events"
    table_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/chalice-blog-staging"
    bucket_arn = "arn:aws:s3:::chalice-blog-staging-123456789012-us-east-1"
    for function in ("api_handler", "on_post_source_changed", "on_mail_received", "reconcile"):
        policy_file = stage["lambda_functions"][function]["iam_policy_file"]
        policy = json.loads((tmp_path / ".chalice" / policy_file).read_text())
        resources = [r for st in policy["Statement"] for r in _as_list(st["Resource"])]
        assert {r for r in resources if ":dynamodb:" in r} == {table_arn}, function
        assert all(
            r.startswith(
                (bucket_arn, "arn:aws:logs:*:*:log-group:/aws/lambda/chalice-blog-staging")
            )
            or r == queue_arn
            # Mail: the stage's own queues and SES identities (blogctl/mailsetup.py).
            or r.startswith(
                (
                    "arn:aws:sqs:us-east-1:123456789012:chalice-blog-staging-mail-",
                    "arn:aws:ses:us-east-1:123456789012:",
                )
            )
            for r in resources
            if ":dynamodb:" not in r
        )
        sends = function in ("on_post_source_changed", "reconcile")
        assert (queue_arn in resources) is sends, function


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_setup_keeps_other_stages(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    setup(SetupRequest("prod", tmp_path, "my-table", "my-bucket"), moto_endpoint)
    config = json.loads((tmp_path / ".chalice" / "config.json").read_text())
    assert config["stages"]["prod"]["environment_variables"]["BUCKET_NAME"] == "my-bucket"
    assert (
        config["stages"]["dev"]
        == json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())["stages"]["dev"]
    )
    assert config["autogen_policy"] is False


def test_setup_creates_the_mail_receipt_rule(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    request = SetupRequest(
        "staging", tmp_path, mail_recipient="post@blog.example.net", mail_senders="me@example.com"
    )
    assert setup(request, moto_endpoint)["mail"] == "SES rule set chalice-blog-staging (created)"
    assert setup(request, moto_endpoint)["mail"] == "SES rule set chalice-blog-staging (updated)"

    ses = boto3.client("ses")
    rule = ses.describe_receipt_rule(RuleSetName="chalice-blog-staging", RuleName="store-in-inbox")[
        "Rule"
    ]
    bucket = "chalice-blog-staging-123456789012-us-east-1"
    assert rule["Recipients"] == ["post@blog.example.net"] and rule["ScanEnabled"] is True
    assert rule["Actions"] == [{"S3Action": {"BucketName": bucket, "ObjectKeyPrefix": "inbox/"}}]
    policy = json.loads(aws_resources["s3"].get_bucket_policy(Bucket=bucket)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"}
    assert statement["Resource"] == f"arn:aws:s3:::{bucket}/inbox/*"
    rule_arn = (
        "arn:aws:ses:us-east-1:123456789012:receipt-rule-set/chalice-blog-staging"
        ":receipt-rule/store-in-inbox"
    )
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": "123456789012", "AWS:SourceArn": rule_arn}
    }
    config = json.loads((tmp_path / ".chalice" / "config.json").read_text())
    assert (
        config["stages"]["staging"]["environment_variables"]["MAIL_ALLOWED_SENDERS"]
        == "me@example.com"
    )


def test_setup_sends_failed_source_events_to_the_queue_once_deployed(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    request = SetupRequest("staging", tmp_path)
    assert setup(request, moto_endpoint)["destinations"].startswith("functions not deployed yet")

    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
    lambda_client = boto3.client("lambda")
    for function in ("on_post_source_changed", "on_page_source_changed", "api_handler"):
        lambda_client.create_function(
            FunctionName=f"chalice-blog-staging-{function}",
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="app.app",
            Code={"ZipFile": _empty_zip()},
        )
    assert (
        "on_post_source_changed, on_page_source_changed"
        in setup(request, moto_endpoint)["destinations"]
    )
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:chalice-blog-staging-failed-events"
    for function in ("on_post_source_changed", "on_page_source_changed"):
        config = lambda_client.get_function_event_invoke_config(
            FunctionName=f"chalice-blog-staging-{function}"
        )
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == queue_arn


def _empty_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "")
    return buffer.getvalue()


def test_setup_versions_the_bucket_and_keeps_other_lifecycle_rules(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    s3, bucket = aws_resources["s3"], "versioned-content"
    report = setup(SetupRequest("staging", tmp_path, bucket=bucket), moto_endpoint)
    assert report["versions"] == "kept 90 days after they are replaced or deleted"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    theirs = {"ID": "theirs", "Status": "Enabled", "Filter": {"Prefix": "imports/"}}
    theirs["Expiration"] = {"Days": 7}
    [ours] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [theirs, ours]}
    )

    setup(SetupRequest("staging", tmp_path, bucket=bucket, keep_versions_days=30), moto_endpoint)
    setup(SetupRequest("staging", tmp_path, bucket=bucket), moto_endpoint)  # keeps 30

    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules.keys() == {"theirs", provision.VERSIONS_RULE_ID}
    assert rules[provision.VERSIONS_RULE_ID]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30
    }
    config = json.loads((tmp_path / ".chalice" / "config.json").read_text())
    assert config["stages"]["staging"]["environment_variables"]["KEEP_OLD_VERSIONS_DAYS"] == "30"


def test_no_function_may_delete_a_version_or_change_versioning() -> None:
    policies = provision.function_policies(
        "arn:aws:dynamodb:us-east-1:1:table/t", "b", "prod", "arn:aws:sqs:us-east-1:1:q"
    )
    actions = {a for p in policies.values() for st in p["Statement"] for a in st["Action"]}
    assert not [a for a in actions if "*" in a or "Version" in a or "Lifecycle" in a]
    assert "s3:DeleteObject" in actions  # error reports and large bodies: a marker, undoable


def test_setup_creates_what_sending_mail_needs_idempotently(
    aws_resources: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    shutil.copytree(PROJECT_DIR / ".chalice", tmp_path / ".chalice")
    request = SetupRequest("staging", tmp_path, mail_from="blog@example.com")
    setup(request, moto_endpoint)
    report = setup(request, moto_endpoint)
    assert "chalice-blog-staging-mail" in report["sending"]
    config = json.loads((tmp_path / ".chalice" / "config.json").read_text())
    variables = config["stages"]["staging"]["environment_variables"]
    assert variables["MAIL_FROM"] == "blog@example.com"
    assert variables["MAIL_SEND_QUEUE"] == "chalice-blog-staging-mail-send"
    endpoint = {"endpoint_url": moto_endpoint, "region_name": "us-east-1"}
    ses, sqs = boto3.client("ses", **endpoint), boto3.client("sqs", **endpoint)
    assert "blog@example.com" in ses.list_identities()["Identities"]
    found = ses.describe_configuration_set(
        ConfigurationSetName="chalice-blog-staging-mail",
        ConfigurationSetAttributeNames=["eventDestinations"],
    )
    (destination,) = found["EventDestinations"]
    assert set(destination["MatchingEventTypes"]) == {"bounce", "complaint"}
    assert destination["SNSDestination"]["TopicARN"].endswith(":chalice-blog-staging-mail-events")
    url = sqs.get_queue_url(QueueName="chalice-blog-staging-mail-send")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":chalice-blog-staging-mail-send-dead")
