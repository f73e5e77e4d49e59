"""Regenerate the SVG screenshots in ``screenshots/``: every main screen on demo data, the onboarding steps,
and the unlock and "cannot open your data" dialogs. Fixed terminal size (100x32), fixed clock, English.

    python tests/screenshots.py [--output DIR] [--only ID ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["PYTHON_KEYRING_BACKEND"] = (
    "keyring.backends.fail.Keyring"  # deterministic: the passphrase variant
)
os.environ["TZ"] = "Europe/Amsterdam"
os.environ.pop("COMPANION_LANG", None)

from companion.clock import FixedClock  # noqa: E402
from companion.i18n import set_language  # noqa: E402

SIZE = (int(os.environ.get("SHOT_W", 100)), int(os.environ.get("SHOT_H", 32)))
ROOT = Path(__file__).resolve().parent.parent
CLOCK = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
PASSPHRASE = "screenshot passphrase 1"


async def settle(pilot: Any, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for widget in pilot.app.screen.query("Input"):
        widget.cursor_blink = False
    await pilot.pause()
    # Then until two frames in a row agree: a DataTable sizes its columns on a refresh after its rows arrive, and
    # one screenshot of the Measurements screen once caught the columns still as wide as their headers.
    previous = None
    for _ in range(40):
        current = pilot.app.export_screenshot()
        if current == previous:
            break
        previous = current
        await pilot.pause(0.05)


async def main_screens(output: Path, only: set[str]) -> list[Path]:
    from companion.tui.app import make_app
    from companion.tui.screens import MAIN_SCREENS

    written = []
    for item in MAIN_SCREENS:
        if only and item.id not in only:
            continue
        app = make_app(demo=True, clock=CLOCK, demo_years=2)
        app.context.extras["no_services"] = True
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_show(item.id)
            await settle(pilot)
            path = output / f"{item.id}.svg"
            app.save_screenshot(str(path))
            written.append(path)
    return written


Step = Callable[[Any], Awaitable[None]]


async def onboarding_steps(output: Path, only: set[str]) -> list[Path]:
    from textual.widgets import Checkbox, Input, Select

    from companion.tui.app import make_app

    async def press(pilot: Any, selector: str) -> None:
        pilot.app.screen.query_one(selector).focus()
        await pilot.press("enter")
        await settle(pilot)

    async def fill(pilot: Any, selector: str, value: str) -> None:
        pilot.app.screen.query_one(selector, Input).value = value
        await pilot.pause()

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(home=Path(tmp) / "home", clock=CLOCK)
        app.context.extras["no_services"] = True

        async def shot(name: str) -> None:
            if not only or f"onboarding-{name}" in only:
                path = output / f"onboarding-{name}.svg"
                app.save_screenshot(str(path))
                written.append(path)

        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await shot("language")
            await press(pilot, "#language-next")
            await fill(pilot, "#birth-date", "1980-04-23")
            await shot("age")
            await press(pilot, "#age-next")
            await shot("notice")
            await press(pilot, "#notice-accept")
            app.screen.query_one("#health-consent", Checkbox).value = True
            await settle(pilot)
            await shot("health")
            await press(pilot, "#health-next")
            app.screen.query_one("#consent-location", Checkbox).value = True
            await settle(pilot)
            await shot("optional")
            await press(pilot, "#optional-next")
            await fill(pilot, "#name", "Ann Example")
            app.screen.query_one("#sex", Select).value = "female"
            await fill(pilot, "#height", "168")
            await fill(pilot, "#email", "ann@example")
            await press(pilot, "#profile-next")
            await shot("profile")
            await fill(pilot, "#email", "ann@example.org")
            await press(pilot, "#profile-next")
            await fill(pilot, "#passphrase", "correct horse battery")
            await fill(pilot, "#passphrase2", "correct horse battery")
            await settle(pilot)
            await shot("passphrase")
            app.screen.go("step-refused")
            await settle(pilot)
            await shot("refused")
    return written


async def dialogs(output: Path, only: set[str]) -> list[Path]:
    from companion.domain import Profile, Sex
    from companion.onboarding import OnboardingAnswers, complete_onboarding
    from companion.store import DB_FILE
    from companion.tui.app import make_app

    written = []
    home = (
        Path(tempfile.gettempdir()) / "companion-screenshots" / "home"
    )  # a fixed path: it shows in a dialog
    shutil.rmtree(home.parent, ignore_errors=True)
    try:
        answers = OnboardingAnswers(
            Profile("Ann Example", Sex.FEMALE, datetime(1980, 4, 23).date(), 168.0),
            True,
            frozenset(),
            "1.0",
            PASSPHRASE,
        )
        complete_onboarding(home, answers, CLOCK).close()
        os.environ.pop("COMPANION_PASSPHRASE", None)
        for name, breaker in (("unlock", None), ("store-problem", "corrupt")):
            if only and name not in only:
                continue
            if breaker == "corrupt":
                data = bytearray((home / DB_FILE).read_bytes())
                data[:64] = b"\0" * 64
                (home / DB_FILE).write_bytes(bytes(data))
                os.environ["COMPANION_PASSPHRASE"] = PASSPHRASE
            app = make_app(home=home, clock=CLOCK)
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot, rounds=6)
                path = output / f"{name}.svg"
                app.save_screenshot(str(path))
                written.append(path)
    finally:
        os.environ.pop("COMPANION_PASSPHRASE", None)
        shutil.rmtree(home.parent, ignore_errors=True)
    return written


async def run(output: Path, only: set[str]) -> list[Path]:
    set_language("en")
    output.mkdir(parents=True, exist_ok=True)
    written = await main_screens(output, only)
    written += await onboarding_steps(output, only)
    written += await dialogs(output, only)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="screen ids / onboarding-STEP names")
    args = parser.parse_args()
    written = asyncio.run(run(args.output, set(args.only)))
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
