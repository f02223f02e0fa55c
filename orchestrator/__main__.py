"""``python -m orchestrator`` is ``eastwest``."""

from orchestrator.cli import main

main()
