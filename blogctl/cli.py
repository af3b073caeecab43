"""The `blogctl` command: options and sub-commands, output, and errors as exit codes."""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError

from blogctl import newpost, publish, status, subscribers, sync, undo, watch
from blogctl.importing.exported import EXPORT_FORMAT, import_export
from blogctl.importing.formats import UnknownFormat, detect_format, read_site
from blogctl.importing.report import ImportReport
from blogctl.importing.run import ImportOptions, run_import
from blogctl.mailbox import drop_mail
from blogctl.output import CommandError, add_command, add_json, print_json
from blogctl.previews import NoPreview, show_preview
from blogctl.problems import list_errors, list_failed_events
from blogctl.repair import describe, reindex
from blogctl.setup_stage import SetupRequest, StageNotSetUp, setup, write_policies
from blogctl.stages import LOCAL_STAGE, PROJECT_DIR, Target, UnknownStage, local_endpoint
from chalicelib.publishing.reconcile import reconcile
from chalicelib.storage.store import BlogStore

DESCRIPTION = f"""\
Write and publish posts; set up, inspect and repair a blog's stage.

Without --stage, blogctl works on the local stack that `make run` serves: stage
{LOCAL_STAGE!r} at {local_endpoint()}. With --stage NAME it works on that stage in AWS,
with your AWS credentials and region. Global options go before the command.
"""
EPILOG = """\
examples:
  blogctl new "Hello, world"          write posts/hello-world.md, a draft
  blogctl publish posts/hello-world.md
                                      publish it and print its URL
  blogctl watch .                     republish each file as it is saved
  blogctl errors                      the local stack's unpublished files
  blogctl --stage prod setup          create prod's table, bucket and queue
  blogctl --stage prod reindex --wipe rebuild prod's table from its bucket
  blogctl import export.xml --uploads uploads/
                                      bring a WordPress blog into the local stack
  blogctl trash                       deleted files, and how to restore each
  blogctl restore posts/hello.md      undo the last change to a post
  blogctl subscribers export list.csv readers subscribed by e-mail, as CSV
"""


def main(argv: list[str] | None = None) -> int:
    """Run blogctl; return its exit status (errors go to stderr)."""
    args = build_parser().parse_args(argv)
    target = Target.choose(args.stage, args.endpoint_url, args.project_dir)
    command: Callable[[argparse.Namespace, Target], int | None] = args.run
    try:
        status = command(args, target)
    except (
        CommandError,
        UnknownStage,
        StageNotSetUp,
        UnknownFormat,
        NoPreview,
        *undo.ERRORS,
    ) as error:
        return _fail(str(error))
    except EndpointConnectionError as error:
        hint = (
            " (is `make run` running? If it was started with MOTO_PORT and PORT, "
            "give blogctl the same ones)"
            if target.is_local
            else ""
        )
        return _fail(f"{error}{hint}")
    except (BotoCoreError, ClientError) as error:
        return _fail(f"AWS refused or failed: {error}")
    return status or 0


def _fail(message: str) -> int:
    print(f"blogctl: error: {message}", file=sys.stderr)
    return 1


def run_setup(args: argparse.Namespace, target: Target) -> None:
    """Create the stage's resources and record them in .chalice/."""
    _require_deployable(target, "setup")
    request = SetupRequest(
        target.stage,
        target.project_dir,
        args.table,
        args.bucket,
        args.mail_recipient,
        args.mail_senders,
        args.keep_versions,
        args.mail_from,
    )
    for name, value in setup(request, target.endpoint_url).items():
        print(f"{name:>12}: {value}")
    print(f"next: chalice deploy --stage {target.stage}")


def run_policies(args: argparse.Namespace, target: Target) -> None:
    """Write the stage's policy files from .chalice/config.json."""
    _require_deployable(target, "policies")
    for path in write_policies(target.stage, target.project_dir):
        print(f"wrote {path.relative_to(target.project_dir)}")


def run_errors(args: argparse.Namespace, target: Target) -> None:
    """List the files that could not be published, and the failed events queued."""
    settings = target.settings()
    problems = list_errors(settings, target.client("s3"))
    for problem in problems:
        print(f"{problem.key}\t{problem.rejected_at}\t{problem.reason}")
    if settings.failure_queue_url:
        failed = list_failed_events(settings, target.client("sqs"))
        for key in failed:
            print(f"{key}\tqueued\tits event failed every retry; reconcile re-syncs it")
        print(f"{len(failed)} failed event(s) waiting for reconcile")
    print(f"{len(problems)} file(s) with ingest problems in {settings.bucket_name}")


