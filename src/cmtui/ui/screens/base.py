"""What the app's full screens share."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp


class CmtuiScreen(Screen[None]):
    """A full screen of the cmtui app."""

    @property
    def cmtui(self) -> CmtuiApp:
        """The app, typed: its store, config and shared actions."""
        return cast("CmtuiApp", self.app)
