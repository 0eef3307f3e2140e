"""What the citizen reads about each change (Vietnamese, as the tracking view and the
notifications show it). No personal data goes into these texts."""

from __future__ import annotations

from service.petitions.models import PetitionStatus

STATUS_LABELS = {
    PetitionStatus.received: "Đã tiếp nhận",
    PetitionStatus.needs_info: "Chờ bổ sung thông tin",
    PetitionStatus.accepted: "Đang xem xét, phân loại",
    PetitionStatus.rejected: "Không tiếp nhận",
    PetitionStatus.referred: "Đã chuyển cơ quan có thẩm quyền",
    PetitionStatus.in_progress: "Cơ quan đang giải quyết",
    PetitionStatus.answered: "Đã có trả lời",
    PetitionStatus.closed: "Đã kết thúc",
    PetitionStatus.reopened: "Đang xem xét lại",
    PetitionStatus.withdrawn: "Đã rút đơn",
    PetitionStatus.merged: "Đã gộp với đơn cùng nội dung",
}

RECEIVED = "Đơn của bạn đã được tiếp nhận với mã {code}."
REQUEST_INFO = "Mặt trận đề nghị bạn bổ sung thông tin: {question}"
PROVIDE_INFO = "Bạn đã bổ sung thông tin theo đề nghị."
RESUME = "Đơn của bạn tiếp tục được xem xét."
ACCEPT = "Đơn của bạn đã được tiếp nhận để xem xét, phân loại."
REJECT = "Đơn của bạn không được tiếp nhận. Lý do: {reason}"
REFER = "Đơn của bạn đã được chuyển đến {agency} để giải quyết."
MERGE = "Đơn của bạn được gộp với đơn {code} có cùng nội dung; bạn sẽ nhận được trả lời của đơn đó."
WITHDRAW = "Bạn đã rút đơn."
ACKNOWLEDGE = "{agency} đã thụ lý đơn của bạn."
DECLINE = "Cơ quan được chuyển đơn không có thẩm quyền; Mặt trận sẽ chuyển đơn đến cơ quan khác."
RECALL = "Mặt trận đang xem xét lại việc chuyển đơn của bạn."
PUBLISH_ANSWER = "Đơn của bạn đã có trả lời."
LEAD_ANSWERED = "Đơn {code} (đã gộp với đơn của bạn) đã có trả lời."
CLOSE = "Đơn của bạn đã kết thúc."
REOPEN = "Đơn của bạn được mở lại để cơ quan xem xét tiếp."
ESCALATE = "Đơn của bạn được chuyển lên {target}."
ESCALATE_COUNCIL = "Đơn của bạn được đưa vào danh sách báo cáo Hội đồng nhân dân."
EXTENSION = "Thời hạn giải quyết được gia hạn đến {due}."
EVIDENCE_ADDED = "Đã nhận tệp {name}."
INFORMATION_ADDED = "Bạn đã bổ sung thông tin."
RATED = "Bạn đã đánh giá trả lời: {verdict}."
