"""`make run`: moto server, S3 event bridge and the Chalice app, in one process."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import boto3
from chalice.cli.factory import CLIFactory
from chalice.local import create_local_server

from blogctl import mailsetup, provision
from blogctl.stages import LOCAL_STAGE, stage_environment
from devtools import outbox
from devtools.emulator import SerialMotoServer
from devtools.faults import EventFaults, parse_faults
from devtools.mirror import BucketMirror
from devtools.s3events import QueueBridge, run_schedules, s3_routes, sqs_consumers

PROJECT_DIR = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = PROJECT_DIR / "sample_content"
HOST = "127.0.0.1"
QUEUE_NAME = "chalice-blog-local-events"
# A failed mail batch comes back this soon locally (in AWS: six times the timeout).
MAIL_RETRY_SECONDS = 5
LOCAL_MAIL_FROM = "blog@example.com"
FAILURE_QUEUE_NAME = "chalice-blog-local-failed-events"


def configure_environment() -> tuple[int, int, Path]:
    """Point boto3 at the emulator with dummy credentials; return ports and data dir."""
    moto_port = int(os.environ.get("MOTO_PORT", "4566"))
    port = int(os.environ.get("PORT", "8000"))
    data_dir = Path(os.environ.get("LOCAL_DATA_DIR", PROJECT_DIR / ".local" / "content"))
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://{HOST}:{moto_port}",
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_DEFAULT_REGION="us-east-1",
    )
    os.environ.pop("AWS_PROFILE", None)
    # Absolute URLs (feeds, canonical links) name this server, never a request's Host.
    os.environ.setdefault("SITE_URL", f"http://{HOST}:{port}")
    # Mail goes out through the emulator's SES (verified at start) into .local/outbox/.
    os.environ.setdefault("MAIL_FROM", LOCAL_MAIL_FROM)
    os.environ.setdefault("MAIL_CONFIGURATION_SET", "chalice-blog-local-mail")
    os.environ.setdefault("MAIL_SEND_RATE", "100")
    return moto_port, port, data_dir


def main() -> None:
    """Start the local stack and serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    moto_port, port, data_dir = configure_environment()
    for taken in (moto_port, port):
        _require_free_port(taken)
    faults = parse_faults(os.environ.get("LOCAL_FAULTS", ""))
    moto = SerialMotoServer(ip_address=HOST, port=moto_port, verbose=False, faults=faults)
    moto.start()
    sqs = boto3.client("sqs")
    # Before the app loads its settings: reconcile drains this queue as in AWS.
    failures, _ = provision.ensure_failure_queue(sqs, FAILURE_QUEUE_NAME)
    os.environ["FAILURE_QUEUE_URL"] = failures
    apply_stage_environment(os.environ)
    # Chalice would write the stage's variables over the shell's: it gets a copy to write to.
    config = CLIFactory(project_dir=str(PROJECT_DIR), environ=dict(os.environ)).create_config_obj(
        chalice_stage_name=LOCAL_STAGE
    )
    app = config.chalice_app
    outbox_dir = _start_mail(sqs, data_dir.parent / "outbox")
    table, bucket = os.environ["TABLE_NAME"], os.environ["BUCKET_NAME"]
    s3 = boto3.client("s3")
    provision.ensure_table(boto3.client("dynamodb"), table)
    provision.ensure_bucket(s3, bucket, "us-east-1")
    queue_url = provision.notify_queue(s3, sqs, bucket, QUEUE_NAME)
    mirror = BucketMirror(s3, bucket, data_dir)
    event_faults = EventFaults(faults, time.monotonic) if faults.active else None
    bridge = QueueBridge(
        sqs, queue_url, s3_routes(app), mirror.record, failures, faults=event_faults
    )
    stop = threading.Event()
    threading.Thread(target=bridge.run_forever, args=(stop,), daemon=True, name="s3-events").start()
    threading.Thread(target=run_schedules, args=(app, stop), daemon=True, name="schedules").start()
    for number, consumer in enumerate(sqs_consumers(app, sqs)):
        name = f"queue-{number}"
        threading.Thread(target=consumer.run_forever, args=(stop,), daemon=True, name=name).start()
    seeded = _seed(s3, bucket, mirror)
    print(
        f"\n  Blog:        http://{HOST}:{port}/\n"
        f"  S3 endpoint: http://{HOST}:{moto_port}  (any access key, region us-east-1)\n"
        f"  Bucket:      {bucket}  (upload posts/<name>.md to publish)\n"
        f"  Table:       {table}\n"
        f"  Data kept in {data_dir} ({seeded})\n"
        f"  Mail sent:   {outbox_dir}  (blogctl outbox lists it)\n"
        + (f"  Faults on purpose: {faults}\n" if faults.active else "")
        + "  Ctrl-C stops it.\n",
        flush=True,
    )
    server = create_local_server(app, config, HOST, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        moto.stop()


def _start_mail(sqs: Any, outbox_dir: Path) -> Path:
    """Create the mail queues, topic and configuration set; verify the sender; keep mail."""
    from chalicelib.config import load_settings

    settings = load_settings()
    outbox.install(Path(os.environ.get("LOCAL_OUTBOX_DIR", outbox_dir)))
    ses = boto3.client("ses")
    mailsetup.ensure_mail_resources(
        ses, sqs, boto3.client("sns"), settings, visibility=MAIL_RETRY_SECONDS
    )
    if settings.mail_from:
        mailsetup.verify_sender(ses, settings.mail_from)
    return Path(os.environ.get("LOCAL_OUTBOX_DIR", outbox_dir))


def apply_stage_environment(environ: MutableMapping[str, str]) -> None:
    """Add the local stage's variables that the shell does not set: `SITE_LANGUAGE=ja make run`."""
    for name, value in stage_environment(LOCAL_STAGE).items():
        environ.setdefault(name, value)


def _require_free_port(port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise SystemExit(
                f"port {port} on {HOST} is in use; set MOTO_PORT or PORT to another port"
            )


def _seed(s3: Any, bucket: str, mirror: BucketMirror) -> str:
    if mirror.has_content():
        return f"restored {mirror.restore()} objects"
    # SAMPLES=0 starts an empty blog: what an import of an existing blog goes into.
    if os.environ.get("SAMPLES", "1") == "0":
        return "started empty (SAMPLES=0)"
    for folder in ("posts", "pages"):
        for path in sorted((SAMPLE_CONTENT / folder).glob("*.md")):
            s3.put_object(Bucket=bucket, Key=f"{folder}/{path.name}", Body=path.read_bytes())
    return "loaded the sample posts and pages"


if __name__ == "__main__":
    main()
