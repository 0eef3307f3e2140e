"""The message catalogue is complete: every code the code uses has a Vietnamese and an
English text with the same placeholders, in NFC; no error is raised with a bare string."""

import ast
import string
import unicodedata
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path

import pytest

from service import errors
from service.auth.models import Role
from service.criticism.models import DraftState
from service.criticism.workflow import DraftAction
from service.deadlines.models import DeadlineUnit
from service.i18n import (
    LOCALES,
    catalogue,
    label,
    label_code,
    msg,
    negotiate,
    translate,
    translations,
)
from service.oversight.models import PlanState, SessionState
from service.oversight.workflow import PlanAction, SessionAction
from service.petitions.models import PetitionKind, PetitionStatus
from service.petitions.workflow import Action as PetitionAction
from service.petitions.workflow import Performer
from service.replies.models import ExtensionStatus, ReferralState
from service.replies.workflow import Action as ReferralAction

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    path
    for folder in ("service", "reports")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
)
# Enums that reach messages as parameters: each member needs a label in every language.
LABELLED: list[type[Enum]] = [
    ReferralState,
    ReferralAction,
    ExtensionStatus,
    DeadlineUnit,
    PlanState,
    PlanAction,
    SessionState,
    SessionAction,
    PetitionStatus,
    PetitionAction,
    Performer,
    PetitionKind,
    Role,
    DraftState,
    DraftAction,
]
_FAMILY = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.ServiceError)
}


def _calls() -> list[tuple[Path, ast.Call, str]]:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if isinstance(name, str):
                    found.append((path, node, name))
    return found


CALLS = _calls()


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_both_languages_have_the_same_codes() -> None:
    vi, en = catalogue("vi"), catalogue("en")
    assert set(vi) == set(en)
    assert len(vi) > 300


@pytest.mark.parametrize("locale", LOCALES)
def test_every_text_is_nfc_and_has_the_placeholders_of_the_english(locale: str) -> None:
    english = catalogue("en")
    for code, text in catalogue(locale).items():
        assert text.strip(), code
        assert unicodedata.is_normalized("NFC", text), code
        assert _placeholders(text) == _placeholders(english[code]), code


def test_every_code_used_in_the_code_is_in_the_catalogue() -> None:
    used = set()
    for _path, node, name in CALLS:
        if name in ("msg", "value_error") and node.args:
            first = node.args[0]
            choices = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            for choice in choices:
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                    used.add(choice.value)
    missing = {code for code in used for locale in LOCALES if code not in catalogue(locale)}
    assert not missing
    assert len(used) > 200


def test_no_service_error_is_raised_with_a_hand_written_sentence() -> None:
    """A literal or an f-string as the detail would reach readers untranslated."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, node, name in CALLS
        if name in _FAMILY
        and node.args
        and isinstance(node.args[0], ast.Constant | ast.JoinedStr | ast.BinOp)
    ]
    assert offenders == []


def test_every_problem_type_has_a_title() -> None:
    types = {cls.problem_type for cls in errors.status_classes().values()}
    for module_class in _every_service_error():
        types.add(module_class.problem_type)
    missing = {t for t in types for loc in LOCALES if f"title.{t}" not in catalogue(loc)}
    assert not missing


def _every_service_error() -> list[type[errors.ServiceError]]:
    import service.app  # noqa: F401  (imports every package with its errors)

    seen: list[type[errors.ServiceError]] = []
    todo: list[type[errors.ServiceError]] = [errors.ServiceError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


@pytest.mark.parametrize("enum", LABELLED, ids=lambda e: e.__name__)
def test_every_state_and_action_has_a_label(enum: type[Enum]) -> None:
    for member in enum:
        for locale in LOCALES:
            assert label_code(member) in catalogue(locale), (label_code(member), locale)


def test_labels_tell_apart_enums_of_one_name() -> None:
    assert label(PetitionAction.acknowledge, "vi") == label(ReferralAction.acknowledge, "vi")
    assert label_code(PetitionAction.close) != label_code(ReferralAction.close)


class TestRendering:
    def test_a_state_conflict_reads_as_vietnamese(self) -> None:
        text = translate(
            "plan_action_not_allowed", "vi", state=PlanState.in_progress, action=PlanAction.approve
        )
        assert text == "Kế hoạch ở trạng thái “đang giám sát” không thể phê duyệt."

    def test_parameters_follow_the_locale(self) -> None:
        message = msg("extension_not_later", current=date(2026, 12, 1))
        assert message.render("vi") == "Ngày mới phải sau thời hạn hiện tại (01/12/2026)."
        assert str(message) == "The new date must be after the current deadline (2026-12-01)."
        listed = msg("plan_action_forbidden", action=PlanAction.approve, allowed=[])
        assert (
            listed.render("vi")
            == "Bạn không được phê duyệt kế hoạch này; các thao tác bạn được làm: không có."
        )

    def test_moments_read_in_vietnam_time(self) -> None:
        retried = datetime(2026, 12, 1, 8, 20, 50, 705959, tzinfo=UTC)
        assert translate("failed_job_retried", "vi", id=3, at=retried) == (
            "Tác vụ lỗi 3 đã được chạy lại lúc 15:20 ngày 01/12/2026."
        )
        assert translate("failed_job_retried", "en", id=3, at=retried) == (
            "Failed job 3 was already retried at 2026-12-01 15:20."
        )

    def test_an_unknown_locale_falls_back_to_vietnamese(self) -> None:
        assert translate("title.not-found", "fr") == "Không tìm thấy"

    def test_the_console_gets_the_same_catalogue_as_gettext(self) -> None:
        """What Jinja2's i18n extension installs (``install_gettext_translations``)."""
        assert translations("vi").gettext("title.not-found") == "Không tìm thấy"
        assert translations("en").gettext("title.not-found") == "Not found"


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "vi"),
        ("", "vi"),
        ("vi", "vi"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("fr", "vi"),
        ("*", "vi"),
        ("en;q=0, vi;q=0.1", "vi"),
        ("vi;q=0.4, en;q=0.8", "en"),
        ("en;q=bad", "vi"),
    ],
)
def test_accept_language_negotiation(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale
