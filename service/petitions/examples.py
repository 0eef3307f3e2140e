"""Examples for the OpenAPI document of the routes an integrator uses first: filing,
uploading a file, tracking, answering the Front's question, rating the answer. They are
what the demo's walk-through (README) sends and receives."""

from typing import Any

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example

from service.i18n import msg
from service.openapi import JSON_NULL
from service.petitions import messages
from service.petitions.schemas import CitizenEvidence, PetitionCreated, TrackingView

TRACKING_CODE = "HN-2026-000001"
PETITION_ID = "0b7f3c1e-5d2a-4e7b-9a51-3c2d9e8f7a61"

FILE_FEEDBACK = Example(
    summary="Feedback, anonymous, told by webhook",
    value={
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Ngập nước đường Hàng Bông",
        "description": "Mỗi khi mưa lớn, đoạn trước số 12 Hàng Bông ngập sâu 30 cm.",
        "unit_code": "00070",
        "address_text": "Trước số 12 Hàng Bông",
        "channel": "zalo",
        "consent_to_process": True,
        "consent_to_publish": True,
        "notify_channel": "webhook",
    },
)
FILE_COMPLAINT = Example(
    summary="Complaint: needs an identified petitioner and the contested decision's date",
    value={
        "kind": "complaint",
        "category": "land",
        "title": "Khiếu nại quyết định xử phạt xây dựng",
        "description": "Tôi khiếu nại Quyết định số 123/QĐ-XPHC ngày 10/11/2026.",
        "unit_code": "00070",
        "contested_decision_date": "2026-11-10",
        "petitioner": {
            "full_name": "Nguyễn Văn An",
            "phone": "0912345678",
            "email": "an.nguyen@example.vn",
            "national_id": "001085012345",
            "address": "Số 5 Hàng Gai, phường Hoàn Kiếm",
        },
        "consent_to_process": True,
        "notify_channel": "email",
    },
)
FILE_BY_OLD_ADDRESS = Example(
    summary="No unit code: the ward is resolved from an old (pre-2025) address",
    description=(
        "Phường Hàng Trống of the former quận Hoàn Kiếm is now phường Hoàn Kiếm (00070); "
        "the petition records the rule `old_ward_converted`."
    ),
    value={
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Rác thải để trên vỉa hè",
        "description": "Rác để trên vỉa hè trước số 5 Hàng Trống nhiều ngày chưa được thu gom.",
        "address_text": "Số 5 phố Hàng Trống, phường Hàng Trống, quận Hoàn Kiếm, Hà Nội",
        "channel": "app",
        "consent_to_process": True,
    },
)


def _invalid(detail: str, errors: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "https://giamsat.vn/problems/validation",
        "title": msg("title.validation").render("vi"),
        "status": 422,
        "detail": detail,
        "code": errors[0]["code"],
        "instance": "/api/v1/petitions",
        "errors": errors,
        **extra,
    }


_AMBIGUOUS = msg("address_ambiguous", candidates="Phường Ba Đình, Phường Ngọc Hà").render("vi")
_UNRESOLVED = msg("address_unresolved").render("vi")
_UNIT_OR_ADDRESS = msg("unit_or_address_required").render("vi")
INTAKE_PROBLEMS = {
    "address_ambiguous": Example(
        summary="An old ward split between two new ones: choose one",
        description=(
            '`address_text` "phường Đội Cấn, quận Ba Đình" and no `unit_code`: the former '
            "phường Đội Cấn is now part of phường Ba Đình and of phường Ngọc Hà. Send again "
            "with `unit_code` one of `candidates`."
        ),
        value=_invalid(
            _AMBIGUOUS,
            [{"field": "address_text", "code": "address_ambiguous", "message": _AMBIGUOUS}],
            candidates=[
                {"code": "00004", "name": "Phường Ba Đình"},
                {"code": "00008", "name": "Phường Ngọc Hà"},
            ],
        ),
    ),
    "address_unresolved": Example(
        summary="No ward or commune in the address",
        value=_invalid(
            msg("petition_fields_invalid").render("vi"),
            [
                {"field": "address_text", "code": "address_unresolved", "message": _UNRESOLVED},
                {
                    "field": "unit_code",
                    "code": "unit_or_address_required",
                    "message": _UNIT_OR_ADDRESS,
                },
            ],
        ),
    ),
}

