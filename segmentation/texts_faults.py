"""The text catalogue's part for faults of the database file (`errors.DatabaseFault`) and the
contact drafts that keep a typed contact through them.

`texts.TEXTS` includes every entry of `FAULT_TEXTS`; look texts up with `texts.text(key, lang)`
as for any other. Each fault is one sentence that names the file (`{path}`) and says what to do.
"""

FAULT_TEXTS: dict[str, dict[str, str]] = {
    "db_fault_open": {
        "ja": "{path} を開けません（{reason}）。ファイルを確かめてからもう一度お試しください。",
        "en": "{path} cannot be opened ({reason}); check the file and try again.",
    },
    "db_fault_busy": {
        "ja": "{path} は別の処理（取り込みなど）が書き込み中です。少し待ってからもう一度お試しください。",
        "en": "{path} is in use by another program that is writing to it; try again in a moment.",
    },
    "db_fault_read_only": {
        "ja": "{path} は読み取り専用のため（ファイルかそのフォルダーに書き込めません）、何も保存していません。"
              "このプログラムが書き込めるようにするか、書き込める場所へコピーして使ってください。",
        "en": "{path} is read-only (the file or its folder cannot be written), so nothing was saved; "
              "let this program write to both, or use a copy in a writable folder.",
    },
    "db_fault_no_access": {
        "ja": "{path} を読む権限がありません。このプログラムがファイルを読めるようにしてください。",
        "en": "{path} cannot be read by this program (permission denied); give it read access to the file.",
    },
    "db_fault_corrupt": {
        "ja": "{path} は壊れているか、データベースのファイルではありません。別の場所へ移し、"
              "バックアップを同じ場所へ復元してください（segmentation restore）。",
        "en": "{path} is damaged or is not a database file; move it aside and restore a backup in its place "
              "('segmentation restore').",
    },
    "db_fault_newer": {
        "ja": "{path} はこのプログラムより新しい版で作られています（スキーマ {version}、このプログラムは {known} まで）。"
              "プログラムを更新してください。",
        "en": "{path} is at schema version {version}, newer than this program knows ({known}); update the program.",
    },
    "db_fault_newer_duckdb": {
        "ja": "{path} はこのプログラムが使う DuckDB より新しい版で書かれています。プログラムを更新してください。",
        "en": "{path} was written by a newer version of DuckDB than this program uses; update the program.",
    },
    "db_fault_missing": {
        "ja": "{path} にデータベースがありません。データページか segmentation sample / segmentation import で作ってください。",
        "en": "No database at {path}; create one on the Data page or with 'segmentation sample' or "
              "'segmentation import'.",
    },
    "db_fault_no_folder": {
        "ja": "フォルダー {folder} がないため {path} を作れません。フォルダーを作るか、別の場所を指定してください。",
        "en": "The folder {folder} does not exist, so {path} cannot be created; create the folder or give another "
              "path.",
    },
    "db_fault_full": {
        "ja": "ディスクがいっぱいのため {path} に書き込めず、何も保存していません。ディスクに空きを作ってからもう一度お試しください。",
        "en": "The disk is full, so {path} could not be written and nothing was saved; free some space on the disk "
              "and try again.",
    },
    # The contact form's draft (customers.log_contact writes it before the contact itself)
    "contact_draft_restored": {
        "ja": "保存されていなかった接触記録を復元しました。内容を確かめて保存してください。",
        "en": "An unsaved contact was restored; check it and save it.",
    },
    "contact_draft_discard": {"ja": "復元した記録を破棄", "en": "Discard the restored contact"},
}
