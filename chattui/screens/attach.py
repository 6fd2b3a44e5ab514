"""Attaching images from the chat screen: `/image PATH_OR_URL` in the composer, or the
palette's "Attach image…", which starts that command in the composer.

A mixin of MainScreen (kept apart so the screen stays small): the file is read and hashed
by core.attachments; a bad path or URL is said in the status bar and the draft stays.
"""

from __future__ import annotations

from chattui.core import attachments as images
from chattui.widgets.attachment_tray import AttachmentTray
from chattui.widgets.composer import Composer
from chattui.screens.chat_host import ChatScreenHost


class AttachImages(ChatScreenHost):
    def attach_image(self, ref: str) -> bool:
        """Add `ref` to the images of the next message; False (and why, in the status bar)
        when it cannot be attached."""
        try:
            attachment = images.attach(ref, self.session.image_detail, self.app.cwd)
        except images.AttachmentError as exc:
            self._bar().warn(f"⚠ {exc}")
            return False
        self.query_one(Composer).clear()
        self.query_one(AttachmentTray).add(attachment)
        self._bar().turn = f"{attachment.label} attached: it goes with your next message"
        self._show_estimate()  # the draft's estimate counts its images
        return True

    def action_attach_image(self) -> None:
        """Start `/image ` in the composer for the user to complete."""
        composer = self.query_one(Composer)
        composer.text = images.COMMAND + " "
        composer.move_cursor(composer.document.end)
        composer.focus()