FILED = {
    "id": PETITION_ID,
    "tracking_code": TRACKING_CODE,
    "tracking_secret": "t9vKq2xY7mWcR4pLs8ZbNf3H",
    "status": "received",
    "kind": "feedback",
    "received_at": "2026-11-30T02:15:04.123456Z",
    "track_url": f"https://giamsat.example.vn/api/v1/track/{TRACKING_CODE}",
}
FILED_RESPONSE = ResponseSpec(
    data_container=PetitionCreated,
    description=(
        "Received. Keep `tracking_secret`: it is shown only now, and the citizen needs it "
        "(header `X-Tracking-Secret`) to follow the petition. `Location` is the tracking URL."
    ),
    examples=[Example(summary="Received", value=FILED)],
)

EVIDENCE = {
    "id": "5f0e8a2b-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
    "name": "ngap-nuoc.jpg",
    "content_type": "image/jpeg",
    "size_bytes": 248113,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "uploaded_at": "2026-11-30T02:16:40.5Z",
}
UPLOADED_RESPONSE = ResponseSpec(
    data_container=CitizenEvidence,
    description="Stored; the type is the one sniffed from the content, not the file name.",
    examples=[Example(summary="A photo", value=EVIDENCE)],
)

_ANSWER: dict[str, Any] = {
    "referral_id": "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "answer_id": "8b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
    "agency_id": "9c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f",
    "agency_name": "UBND phường Hoàn Kiếm",
    "outcome": "resolved",
    "text": "Đã nạo vét cống thoát nước trước số 12 Hàng Bông ngày 28/11/2026.",
    "legal_basis": JSON_NULL,
    "document_number": "45/UBND-HK",
    "document_date": "2026-11-30",
    "signer_name": "Lê Văn Cường",
    "signer_title": "Phó Chủ tịch",
    "attachment_ids": [],
    "published_at": "2026-12-01T03:00:00Z",
    "feedback_due_at": "2026-12-31T10:00:00Z",
    "referral_state": "published",
    "satisfied": JSON_NULL,
}


def _tracking(status: str, **changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "tracking_code": TRACKING_CODE,
        "kind": "feedback",
        "category": "environment_sanitation",
        "title": "Ngập nước đường Hàng Bông",
        "status": status,
        "received_at": "2026-11-30T02:15:04.123456Z",
        "agency_name": JSON_NULL,
        "raised_by_count": 1,
        "merged_into": JSON_NULL,
        "history": [
            {
                "at": "2026-11-30T02:15:04.123456Z",
                "action": "receive",
                "status": "received",
                "message": messages.RECEIVED.format(code=TRACKING_CODE),
            }
        ],
        "open_questions": [],
        "evidence": [],
        "answer": JSON_NULL,
        "consent_to_publish": True,
        "notifications": True,
        "allowed_actions": ["add_evidence", "add_information", "set_publish_consent", "withdraw"],
    }
    view.update(changes)
    return view


TRACKING_RESPONSE = ResponseSpec(
    data_container=TrackingView,
    description="What the citizen may see: status, history, open questions, the answer.",
    examples=[
        Example(summary="Just received", value=_tracking("received")),
        Example(
            summary="The Front asked a question",
            value=_tracking(
                "needs_info",
                open_questions=[
                    {
                        "id": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b",
                        "question": "Xin cho biết đoạn ngập dài khoảng bao nhiêu mét?",
                        "asked_at": "2026-11-30T04:00:00Z",
                    }
                ],
                allowed_actions=[
                    "add_evidence",
                    "add_information",
                    "provide_info",
                    "set_publish_consent",
                    "withdraw",
                ],
            ),
        ),
        Example(
            summary="Answered: the citizen may rate",
            value=_tracking(
                "answered",
                agency_name="UBND phường Hoàn Kiếm",
                answer=_ANSWER,
                allowed_actions=["add_evidence", "add_information", "rate", "set_publish_consent"],
            ),
        ),
    ],
)

ANSWER_QUESTION = Example(
    summary="The citizen's answer",
    value={"answer": "Đoạn ngập dài khoảng 50 mét, từ số 10 đến số 20."},
)
RATE = Example(
    summary="Satisfied: the petition is closed",
    value={"satisfied": True, "comment": "Cảm ơn phường đã xử lý nhanh."},
)
RATE_DISPUTED = Example(
    summary="Not satisfied: the Front reviews it",
    value={"satisfied": False, "comment": "Trời mưa hôm qua vẫn ngập."},
)
