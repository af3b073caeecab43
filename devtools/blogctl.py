"""Operator CLI: ``python -m devtools.blogctl setup --stage prod``."""

from __future__ import annotations

import argparse
from pathlib import Path

import boto3

from devtools import provision

PROJECT_DIR = Path(__file__).resolve().parent.parent
APP_NAME = "chalice-blog"


def setup(stage: str, table: str | None, bucket: str | None, project_dir: Path) -> dict[str, str]:
    """Create the stage's table and bucket if missing and record them in the stage config."""
    session = boto3.session.Session()
    region = session.region_name or "us-east-1"
    dynamodb, s3 = session.client("dynamodb"), session.client("s3")
    account = session.client("sts").get_caller_identity()["Account"]
    table = table or f"{APP_NAME}-{stage}"
    bucket = bucket or f"{APP_NAME}-{stage}-{account}-{region}"
    created_table = provision.ensure_table(dynamodb, table)
    created_bucket = provision.ensure_bucket(s3, bucket, region)
    table_arn = dynamodb.describe_table(TableName=table)["Table"]["TableArn"]
    policy = provision.stage_policy(table_arn, bucket)
    provision.write_stage_config(str(project_dir), stage, table, bucket, policy)
    return {
        "table": f"{table} ({'created' if created_table else 'exists'})",
        "bucket": f"{bucket} ({'created' if created_bucket else 'exists'})",
        "config": f".chalice/config.json stage {stage!r}, .chalice/policy-{stage}.json",
    }


def main(argv: list[str] | None = None) -> None:
    """Run the operator CLI."""
    parser = argparse.ArgumentParser(prog="blogctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup", help="create a stage's table and bucket (idempotent)")
    setup_cmd.add_argument("--stage", required=True)
    setup_cmd.add_argument("--table", help="table name (default chalice-blog-STAGE)")
    setup_cmd.add_argument(
        "--bucket", help="bucket name (default chalice-blog-STAGE-ACCOUNT-REGION)"
    )
    setup_cmd.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    args = parser.parse_args(argv)
    for name, value in setup(args.stage, args.table, args.bucket, args.project_dir).items():
        print(f"{name:>7}: {value}")
    print(f"next: chalice deploy --stage {args.stage}")


if __name__ == "__main__":
    main()
