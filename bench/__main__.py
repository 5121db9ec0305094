"""`python -m bench`: the benchmark table (options: `python -m bench --help`);
`python -m bench import`: the import benchmark alone (`python -m bench import --help`);
`python -m bench load`: browser sessions exploring while the nightly import runs (`python -m bench load --help`);
`python -m bench cold`: a fresh `streamlit run` to the overview drawn (`python -m bench cold --help`)."""

import sys

if sys.argv[1:2] == ["import"]:
    from bench.import_speed import main as import_main

    sys.exit(import_main(sys.argv[2:]))
if sys.argv[1:2] == ["cold"]:
    from bench.cold_start import main as cold_main

    sys.exit(cold_main(sys.argv[2:]))
if sys.argv[1:2] == ["load"]:
    from bench.load import main as load_main

    sys.exit(load_main(sys.argv[2:]))

from bench.run import main

sys.exit(main())
