"""A free address text -> the 2025 ward or commune of the directory (issue 13 §6).

Citizens still write the pre-2025 units ("phường Hàng Trống, quận Hoàn Kiếm") as often as the
new ones ("phường Hoàn Kiếm, Hà Nội"), with or without diacritics, abbreviated ("P. Hàng
Trống, Q. Hoàn Kiếm") and after a street address. Parsing and the old -> new conversion are
the maintained ``vietnam-address-converter`` package's (its own table, from the official
mapping of the 2025 reorganisation); nothing of that table is written here. This module only
says which of *our* units the package's answer is, and how it was found:

- The package keys its units by codes of its own; our units are ``vietnam-provinces``' codes
  (``service.directory.seed``). Both name the 2025 units the same, so a unit is matched by
  its folded full name ("phuong hoan kiem") within the province, once, when the tables load.
- Only the wards and communes of the directory's province (Hanoi, ``reference_data.HANOI``)
  count: an address elsewhere is ``outside``, never some unit of another province.
- A text that names no province is read again with the province's name after it: a Hanoi
  service reads "phường Dịch Vọng, quận Cầu Giấy" as an address in Hanoi.
- An old ward split between several new ones (Đội Cấn -> Ba Đình or Ngọc Hà), or an old
  district alone, is ``ambiguous`` with the candidates: the citizen or the officer chooses.
  The package has no street-level data to split a ward by street, so no rule guesses one.

The package builds its search indexes on first use (about 8 s of CPU, 60 MB), so they are
built once per process (``functools.cache``) and, from async code, in a worker thread
(``resolve_address_async``) so the event loop keeps serving meanwhile; a call after that
takes well under a millisecond.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any

import anyio.to_thread
from vietnam_provinces import Province, Ward

from service.directory.reference_data import HANOI, nfc

MAX_ADDRESS_LENGTH = 500  # as ``PetitionCreate.address_text``
# Ask the package for every candidate (its default picks the first of a split ward).
_CONVERT_OPTIONS = {"multiple": "all"}


@cache
def _package() -> Any:
    """The package, imported on first use: its data module parses 10 MB of JSON (0.4 s,
    45 MB), which a process that never resolves an address should not pay at import."""
    import vietnam_address_converter.data
    import vietnam_address_converter.text

    return vietnam_address_converter


def _data() -> dict[str, Any]:
    data: dict[str, Any] = _package().data.DEFAULT_DATA
    return data


def convert_address_text(text: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The package's parse and old -> new conversion of ``text`` (its own default data, so
    its cached indexes are used)."""
    result: dict[str, Any] = _package().text.convert_address_text(text, dict(options))
    return result


class AddressRule(StrEnum):
    """How the unit was found (stored on the petition as ``address_rule``)."""

    new_name = "new_name"  # the text names a 2025 ward/commune
    old_ward_converted = "old_ward_converted"  # an old ward with its district, one new unit
    old_ward_without_district = "old_ward_without_district"  # an old ward, district unsaid
    old_district_converted = "old_district_converted"  # an old district now a single unit
    old_ward_split = "old_ward_split"  # (ambiguous only) an old ward split between several
    old_district_split = "old_district_split"  # (ambiguous only) an old district alone


class AddressOutcome(StrEnum):
    resolved = "resolved"
    ambiguous = "ambiguous"  # several units: ``candidates``
    outside = "outside"  # a unit of another province
    unresolved = "unresolved"  # no ward or commune in the text


@dataclass(frozen=True, slots=True)
class AddressCandidate:
    code: str  # our unit code (``admin_unit.code``)
    name: str  # its Vietnamese name, NFC ("Phường Ba Đình")


@dataclass(frozen=True, slots=True)
class AddressResolution:
    outcome: AddressOutcome
    unit: AddressCandidate | None = None
    rule: AddressRule | None = None
    candidates: tuple[AddressCandidate, ...] = ()
    # The text left after the administrative part (the street address), if any.
    street: str | None = None
    # The text named no province; the directory's was assumed.
    province_assumed: bool = False

    @property
    def resolved(self) -> bool:
        return self.outcome == AddressOutcome.resolved


UNRESOLVED = AddressResolution(AddressOutcome.unresolved)


