"""Trends and progress (pure): outcome figures, changes, the trend line, downsampling, ranges and chart geometry.

Nothing here imports Textual or runs SQL; ``companion.trends.data`` reads through the store's repositories.
"""
