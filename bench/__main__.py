"""`python -m bench`: the benchmark table (options: `python -m bench --help`);
`python -m bench import`: the import benchmark alone (`python -m bench import --help`)."""

import sys

if sys.argv[1:2] == ["import"]:
    from bench.import_speed import main as import_main

    sys.exit(import_main(sys.argv[2:]))

from bench.run import main

sys.exit(main())