def fold(name: str) -> str:
    """A unit's name without case, diacritics or punctuation: "Phường Văn Miếu-Quốc Tử
    Giám" -> "phuong van mieu quoc tu giam" (both packages spell the names alike)."""
    decomposed = unicodedata.normalize("NFD", name.lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^a-z0-9]+", " ", bare.replace("đ", "d")).strip()


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """One province's side of the package's data, keyed by the package's codes."""

    province_code: str  # ours ("01")
    province_name: str  # "Thành phố Hà Nội"
    converter_province_code: str  # the package's ("11")
    # The package's codes of the pre-2025 provinces now in ours (Hanoi took in none: its own).
    converter_old_province_codes: frozenset[str]
    units: Mapping[str, AddressCandidate]  # the package's ward code -> our unit


@cache
def jurisdiction(province_code: str = HANOI) -> Jurisdiction:
    """Our province's units under the package's codes, matched once by folded name. A unit
    the package does not know (or the reverse) is simply not resolvable by address."""
    province = next(p for p in Province.iter_all() if f"{int(p.code):02d}" == province_code)
    converter_code = next(
        code
        for code, record in _data()["newProvinces"].items()
        if fold(record["name_with_type"]) == fold(province.name)
    )
    ours = {
        fold(ward.name): AddressCandidate(f"{int(ward.code):05d}", nfc(ward.name))
        for ward in Ward.iter_all()
        if int(ward.province_code) == int(province.code)
    }
    units = {
        code: ours[fold(record["name_with_type"])]
        for code, record in _data()["newWards"].items()
        if record.get("parent_code") == converter_code and fold(record["name_with_type"]) in ours
    }
    old_codes = frozenset(
        row["old"]["province_code"]
        for row in _data()["mapping"]["rows"]
        if row["new"].get("province_code") == converter_code
    )
    return Jurisdiction(province_code, nfc(province.name), converter_code, old_codes, units)


_warm = threading.Lock()
_warmed = False


def warm_up(province_code: str = HANOI) -> None:
    """Builds the package's indexes and our unit table (once per process; a second caller
    waits for the first instead of building them again)."""
    global _warmed
    if _warmed:
        return
    with _warm:
        if not _warmed:
            jurisdiction(province_code)
            convert_address_text(jurisdiction(province_code).province_name, _CONVERT_OPTIONS)
            _warmed = True


def preload_address_tables() -> None:
    """``warm_up`` in a daemon thread (``GIAMSAT_ADDRESS_PRELOAD``): the server answers
    meanwhile, and an address filed before it ends waits for it in ``warm_up``'s lock."""
    threading.Thread(target=warm_up, name="address-tables", daemon=True).start()


def resolve_address(text: str | None, province_code: str = HANOI) -> AddressResolution:
    """The 2025 ward or commune of ``province_code`` that ``text`` names (old or new format),
    the candidates when it could be several, or why there is none."""
    if text is None:
        return UNRESOLVED
    text = nfc(text).strip()[:MAX_ADDRESS_LENGTH]
    if not any(ch.isalpha() for ch in text):
        return UNRESOLVED
    warm_up(province_code)
    place = jurisdiction(province_code)
    first = convert_address_text(text, _CONVERT_OPTIONS) if _may_name_a_province(text) else {}
    named_province = (first.get("parsed") or {}).get("province_code")
    if not named_province:
        # No province in the text: read it as an address in ours.
        second = convert_address_text(f"{text}, {place.province_name}", _CONVERT_OPTIONS)
        resolution = _interpret(second, place)
        return replace(resolution, province_assumed=True)
    resolution = _interpret(first, place)
    if resolution.outcome == AddressOutcome.unresolved and str(named_province) not in (
        place.converter_old_province_codes | {place.converter_province_code}
    ):
        return AddressResolution(AddressOutcome.outside)  # another province, no ward of ours
    return resolution


@cache
def _province_names() -> re.Pattern[str]:
    """Every province's folded name, old and new, from the package's data."""
    names = {
        fold(record[key])
        for table in ("newProvinces", "oldProvinces")
        for record in _data()[table].values()
        for key in ("name", "name_with_type")
        if record.get(key)
    }
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b")


