"""``python -m wavecraft_build.engine``: the engine process (see ``engine.control``)."""

import sys

from wavecraft_build.engine.control import main

sys.exit(main())
