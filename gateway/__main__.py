"""`python -m gateway`: the same as the `enovia-gateway` console script."""

from gateway.cli import main

raise SystemExit(main())
