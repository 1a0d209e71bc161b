"""The generator's phrase tables, read from the JSON files of ``generator_data`` and checked.

Phrasings are data, so that a new family of them is a data change. Each ``*.json`` file of
the folder is an object of named tables (a name is unique across files) in which

* a list is a set of options, each a string or ``[string, weight]``, the weight a whole
  number. An option is expanded in place into ``weight`` copies, so that ``rng.choice`` over
  the expanded tuple draws as it did when options were repeated in code;
* an object maps names to tables, strings or positive numbers (weights, shares);
  ``{"why": ..., "options": [...]}`` is the list with a note;
* ``"why"`` is a note for the reader, dropped on reading.

A file is refused, with its name and the entry, for a weight that is not a positive number,
an option listed twice (give it a weight instead) or a ``{SLOT}`` that is neither a text slot
of ``TEXT_SLOTS`` nor one the code fills in.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Callable, Collection

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

DATA = files(__package__) / "generator_data"
# {NAME} or {NAME:preposition}, the preposition only for a mention slot (a place or a person).
SLOT = re.compile(r"\{([A-Za-z][A-Za-z_]*[0-9]?)(?::([^{}]*))?\}")
TEXT_SLOTS = "TEXT_SLOTS"
NOTE = "why"

Check = Callable[[str, str], None]


def load_tables(
    code_slots: Collection[str], mention_slots: Collection[str], folder: Traversable = DATA
) -> dict[str, Any]:
    """Every table of ``folder`` by name, options expanded and notes dropped, each entry checked.

    ``code_slots`` are the slots the code fills in (mentions, numbers, the core…), and
    ``mention_slots`` those of them that may take a preposition.
    """
    raw = {entry.name: _parse(entry) for entry in folder.iterdir() if entry.name.endswith(".json")}
    known = set(code_slots)
    for file, content in raw.items():
        for slot in content.get(TEXT_SLOTS, {}):
            if slot != NOTE and not SLOT.fullmatch(f"{{{slot}}}"):
                raise ValueError(f"{file}: {TEXT_SLOTS}.{slot}: not a name a template could use as a slot")
            known.add(slot)

    def check(text: str, where: str) -> None:
        for match in SLOT.finditer(text):
            slot, preposition = match.groups()
            if slot not in known:
                raise ValueError(f"{where}: unknown slot {{{slot}}} in {text!r}")
            if preposition is not None and slot not in mention_slots:
                raise ValueError(f"{where}: {{{slot}:{preposition}}} but only a place or a person takes a preposition")

    tables: dict[str, Any] = {}
    source: dict[str, str] = {}
    for file in sorted(raw):
        for name, table in raw[file].items():
            if name == NOTE:
                continue
            if name in tables:
                raise ValueError(f"{file}: {name}: a table already read from {source[name]}")
            tables[name], source[name] = _read(table, f"{file}: {name}", check), file
    return tables


def _parse(entry: Traversable) -> dict[str, Any]:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if repeated := sorted({key for key in keys if keys.count(key) > 1}):
            raise ValueError(f"{entry.name}: {repeated} given twice in one object")
        return dict(pairs)

    try:
        content = json.loads(entry.read_text(encoding="utf-8"), object_pairs_hook=unique)
    except json.JSONDecodeError as error:
        raise ValueError(f"{entry.name}: {error}") from error
    if not isinstance(content, dict):
        raise ValueError(f"{entry.name}: not an object of named tables")
    return content


def _read(value: Any, where: str, check: Check) -> Any:
    if isinstance(value, list):
        return _options(value, where, check)
    if isinstance(value, dict):
        if "options" in value:
            if extra := sorted(set(value) - {"options", NOTE}):
                raise ValueError(f"{where}: {extra} beside the options, where only a note ({NOTE!r}) may be")
            return _options(value["options"], where, check)
        return {key: _read(item, f"{where}.{key}", check) for key, item in value.items() if key != NOTE}
    if isinstance(value, str):
        check(value, where)
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError(f"{where}: {value!r} is neither a table, a string nor a positive number")


def _options(options: Any, where: str, check: Check) -> tuple[str, ...]:
    if not isinstance(options, list) or not options:
        raise ValueError(f"{where}: options must be a non-empty list")
    expanded: list[str] = []
    seen: set[str] = set()
    for i, option in enumerate(options):
        at = f"{where}[{i}]"
        match option:
            case str() as text:
                weight = 1
            case [str() as text, int() as weight] if not isinstance(weight, bool) and weight > 0:
                pass
            case _:
                raise ValueError(f"{at}: {option!r} is neither a string nor [string, positive whole weight]")
        if text in seen:
            raise ValueError(f"{at}: {text!r} listed twice; give it a weight instead")
        seen.add(text)
        check(text, at)
        expanded += [text] * weight
    return tuple(expanded)
