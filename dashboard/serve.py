"""`python -m dashboard.serve [streamlit run options]`: `streamlit run app.py`, with the dashboard
made ready while the server starts. `make run` and the tests' servers use it.

A server started with `streamlit run app.py` does nothing until the first browser connects;
then that browser waits while app.py imports the dashboard (pandas, Altair, DuckDB) and opens
the analysis of the database. Here the same work starts in a thread the moment the process
starts, beside the server's own start and the browser loading the page's scripts, so the first
page mostly finds it done; then it computes the overview for the view a fresh session starts
with, so the first page finds those answers in the cache too. The work is the app's own (the
same modules, the same `dashboard.data` opening the same analysis, the same cached calls);
anything that fails here is left for the page to meet and report as it would without this.
Plain `streamlit run app.py` still works: its first page is only slower.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"


def _wait_until_listening(seconds: float = 30.0) -> None:
    """Until the server accepts connections (or `seconds` passed): the browser's first request
    for the page is then answered at once, and the work here overlaps the browser loading the
    page's scripts instead of delaying the server's start."""
    import socket
    import time

    from streamlit import config, runtime

    deadline = time.monotonic() + seconds
    # The command line's --server.port and --server.address are in `config` only once Streamlit
    # has read them, which it does before it makes its Runtime: reading them sooner can give the
    # port of .streamlit/config.toml and wait here for a server that is not there.
    while not runtime.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    address = config.get_option("server.address") or "127.0.0.1"
    address = "127.0.0.1" if address in ("0.0.0.0", "::", "") else address
    port = int(config.get_option("server.port"))
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)


def prepare(path: Path) -> None:
    """Open the analysis of `path` and compute the overview for the view a fresh session starts
    with (`sidebar.first_view`), through the app's own cached calls: the first page after a
    start then finds its answers in the cache, or being computed (it waits for them). The answers
    are kept beside the database (`segmentation/kept_answers.py`): the next start on the same
    data reads them back instead of computing them."""
    from dashboard import preload

    opening = preload.start(path)  # in a thread of its own (DuckDB, beside the imports that follow)
    # The modules app.py and the overview import, so that the first run does not import them.
    from dashboard import actions, auth, charts, compare_view, overview, shell, sidebar, tables  # noqa: F401

    _import_lazy_modules()  # while the analysis is still being opened
    analysis = opening.result() if opening is not None else None
    if analysis is None:
        return
    from dashboard import data

    kept = data.read_kept_answers(analysis)  # those of the last start, when the data is unchanged
    with data.recording() as answers:
        overview.figures(analysis, sidebar.first_view(analysis))
    if set(answers) != kept:  # something was computed: keep this start's answers for the next
        data.keep_answers(analysis, answers)


def _import_lazy_modules() -> None:
    """What the libraries import only when first used, and every first page uses: the emoji
    table Streamlit reads for page titles that are not ASCII (Japanese ones), Arrow's pandas
    conversion (every table and chart sent) and the data frame layer Altair reads frames with."""
    import altair as alt
    import pandas as pd
    import pyarrow as pa

    import streamlit.emojis  # noqa: F401 - 0.1 s, imported by the first st.Page with a Japanese title

    frame = pd.DataFrame({"x": [1]})
    pa.Table.from_pandas(frame)
    alt.Chart(frame).mark_point().encode(x="x:Q").to_dict(validate=False)


def _ready_ahead() -> None:
    try:
        _wait_until_listening()
        from dashboard.preload import db_path

        prepare(db_path())
    except Exception:  # noqa: BLE001 - the first page does the same and reports what failed
        pass


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli  # Streamlit's own modules first, here: the thread then imports the app's

    threading.Thread(target=_ready_ahead, daemon=True, name="dashboard-ready-ahead").start()
    cli.main(args=["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
