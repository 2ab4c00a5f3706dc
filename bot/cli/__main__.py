"""`python -m bot.cli`: the `steward` command."""

from bot.cli.main import main

raise SystemExit(main())
