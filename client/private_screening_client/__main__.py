import sys

from private_screening_client.cli import main

sys.exit(main())
