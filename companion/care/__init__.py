"""Care team: the progress report for the clinic (PDF in the clinic conversation) and support requests.

Headless (no Textual): the dashboard, the Support dialog and ``companion support`` all call these modules.
"""
