"""`private-screening LIST.csv --url https://directory.example --output results.csv` (API key in the environment)."""

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lib.errors import DomainError
from lib.phone_lists import Columns
from private_screening_client.protocol import ProtocolError
from private_screening_client.screening import Report, result_file, screen_privately
from private_screening_client.server import Server, ServerRefused

API_KEY_VARIABLE = "DIRECTORY_API_KEY"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="private-screening",
        description="Screen a company phone list; numbers that are not listed never leave this machine.",
    )
    parser.add_argument("file", type=Path, help="the list: CSV (any common encoding), XLSX or TXT")
    parser.add_argument("--url", required=True, help="the directory's address, e.g. https://directory.example.org")
    parser.add_argument("--output", type=Path, required=True, help="where to write the result file (CSV)")
    parser.add_argument("--region", default="US", help="your organization's region for numbers without +country code")
    parser.add_argument(
        "--phone-column",
        action="append",
        default=[],
        help="a phone column's header or number; repeat it for several (work, mobile, home); found if not given",
    )
    parser.add_argument("--label-column", help="a label column (employee or device id) to carry through")
    parser.add_argument("--assigned-from-column", help="the column of the day each number was first assigned")
    parser.add_argument("--assigned-to-column", help="the column of the day each number was last assigned")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path.home() / ".cache" / "private-screening",
        help="where the directory's set-up is kept between runs",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    console = Console(stderr=True)
    api_key = os.environ.get(API_KEY_VARIABLE, "")
    if not api_key:
        console.print(f"Set {API_KEY_VARIABLE} to the API key of an HR or admin member.")
        return 2
    server = Server(options.url, api_key, cache_dir=options.cache_dir)
    try:
        report = screen_file(options.file.read_bytes(), options, server, console)
    except (DomainError, ServerRefused, ProtocolError, OSError) as error:
        console.print(f"[red]Not screened:[/red] {error}")
        return 1
    with options.output.open("w", newline="", encoding="utf-8") as output:
        output.writelines(result_file(report))
    print_summary(report, options.output, Console())
    return 0


def screen_file(data: bytes, options: argparse.Namespace, server: Server, console: Console) -> Report:
    columns = (TextColumn("Checking privately"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("numbers", total=None)
        return screen_privately(
            data,
            server,
            region=options.region.upper(),
            columns=chosen_columns(options),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def chosen_columns(options: argparse.Namespace) -> Columns:
    return Columns(
        phones=tuple(options.phone_column),
        label=options.label_column,
        assigned_from=options.assigned_from_column,
        assigned_to=options.assigned_to_column,
    )


def print_summary(report: Report, output: Path, console: Console) -> None:
    counts = report.counts
    console.print(f"Directory as of {report.directory_as_of}")
    console.print(f"Rows read: {report.rows_read:,}")
    console.print(f"Numbers sent blinded: {report.numbers_sent:,} (encrypted with a key that never left this machine)")
    console.print(f"Hits: {report.hits:,}, looked up by number to confirm them")
    console.print(
        f"Confirmed matches: {counts['match']:,}; outside the assignment window: {counts['outside_window']:,}"
    )
    console.print(f"Invalid rows: {counts['invalid']:,}; repeated numbers: {counts['duplicate']:,}")
    console.print(f"The other {report.numbers_sent - report.hits:,} numbers never left this machine in clear.")
    steps = ", ".join(f"{step.replace('_', ' ')} {seconds:.1f} s" for step, seconds in report.seconds.items())
    console.print(f"Time: {sum(report.seconds.values()):.1f} s ({steps})")
    console.print(f"Results written to {output}")
    if counts["match"]:
        console.print(report.disclaimer)


if __name__ == "__main__":
    sys.exit(main())
