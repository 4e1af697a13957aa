"""The worker protocol is named once on each side and the two agree: web/protocol.js (read by
Node) and legenda/protocol.py; every reply Python builds has exactly its declared fields; no
other file of the page or the package spells a message type as a string of its own."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from legenda import protocol

ROOT = Path(__file__).resolve().parents[3]
EXPORT = (
    "import('./web/protocol.js').then((p) => "
    "console.log(JSON.stringify({TYPE: p.TYPE, MESSAGES: p.MESSAGES})))"
)


def js_protocol() -> dict[str, Any]:
    out = subprocess.run(
        ["node", "--input-type=module", "-e", EXPORT], cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=60,
    )
    return json.loads(out.stdout)


def python_types() -> dict[str, str]:
    return {name: value for name, value in vars(protocol).items()
            if name.isupper() and isinstance(value, str)}


def test_both_sides_name_the_same_types_and_fields() -> None:
    js = js_protocol()
    assert js["TYPE"] == python_types()
    assert js["MESSAGES"] == protocol.MESSAGES
    assert set(protocol.MESSAGES) == set(python_types().values())


def fields(message: dict[str, Any]) -> set[str]:
    return set(message) - {"type"}


def declared(kind: str) -> tuple[set[str], set[str]]:
    """The message's fields: (required, optional)."""
    names = protocol.MESSAGES[kind]["fields"]
    return ({n for n in names if not n.endswith("?")}, {n.rstrip("?") for n in names})


def test_each_reply_python_builds_has_its_declared_fields() -> None:
    failure = {"code": "runtime-failed", "key": "unexpected", "params": {}}
    built = [
        protocol.settings({}, [], [], []),
        protocol.stage("ready"),
        protocol.stage("model", {"role": "captioning"}, jobId="job-1"),
        protocol.result("job-1", "item-1", "a cat", "um gato", "pt"),
        protocol.item_error("job-1", "item-1", failure),
        protocol.item_error("job-1", "item-1", failure, caption="a cat"),
        protocol.done("job-1"),
        protocol.fatal(failure),
        protocol.notice("job-1", "m", "dtype-fallback", {}),
        protocol.piece("job-1", "m", "Era", None),
        protocol.generated("job-1", "m", "Era", None, False),
        protocol.generated("job-1", "m", "Era", None, True, {"tokensAtInterrupt": 3}),
        protocol.generation_error("job-1", failure, "m"),
        protocol.reset_done(),
    ]
    for message in built:
        required, allowed = declared(message["type"])
        assert protocol.MESSAGES[message["type"]]["from"] == "web-worker"
        assert required <= fields(message) <= allowed, message


TYPE_LITERAL = re.compile(
    r"""(?:type['"]?\s*(?:[:=]|===|==)\s*|case\s+|kind\s*==\s*)['"]([a-z-]+)['"]"""
)


def test_no_other_file_spells_a_message_type() -> None:
    types = set(python_types().values())
    files = [*ROOT.glob("web/*.js"), *ROOT.glob("web/ui/*.js"), *ROOT.glob("web/py/legenda/*.py")]
    spelled = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in files
        if path.name not in ("protocol.js", "protocol.py")
        and (found := set(TYPE_LITERAL.findall(path.read_text(encoding="utf-8"))) & types)
    }
    assert spelled == {}
