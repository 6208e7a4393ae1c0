"""One module per `performer` subcommand: add_parser(subparsers) and run(args)."""
