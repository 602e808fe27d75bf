"""``python manage.py export_recording``: the book recorder's messages as the
one-frame-per-line file ``python manage.py replay_stream`` reads."""

from __future__ import annotations

from argparse import ArgumentTypeError
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from markets.recorder import recorded_messages_raw

HELP = """Write recorded market-channel messages, one raw frame per line in the
order they were received, to OUTPUT ("-" or nothing: stdout). --token keeps
the frames that mention that token id; --since (inclusive) and --until
(exclusive) bound the receive time, ISO 8601, UTC when no offset is given.
Rebuilding a book needs the frames from its last "book" snapshot on, so start
--since before one (the stream gets one on every connect)."""


def _moment(value: str) -> datetime:
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ArgumentTypeError(f"not an ISO 8601 date and time: {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _one_line(raw: str) -> str:
    # JSON cannot hold a raw line break inside a string, so any in a frame are
    # whitespace between tokens: replacing them keeps the frame's meaning and
    # keeps it on one line. The venue sends compact frames; this is rare.
    if "\n" in raw or "\r" in raw:
        return raw.replace("\r", " ").replace("\n", " ")
    return raw


def _write_all(frames: Iterable[str], write: Callable[[str], object]) -> int:
    count = 0
    for raw in frames:
        write(_one_line(raw) + "\n")
        count += 1
    return count


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "output", nargs="?", default="-", help='file ("-" = stdout)'
        )
        parser.add_argument("--token", help="only frames that mention this token id")
        parser.add_argument("--since", type=_moment, help="received at or after")
        parser.add_argument("--until", type=_moment, help="received before")

    def handle(self, *args: Any, **options: Any) -> None:
        frames = recorded_messages_raw(
            token=options["token"], since=options["since"], until=options["until"]
        )
        path: str = options["output"]
        if path == "-":
            count = _write_all(frames, lambda line: self.stdout.write(line, ending=""))
        else:
            try:
                with Path(path).open("w", encoding="utf-8") as file:
                    count = _write_all(frames, file.write)
            except OSError as exc:
                raise CommandError(
                    f"cannot write {path}: {exc.strerror or exc}"
                ) from exc
        self.stderr.write(f"{count} frames exported")
