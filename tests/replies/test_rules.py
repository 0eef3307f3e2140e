"""The workflow table and the redaction step, without a database."""

import pytest

from service.errors import Forbidden, StateConflict
from service.replies.models import FINAL_STATES, ReferralState
from service.replies.redaction import (
    EMAIL_PLACEHOLDER,
    ID_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    redact,
)
from service.replies.workflow import TRANSITIONS, Action, Party, allowed_actions, transition


class TestWorkflow:
    def test_final_states_allow_nothing(self) -> None:
        for state in FINAL_STATES:
            assert allowed_actions(state) == []

    def test_every_other_state_has_a_way_forward(self) -> None:
        for state in ReferralState:
            if state not in FINAL_STATES:
                assert allowed_actions(state), state

    def test_each_pair_appears_once(self) -> None:
        pairs = [(t.source, t.action) for t in TRANSITIONS]
        assert len(pairs) == len(set(pairs))

    def test_a_forbidden_action_names_what_is_allowed(self) -> None:
        # The system may close a referral (when the feedback window ends), not in this state.
        with pytest.raises(StateConflict) as caught:
            transition(ReferralState.answer_submitted, Action.close, None)
        assert caught.value.status_code == 409
        assert caught.value.extra["allowed_actions"] == ["cancel"]
        assert caught.value.extra["state"] == "answer_submitted"

    def test_someone_elses_action_is_403(self) -> None:
        """An action the caller's party may never take is refused as not theirs (403),
        whatever the state, as in petitions and oversight."""
        with pytest.raises(Forbidden) as caught:
            transition(ReferralState.answer_accepted, Action.publish, None)
        assert caught.value.status_code == 403

    def test_citizen_visible_steps(self) -> None:
        visible = {(t.source, t.action) for t in TRANSITIONS if t.citizen_visible}
        assert (ReferralState.acknowledged, Action.approve_extension) in visible
        assert (ReferralState.acknowledged, Action.save_draft) not in visible
        assert (ReferralState.answer_submitted, Action.return_answer) not in visible

    def test_agency_and_front_sides(self) -> None:
        agency = frozenset({Party.agency})
        front = frozenset({Party.front})
        assert allowed_actions(ReferralState.sent, agency) == ["acknowledge", "decline"]
        assert allowed_actions(ReferralState.sent, front) == ["cancel"]
        assert allowed_actions(ReferralState.answer_accepted, front) == ["cancel", "publish"]


class TestRedaction:
    @pytest.mark.parametrize(
        "phone",
        [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "+84 912 345 678",
            "+84912345678",
            "(+84) 24 3825 1234",
            "024 3825 1234",
            "0084 912 345 678",
        ],
    )
    def test_phone_numbers(self, phone: str) -> None:
        assert redact(f"Gọi {phone} nhé") == f"Gọi {PHONE_PLACEHOLDER} nhé"

    @pytest.mark.parametrize("email", ["nguyen.van.a@gmail.com", "x+y@so-xay-dung.hanoi.gov.vn"])
    def test_emails(self, email: str) -> None:
        assert redact(f"Thư: {email}.") == f"Thư: {EMAIL_PLACEHOLDER}."

    @pytest.mark.parametrize("number", ["001203004567", "012345678", "001 203 004 567"])
    def test_national_id_numbers(self, number: str) -> None:
        assert redact(f"CCCD {number}, cấp năm 2021") == f"CCCD {ID_PLACEHOLDER}, cấp năm 2021"

    @pytest.mark.parametrize(
        "text",
        [
            "Số tiền 150.000.000 đồng",
            "Quyết định số 1234/QĐ-UBND ngày 12/03/2025",
            "Diện tích 120 m2, năm 2025",
            "Tổng 1.000.000.000 đồng",
        ],
    )
    def test_ordinary_numbers_survive(self, text: str) -> None:
        assert redact(text) == text
