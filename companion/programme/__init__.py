"""The programme day to day (pure logic, no I/O except ``notify``): goals with target dates, body (tape)
measurements and their ratios, the medication log with injection-site rotation, water and the diet stages
after placement, daily check-ins with the clinic's warning signs, reminders and progress photos.

The store keeps the records (``companion.store.programme``); the CLI (``companion.cli.log`` and friends) and
the TUI (``companion.tui.screens.programme``) use the same validation from here, so a refused value is refused
with the same message everywhere.
"""
