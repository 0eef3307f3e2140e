"""Personal data never reaches the audit log in clear."""

import pytest

from service.audit.masking import MASK, is_personal_key, mask_personal_data, mask_phone


@pytest.mark.parametrize(
    "key",
    [
        "name",
        "full_name",
        "fullName",
        "phone",
        "phone_number",
        "email",
        "reporter_email",
        "address",
        "petitionerAddress",
        "national_id",
        "id_number",
        "petitioner",
        "identity",
        "reporter",
        "denouncer_name",
        "contact_name",
    ],
)
def test_personal_keys(key: str) -> None:
    assert is_personal_key(key)


@pytest.mark.parametrize(
    "key", ["status", "agency_name", "file_name", "category", "unit_code", "kind", "id"]
)
def test_other_keys_stay_readable(key: str) -> None:
    assert not is_personal_key(key)


def test_phones_keep_only_the_prefix_and_last_two_digits() -> None:
    assert mask_phone("+84 912 345 667") == f"+84{MASK}67"
    assert mask_phone("0912345667") == f"09{MASK}67"
    assert mask_phone("113") == MASK


def test_masking_is_recursive_and_keeps_the_shape() -> None:
    snapshot = {
        "status": "received",
        "petitioner": {"name": "Nguyễn Văn A", "phone": "0912345667"},
        "contacts": [{"email": "a@example.vn", "role": "witness"}],
        "details": {"reporter_phone": "+84912345667", "ward": "00070", "address": None},
        "full_name": "Trần Thị B",
    }
    assert mask_personal_data(snapshot) == {
        "status": "received",
        "petitioner": MASK,
        "contacts": [{"email": MASK, "role": "witness"}],
        "details": {"reporter_phone": f"+84{MASK}67", "ward": "00070", "address": None},
        "full_name": MASK,
    }
    assert snapshot["full_name"] == "Trần Thị B"  # the caller's data is untouched
