"""``python -m companion.ble.drivers --markdown`` prints the README table; ``--readme README.md`` rewrites it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.ble.drivers import markdown_table, readme_with_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companion.ble.drivers")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--markdown", action="store_true", help="print the Supported scales table")
    group.add_argument("--readme", type=Path, metavar="PATH", help="rewrite the table inside this README")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    path: Path = args.readme
    path.write_text(readme_with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