def _may_name_a_province(text: str) -> bool:
    """A quick look before the package's parse: a text with no province's name in it goes
    straight to the reading with ours appended (the package's parse of a text without a
    province is its slow path, tens of milliseconds)."""
    return _province_names().search(fold(text)) is not None


async def resolve_address_async(text: str | None, province_code: str = HANOI) -> AddressResolution:
    """``resolve_address`` off the event loop (the first call builds the tables)."""
    if text is None:
        return UNRESOLVED
    return await anyio.to_thread.run_sync(resolve_address, text, province_code)


def _ward_code(record: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(the package's ward code, its province code) of a ``new_ward`` record."""
    if not record:
        return None, None
    return record.get("code"), record.get("parent_code")


def _interpret(result: Mapping[str, Any], place: Jurisdiction) -> AddressResolution:
    """The package's answer (``convert_address_text``) in our units and rules."""
    street = (result.get("street_address") or "").strip(" ,") or None
    conversion = result.get("conversion") or {}
    if result.get("input_type") == "new":
        ward = (result.get("converted") or {}).get("ward")
        if not _names_old_district(result, ward):
            return _single(_ward_code(ward), place, AddressRule.new_name, street)
        # "quận Hoàn Kiếm", or a bare "Hoàn Kiếm": the old district (now four wards), which
        # the package would read as the new ward of the same name.
        result = {**result, "input_type": "old", "match_level": "province_district_name"}
    if result.get("input_type") != "old" or conversion.get("status") not in {
        "matched",
        "ambiguous",
    }:
        return UNRESOLVED
    level = result.get("match_level")
    found = [_ward_code(candidate.get("new_ward")) for candidate in conversion["candidates"]]
    if len(found) == 1:
        rule = {
            "province_district_ward_name": AddressRule.old_ward_converted,
            "province_ward_name": AddressRule.old_ward_without_district,
            "province_district_name": AddressRule.old_district_converted,
        }.get(str(level))
        if rule is None:
            return UNRESOLVED
        return _single(found[0], place, rule, street)
    inside = [place.units[code] for code, _ in found if code is not None and code in place.units]
    if not inside:
        outside = any(parent and parent != place.converter_province_code for _, parent in found)
        return AddressResolution(AddressOutcome.outside) if outside else UNRESOLVED
    candidates = tuple(dict.fromkeys(inside))  # in the package's order, once each
    rule = (
        AddressRule.old_district_split
        if level == "province_district_name"
        else AddressRule.old_ward_split
    )
    if len(candidates) == 1:
        return AddressResolution(
            AddressOutcome.resolved, candidates[0], AddressRule.old_ward_converted, street=street
        )
    return AddressResolution(AddressOutcome.ambiguous, rule=rule, candidates=candidates)


_WARD_WORDS = r"(?:phuong|xa|thi tran|p|x|tt)"
_DISTRICT_WORDS = r"(?:quan|huyen|thi xa|thanh pho|q|h|tx|tp)"


def _names_old_district(result: Mapping[str, Any], ward: Mapping[str, Any] | None) -> bool:
    """The new unit's name is also an old district's, and the text does not call it a ward
    or commune ("phường Hoàn Kiếm" is the new ward; "quận Hoàn Kiếm" or "Hoàn Kiếm" alone may
    be anywhere in the old district)."""
    conversion = result.get("conversion") or {}
    if not ward or conversion.get("match_level") != "province_district_name":
        return False
    name = re.escape(fold(str(ward.get("name") or "")))
    text = fold(str(result.get("text") or ""))
    if re.search(rf"\b{_DISTRICT_WORDS} {name}\b", text):
        return True
    return re.search(rf"\b{_WARD_WORDS} {name}\b", text) is None


def _single(
    found: tuple[str | None, str | None],
    place: Jurisdiction,
    rule: AddressRule,
    street: str | None,
) -> AddressResolution:
    code, parent = found
    unit = place.units.get(code or "")
    if unit is not None:
        return AddressResolution(AddressOutcome.resolved, unit, rule, street=street)
    if parent and parent != place.converter_province_code:
        return AddressResolution(AddressOutcome.outside)
    return UNRESOLVED
