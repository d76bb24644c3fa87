"""``generate`` (to be written)."""


def add_parser(sub):
    p = sub.add_parser("generate", help="(not yet written)")
    p.set_defaults(run=run)


def run(args):
    raise NotImplementedError("generate")
