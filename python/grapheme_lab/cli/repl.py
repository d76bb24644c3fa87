"""``repl`` (to be written)."""


def add_parser(sub):
    p = sub.add_parser("repl", help="(not yet written)")
    p.set_defaults(run=run)


def run(args):
    raise NotImplementedError("repl")
