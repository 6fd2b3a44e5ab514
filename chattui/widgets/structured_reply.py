"""A structured reply (a persona with a `response_format` schema): folded to one line,
`▸ {…} 3 keys · valid`, unfolded to highlighted, indented JSON. A reply that does not
conform says so on that line and lists why when unfolded; one that is not JSON at all is
shown unfolded, as its text. A click (or ctrl+f on the latest, key id toggle-thinking) folds and unfolds it.
The reply is the model's: always shown literally (highlighting adds colour, never markup)."""

from __future__ import annotations

from textual.content import Content

from chattui.core.structured import Checked
from chattui.widgets.foldable import Foldable
from chattui.widgets.plain import plain, visible


class StructuredReply(Foldable):
    """One structured reply, checked against its schema (core.structured.check)."""

    def __init__(self, checked: Checked) -> None:
        super().__init__("", classes="-valid" if checked.valid else "-invalid")
        self.checked = checked
        self.folded = checked.is_json  # prose is read as is: nothing to fold

    def summary(self) -> str:
        """The folded line, without its marker."""
        return self.checked.summary()

    def _show(self) -> None:
        style = "bold" if self.checked.valid else "bold $text-error"
        parts = [Content.styled(visible(self.marker() + self.summary()), style)]
        if not self.folded:
            for error in self.checked.errors:
                parts.append(Content.styled("\n  ✗ " + visible(error), "$text-error"))
            body = visible(self.checked.pretty())
            parts.append(Content("\n"))
            from textual.highlight import highlight  # pygments: not for the first frame

            parts.append(highlight(body, language="json") if self.checked.is_json else plain(body))
        self.update(Content.assemble(*parts))
