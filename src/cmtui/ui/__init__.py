"""The Textual app: the only part of cmtui that imports textual.

Entry point: `cmtui.ui.app.make_app(config, db_path)`. Screens and widgets stay thin: they read and
write through `Store` and `triage`, never SQL or HTTP, and render everything that came from a feed as
plain text (`rich.text.Text` / `Content` parts), never as markup.
"""
