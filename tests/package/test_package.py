"""The deployment package: built by `chalice package`, self-sufficient, and wired right."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import boto3
import botocore
import dateutil
import jmespath
import pytest
import s3transfer
import six
import urllib3

from devtools import provision
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR
from tests.helpers.posts import make_post_markdown

pytestmark = pytest.mark.slow

# What the Lambda Python runtime provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = [boto3, botocore, s3transfer, jmespath, dateutil, urllib3]
MAX_ZIP_BYTES = 5 * 1024 * 1024


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run `chalice package --pkg-format terraform` for the dev stage."""
    out = tmp_path_factory.mktemp("package") / "out"
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run(
        [str(chalice), "package", "--pkg-format", "terraform", "--stage", "dev", str(out)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
    )
    return out


def test_terraform_wires_functions_and_the_bucket_notification(package: Path) -> None:
    resources = json.loads((package / "chalice.tf.json").read_text())["resource"]
    functions = resources["aws_lambda_function"]
    assert set(functions) == set(provision.FUNCTIONS)
    env = functions["on_post_source_changed"]["environment"]["variables"]
    assert env["BUCKET_NAME"] == "chalice-blog-dev-content"
    assert env["TABLE_NAME"] == "chalice-blog-dev"
    [notification] = resources["aws_s3_bucket_notification"].values()
    assert notification["bucket"] == "chalice-blog-dev-content"
    targets = {
        t["lambda_function_arn"].split(".")[1]: (
            t["filter_prefix"],
            t.get("filter_suffix"),
            sorted(t["events"]),
        )
        for t in notification["lambda_function"]
    }
    assert targets == {
        "on_post_source_changed": ("posts/", ".md", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]),
        "on_page_source_changed": ("pages/", ".md", ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]),
        "on_mail_received": ("inbox/", None, ["s3:ObjectCreated:*"]),
    }
    for function, settings in functions.items():
        role = settings["role"].split(".")[1]
        policy = json.loads(resources["aws_iam_role_policy"][role]["policy"])
        policy_file = PROJECT_DIR / ".chalice" / provision.policy_file_name("dev", function)
        assert policy == json.loads(policy_file.read_text()), function


def test_package_is_small_and_ships_templates(package: Path) -> None:
    zip_path = package / "deployment.zip"
    assert zip_path.stat().st_size < MAX_ZIP_BYTES
    names = set(zipfile.ZipFile(zip_path).namelist())
    assert "chalicelib/templates/base.html" in names
    assert "chalicelib/static/style.css" in names
    assert not any(name.startswith(("boto3/", "moto/", "devtools/", "tests/")) for name in names)


def test_unzipped_package_ingests_and_renders_alone(
    package: Path, tmp_path: Path, aws_resources: dict[str, Any], moto_endpoint: str
) -> None:
    unzipped = tmp_path / "task"
    zipfile.ZipFile(package / "deployment.zip").extractall(unzipped)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    for module in [*LAMBDA_RUNTIME_PACKAGES, six]:
        source = Path(module.__file__)
        target = source.parent if source.name == "__init__.py" else source
        (runtime / target.name).symlink_to(target)
    aws_resources["s3"].put_object(
        Bucket=BUCKET_NAME,
        Key="posts/zip.md",
        Body=make_post_markdown("From the zip", "2026-08-11").encode(),
    )
    script = textwrap.dedent(
        """
        import json, sys
        import app
        bucket = {"name": app.SETTINGS.bucket_name}
        record = {"s3": {"bucket": bucket, "object": {"key": "posts/zip.md"}}}
        app.on_post_source_changed({"Records": [record]}, None)
        event = {"resource": "/", "path": "/", "httpMethod": "GET", "headers": {"Host": "x"},
                 "multiValueQueryStringParameters": None, "pathParameters": None,
                 "stageVariables": None, "body": None,
                 "requestContext": {"resourcePath": "/", "httpMethod": "GET", "path": "/"}}
        response = app.app(event, None)
        print(json.dumps({"status": response["statusCode"], "body": response["body"],
                          "files": sorted({m.__file__.split("/task/")[0] for m in
                                           [app, sys.modules["jinja2"], sys.modules["nh3"]]})}))
        """
    )
    env = {
        "PYTHONPATH": f"{unzipped}:{runtime}",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "TABLE_NAME": "chalice-blog-local",
        "BUCKET_NAME": BUCKET_NAME,
    }
    # -S: no site-packages; only the zip and what the Lambda runtime provides are importable.
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=unzipped,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == 200
    assert "From the zip" in outcome["body"]
    assert outcome["files"] == [str(tmp_path)]
