"""One module per ``quizlib`` subcommand: ``add_parser(subparsers)`` and ``run(args)``."""
