"""A prepared export offered for download, as the customer list and the overview's comparison
show it: what was replaced or cut to fit the format, then the download button."""

from __future__ import annotations

from segmentation.texts import text

MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def offer(container, prepared: tuple, lang: str, total: int, key: str) -> None:
    """Draw in `container` the notes of `prepared` (request, payload, file name, format, notes)
    and its download button, keyed `key`."""
    _, payload, filename, fmt, notes = prepared
    if notes.replaced:
        container.info(text("export_replaced_note", lang, n=notes.replaced))
    if notes.cut:
        container.warning(text("export_cut_note", lang, n=len(notes.cut)))
    container.download_button(text("export_button", lang, n=total), payload, file_name=filename,
                              mime=MIME.get(fmt, MIME["xlsx"]), key=key, type="primary", icon=":material/download:")
