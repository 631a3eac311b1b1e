"""argparse types shared by the tools (standard library only, so any script can import it)."""

import argparse


def name_list(choices):
    """argparse type for comma-separated names out of `choices`, each once, in the order given."""
    def parse(text):
        names = list(dict.fromkeys(v.strip() for v in text.split(",")))
        bad = [n for n in names if n not in choices]
        if bad or not names:
            raise argparse.ArgumentTypeError(f"expected comma-separated names out of {', '.join(choices)}, "
                                             f"got {text!r}")
        return names
    return parse
