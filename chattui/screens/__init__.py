"""The app's screens. The dialogs' styles (screens.tcss) are loaded by Textual when the first
of them opens, not with the app's first frame (issue #19: start-up)."""

from pathlib import Path

DIALOG_CSS = str(Path(__file__).resolve().parent.parent / "screens.tcss")
"""`CSS_PATH` of every dialog screen: Textual reads a screen's CSS once, the first time one
with it is shown."""
