"""``python -m tests.model_factory.real_size [NAME ...]``: build (or find) twins, print folders.

Names: captioner, bark, vits, chat, nllb (nllb needs ~16 GB of RAM), marian (the fast
translator), phi3 (Phi-3.5-mini, 7.6 GB on disk, ~8 GB of RAM). Default: all but nllb and phi3.
"""

from __future__ import annotations

import argparse
import time

from tests.model_factory.real_size import DEFAULT, TWINS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(TWINS))
    names = parser.parse_args().names or DEFAULT
    unknown = sorted(set(names) - set(TWINS))
    if unknown:
        parser.error(f"no twin named {', '.join(unknown)}: choose from {', '.join(TWINS)}")
    for name in names:
        start = time.perf_counter()
        folder = TWINS[name]()
        print(f"{name:10} {folder}  ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