def run_reconcile(args: argparse.Namespace, target: Target) -> None:
    """Repair drift between the bucket and the table now."""
    settings = target.settings()
    store = BlogStore(target.client("dynamodb"), settings.table_name)
    sqs = target.client("sqs") if settings.failure_queue_url else None
    summary = reconcile(target.client("s3"), store, settings, sqs, settings.failure_queue_url)
    print(describe(summary))


def run_reindex(args: argparse.Namespace, target: Target) -> None:
    """Rebuild the table from the bucket."""
    settings = target.settings()
    store = BlogStore(target.client("dynamodb"), settings.table_name)
    outcomes = reindex(settings, target.client("s3"), store, args.wipe)
    print(", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())))


def run_drop_mail(args: argparse.Namespace, target: Target) -> None:
    """Put an .eml file in the inbox, as SES would."""
    message: Path = args.message
    if not message.is_file():
        raise CommandError(f"no such message file: {message}")
    settings = target.settings()
    key = drop_mail(settings, target.client("s3"), message.read_bytes(), args.as_ses)
    print(f"stored {message} as s3://{settings.bucket_name}/{key}")


def run_import_command(args: argparse.Namespace, target: Target) -> int:
    """Bring a blog in: a WordPress export (.xml), a Jekyll or Hugo site, a blogctl export.

    Writes Markdown sources under posts/ and pages/ (comments beside them), copies the
    files --uploads holds under media/, waits until each item is published, scheduled,
    kept private (drafts, private, pending, password-protected, trashed) or rejected,
    then prints a report and saves it under imports/ in the bucket. Running it again
    changes nothing; an existing file at the same key is kept unless --replace. Exit
    status 1 when something could not be imported.
    """
    path: Path = args.path
    uploads: Path | None = args.uploads
    if uploads is not None and not uploads.is_dir():
        raise CommandError(f"no such uploads folder: {uploads}")
    format_name = detect_format(path)
    settings = target.settings()
    options = ImportOptions(
        uploads,
        args.dry_run,
        args.replace,
        args.timeout,
        settings=settings,
        one_by_one=args.one_by_one,
    )
    report = ImportReport(f"{path} ({format_name})", settings.bucket_name, datetime.now(UTC))
    report.dry_run = args.dry_run
    s3 = target.client("s3")
    store = BlogStore(target.client("dynamodb"), settings.table_name)
    try:
        if format_name == EXPORT_FORMAT:
            import_export(path, options, s3, store, report)
        else:
            run_import(read_site(path, format_name), options, s3, store, report)
    except (ValueError, OSError) as error:
        raise CommandError(f"cannot import {path}: {error}") from error
    print(report.text(), end="")
    if not args.dry_run:
        print(f"report saved as s3://{settings.bucket_name}/{report.save(s3)}")
    return 1 if report.failed else 0


def run_outbox(args: argparse.Namespace, target: Target) -> None:
    """List the mail the local stack sent (.local/outbox/*.eml): date, to, subject, file."""
    from blogctl.outbox import outbox_dir, sent_messages

    directory = outbox_dir(target.project_dir)
    messages = sent_messages(directory)
    for sent in messages:
        print(f"{sent.date}\t{sent.to}\t{sent.subject}\t{sent.path}")
    print(f"{len(messages)} message(s) in {directory}")


def run_preview(args: argparse.Namespace, target: Target) -> None:
    """Print the private preview link of a draft or a scheduled post (or a draft page).

    FILE is a local file (a file in a pages/ folder is pages/NAME.md, any other
    posts/NAME.md) or a bucket key such as posts/hello.md. The page at the link looks
    exactly as the post will, is kept out of search engines and shared caches, and
    stops working once the post is published or its file deleted. --revoke gives the
    file a new link; the old one answers 404 at once. Exit status 1 without a link.
    """
    try:
        link = show_preview(target, args.file, args.revoke)
    except ValueError as error:
        raise CommandError(str(error)) from error
    if args.json:
        print_json({"file": args.file, "preview": link})
    else:
        print(link)


def _require_deployable(target: Target, command: str) -> None:
    if target.is_local:
        raise CommandError(
            f"the {LOCAL_STAGE!r} stage is what `make run` serves and is never deployed; "
            f"name a stage: blogctl --stage prod {command}"
        )


def build_parser() -> argparse.ArgumentParser:
    """Return blogctl's parser: global options, then one sub-command each with its help."""
    parser = argparse.ArgumentParser(
        prog="blogctl",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--stage",
        metavar="NAME",
        help=f"a stage in AWS (default: the local stack, {LOCAL_STAGE!r})",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="send AWS requests here, e.g. an emulator (default: the local stack's "
        "emulator without --stage, AWS with it)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        metavar="DIR",
        help="the project holding .chalice/config.json (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_setup(commands)
    add_command(commands, "policies", run_policies, "write the stage's .chalice/policy files")
    add_command(
        commands, "errors", run_errors, "list files that could not be published, and failed events"
    )
    add_command(commands, "reconcile", run_reconcile, "repair drift between bucket and table now")
    reindex_cmd = add_command(commands, "reindex", run_reindex, "rebuild the table from the bucket")
    reindex_cmd.add_argument("--wipe", action="store_true", help="empty the table first")
    drop_cmd = add_command(
        commands, "drop-mail", run_drop_mail, "put an .eml file in the inbox, as SES would"
    )
    drop_cmd.add_argument("message", type=Path, help="a raw RFC 5322 message (.eml)")
    drop_cmd.add_argument(
        "--as-ses", action="store_true", help="add passing SES verdict headers (local trials only)"
    )
    _add_import(commands)
    undo.add_commands(commands)  # history, restore, trash, export
    # Authoring commands: each module adds its own, with --json after the command's name.
    for module in (newpost, publish, sync, status, watch):
        module.register(commands)
    subscribers.register(commands)
    add_command(commands, "outbox", run_outbox, "list the mail the local stack sent")
    preview_cmd = add_command(commands, "preview", run_preview, "print a draft's private link")
    preview_cmd.formatter_class = argparse.RawDescriptionHelpFormatter
    preview_cmd.description = inspect.cleandoc(run_preview.__doc__ or "")
    preview_cmd.add_argument("file", metavar="FILE", help="a local .md file or posts/NAME.md")
    preview_cmd.add_argument(
        "--revoke", action="store_true", help="give it a new link; the old one stops working"
    )
    add_json(preview_cmd)
    return parser


def _add_import(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import_cmd = add_command(
        commands, "import", run_import_command, "bring a WordPress, Jekyll or Hugo blog in"
    )
    import_cmd.formatter_class = argparse.RawDescriptionHelpFormatter
    import_cmd.description = inspect.cleandoc(run_import_command.__doc__ or "")
    import_cmd.add_argument(
        "--one-by-one",
        action="store_true",
        help="publish each file through its S3 event instead of in bulk (slower)",
    )
    import_cmd.add_argument(
        "path", type=Path, help="a WordPress export (.xml), or a Jekyll or Hugo site folder"
    )
    import_cmd.add_argument(
        "--uploads",
        type=Path,
        metavar="DIR",
        help="a copy of wp-content/uploads, or the site's static folder: the files to copy",
    )
    import_cmd.add_argument(
        "--dry-run", action="store_true", help="print the report, write nothing"
    )
    import_cmd.add_argument(
        "--replace", action="store_true", help="overwrite existing files at the same keys"
    )
    import_cmd.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="how long to wait for the pipeline to publish (default: %(default)g)",
    )


def _add_setup(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    setup_cmd = add_command(
        commands, "setup", run_setup, "create a stage's table, bucket and queue (idempotent)"
    )
    setup_cmd.add_argument("--table", help="table name (default chalice-blog-STAGE)")
    setup_cmd.add_argument(
        "--bucket", help="bucket name (default chalice-blog-STAGE-ACCOUNT-REGION)"
    )
    setup_cmd.add_argument("--mail-recipient", help="address SES receives posts on")
    setup_cmd.add_argument(
        "--mail-senders", help="comma-separated addresses allowed to post by mail"
    )
    setup_cmd.add_argument(
        "--mail-from", help="sender of mail to subscribers (SES verifies it); sets up sending"
    )
    setup_cmd.add_argument(
        "--keep-versions",
        type=int,
        metavar="DAYS",
        help="keep overwritten and deleted files this long, for restore (default 90)",
    )
