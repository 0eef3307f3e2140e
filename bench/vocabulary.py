"""Vietnamese words and templates for generated petitions, supervision logs and answers.

Every string here is written with precomposed diacritics and passed through NFC again by
``text()``, so generated data looks like what the API stores (it NFC-normalises input).
Templates take ``{street}``, ``{place}``, ``{group}``, ``{unit}``, ``{days}``, ``{number}``
and ``{object}`` slots; the category decides the templates, the random generator the rest.
"""

from __future__ import annotations

import random
import unicodedata


def text(value: str) -> str:
    return unicodedata.normalize("NFC", value)


STREETS = (
    "phố Hàng Bông",
    "phố Hàng Gai",
    "đường Láng",
    "đường Giải Phóng",
    "phố Kim Mã",
    "đường Nguyễn Trãi",
    "phố Huế",
    "đường Trường Chinh",
    "phố Tôn Đức Thắng",
    "đường Phạm Văn Đồng",
    "đường Lê Văn Lương",
    "phố Đội Cấn",
    "đường Hoàng Quốc Việt",
    "phố Chùa Bộc",
    "đường Xuân Thủy",
    "đường Cầu Giấy",
    "phố Bạch Mai",
    "đường Minh Khai",
    "phố Lò Đúc",
    "đường Nguyễn Văn Cừ",
    "đường Ngọc Lâm",
    "đường Quang Trung",
    "đường tỉnh lộ 419",
    "quốc lộ 32",
    "đường liên xã",
    "đường trục thôn",
)
PLACES = (
    "ngõ {number}",
    "ngách {number}/{small}",
    "trước số nhà {number}",
    "cạnh chợ dân sinh",
    "gần trường tiểu học",
    "đầu cầu",
    "khu tập thể cũ",
    "cổng khu đô thị mới",
    "bãi đất trống cuối ngõ",
    "khu vực nhà văn hóa",
    "cạnh trạm y tế",
    "dọc bờ mương",
)
FAMILY_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quang", "Thanh", "Hữu", "Hồng")
GIVEN_NAMES = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hạnh",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Yến",
)

# category code -> (titles, descriptions)
TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "land": (
        (
            "Tranh chấp ranh giới đất tại {place}, {street}",
            "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình ở {group}",
            "Lấn chiếm đất công làm lối đi chung tại {place}",
            "Chậm bồi thường giải phóng mặt bằng dự án {street}",
        ),
        (
            "Gia đình chúng tôi ở {group}, {unit} đã nộp hồ sơ từ {days} ngày trước nhưng "
            "chưa được giải quyết. Phần đất giáp ranh tại {place} bị hộ bên cạnh xây tường "
            "lấn sang khoảng {small} mét vuông. Đề nghị chính quyền kiểm tra, đo đạc lại.",
            "Khu đất công tại {place}, {street} bị một số hộ dân rào chắn, sử dụng làm bãi "
            "để xe và kinh doanh. Người dân không còn lối đi chung. Kính đề nghị xử lý dứt điểm.",
            "Dự án mở rộng {street} đã thu hồi đất của các hộ ở {group} nhưng sau {days} ngày "
            "vẫn chưa chi trả tiền bồi thường. Đề nghị công khai phương án và thời hạn chi trả.",
        ),
    ),
    "construction_order": (
        (
            "Công trình xây dựng không phép tại {place}, {street}",
            "Xây dựng sai phép, vượt số tầng ở {place}",
            "Công trình thi công gây nứt nhà liền kề tại {group}",
            "Vật liệu xây dựng tập kết trên vỉa hè {street}",
        ),
        (
            "Tại {place}, {street} có công trình đang xây dựng {small} tầng, không treo biển "
            "báo giấy phép, thi công cả ban đêm gây ồn ào. Đề nghị kiểm tra giấy phép xây dựng.",
            "Công trình bên cạnh nhà tôi ở {group}, {unit} đào móng sâu làm tường nhà tôi bị "
            "nứt, lún. Chủ đầu tư không hợp tác. Kính đề nghị cơ quan chức năng xem xét.",
            "Cát, gạch, sắt thép được đổ tràn ra vỉa hè và lòng đường {street} suốt {days} "
            "ngày, gây cản trở giao thông và mất an toàn cho người đi bộ.",
        ),
    ),
    "environment_sanitation": (
        (
            "Ngập nước kéo dài tại {place}, {street}",
            "Rác thải tồn đọng, bốc mùi tại {place}",
            "Khói bụi từ cơ sở sản xuất gây ô nhiễm ở {group}",
            "Nước thải chảy tràn ra đường {street}",
            "Cống thoát nước bị tắc gây ngập úng {place}",
        ),
        (
            "Mỗi khi mưa lớn, khu vực {place}, {street} bị ngập nước sâu khoảng {small}0 cm, "
            "nước rút rất chậm, người dân đi lại khó khăn, xe chết máy. Đề nghị nạo vét cống "
            "thoát nước và nâng cốt đường.",
            "Rác thải sinh hoạt tồn đọng tại {place} đã {days} ngày chưa được thu gom, bốc mùi "
            "hôi thối, ruồi muỗi nhiều, ảnh hưởng sức khỏe của bà con {group}.",
            "Cơ sở sản xuất ở {place} thải khói bụi và nước thải chưa qua xử lý ra mương, "
            "gây ô nhiễm không khí và nguồn nước của {group}, {unit}.",
        ),
    ),
    "traffic_infrastructure": (
        (
            "Mặt đường hư hỏng, nhiều ổ gà trên {street}",
            "Đèn chiếu sáng công cộng không hoạt động tại {place}",
            "Đề nghị lắp đặt đèn tín hiệu giao thông tại nút giao {street}",
            "Vỉa hè bị lấn chiếm làm nơi kinh doanh tại {street}",
        ),
        (
            "Đoạn {street} qua {place} xuống cấp nghiêm trọng, nhiều ổ gà sâu, đã xảy ra "
            "{small} vụ tai nạn trong {days} ngày qua. Đề nghị sớm sửa chữa, trải lại mặt đường.",
            "Hệ thống đèn chiếu sáng tại {place}, {group} không sáng đã hơn {days} ngày, buổi "
            "tối rất tối, tiềm ẩn nguy cơ mất an ninh trật tự và tai nạn giao thông.",
            "Nút giao {street} thường xuyên ùn tắc vào giờ cao điểm, học sinh qua đường rất "
            "nguy hiểm. Kiến nghị bố trí đèn tín hiệu và lực lượng hướng dẫn giao thông.",
        ),
    ),
    "social_welfare": (
        (
            "Đề nghị xem xét chế độ trợ cấp cho hộ nghèo ở {group}",
            "Chậm chi trả trợ cấp người cao tuổi tại {unit}",
            "Đề nghị hỗ trợ nhà ở cho gia đình chính sách",
        ),
        (
            "Gia đình bà cụ ở {group}, {unit} thuộc diện hộ nghèo, có người khuyết tật nhưng "
            "chưa được xét hưởng trợ cấp xã hội. Đề nghị địa phương rà soát, hỗ trợ kịp thời.",
            "Người cao tuổi trên 80 tuổi ở {group} chưa nhận được trợ cấp tháng này sau {days} "
            "ngày. Đề nghị cơ quan chức năng kiểm tra, chi trả đúng hạn.",
        ),
    ),
    "public_security_order": (
        (
            "Tụ tập thanh thiếu niên gây mất trật tự ban đêm tại {place}",
            "Tiếng ồn karaoke kéo dài sau 22 giờ ở {group}",
            "Trộm cắp xe máy xảy ra nhiều lần tại {place}",
        ),
        (
            "Nhiều đêm gần đây có nhóm thanh niên tụ tập tại {place}, {street}, nẹt pô, gây "
            "ồn ào đến 1-2 giờ sáng, người dân rất bức xúc. Đề nghị công an tăng cường tuần tra.",
            "Quán karaoke ở {place} hát to đến khuya, vượt giờ quy định, ảnh hưởng giấc ngủ "
            "của người già và trẻ nhỏ {group}. Đề nghị kiểm tra, xử lý.",
        ),
    ),
    "health": (
        (
            "Phản ánh thái độ phục vụ tại trạm y tế {unit}",
            "Đề nghị phun thuốc phòng chống sốt xuất huyết ở {group}",
            "Cơ sở kinh doanh thực phẩm không bảo đảm vệ sinh tại {place}",
        ),
        (
            "Khu dân cư {group} có {small} ca sốt xuất huyết trong {days} ngày qua nhưng chưa "
            "được phun thuốc diệt muỗi. Đề nghị y tế địa phương xử lý ổ dịch.",
            "Cơ sở chế biến thực phẩm tại {place}, {street} không bảo đảm vệ sinh an toàn thực "
            "phẩm, nước thải chảy ra đường. Đề nghị kiểm tra.",
        ),
    ),
    "education": (
        (
            "Thu các khoản ngoài quy định tại trường học ở {unit}",
            "Đề nghị bố trí thêm phòng học cho trường tiểu học {unit}",
            "Mất an toàn giao thông trước cổng trường {street}",
        ),
        (
            "Phụ huynh học sinh phản ánh nhà trường thu nhiều khoản ngoài quy định đầu năm "
            "học, tổng cộng gần {number} nghìn đồng mỗi em. Đề nghị kiểm tra, công khai.",
            "Trường tiểu học ở {unit} quá tải, mỗi lớp hơn {small}0 học sinh. Kiến nghị "
            "thành phố đầu tư xây thêm phòng học.",
        ),
    ),
    "administrative_procedures": (
        (
            "Chậm giải quyết thủ tục hành chính tại bộ phận một cửa {unit}",
            "Hồ sơ đăng ký hộ kinh doanh quá hạn chưa có kết quả",
            "Đề nghị đơn giản hóa thủ tục chứng thực tại {unit}",
        ),
        (
            "Tôi nộp hồ sơ tại bộ phận một cửa {unit} đã {days} ngày, quá thời hạn giải quyết "
            "nhưng chưa nhận được kết quả hay thông báo lý do. Đề nghị giải quyết đúng hạn.",
            "Thủ tục chứng thực bản sao phải đi lại nhiều lần, yêu cầu giấy tờ không có trong "
            "quy định. Kiến nghị công khai thành phần hồ sơ và thực hiện trực tuyến.",
        ),
    ),
    "officials_conduct": (
        (
            "Cán bộ tiếp dân có thái độ không đúng mực tại {unit}",
            "Phản ánh cán bộ gây phiền hà khi giải quyết hồ sơ",
            "Tố cáo hành vi nhũng nhiễu của cán bộ địa chính",
        ),
        (
            "Khi đến làm thủ tục tại {unit}, tôi bị cán bộ tiếp nhận hồ sơ quát nạt, yêu cầu "
            "bổ sung giấy tờ nhiều lần không có căn cứ. Đề nghị xem xét trách nhiệm.",
            "Cán bộ địa chính {unit} gợi ý nộp thêm tiền để hồ sơ được giải quyết nhanh. Đề "
            "nghị cơ quan có thẩm quyền xác minh, xử lý nghiêm theo quy định.",
        ),
    ),
    "other": (
        (
            "Kiến nghị về hoạt động của nhà văn hóa {group}",
            "Đề nghị lắp đặt thêm dụng cụ thể dục tại {place}",
            "Phản ánh về lịch cắt điện, cắt nước tại {unit}",
        ),
        (
            "Nhà văn hóa {group} xuống cấp, mái dột, ít được sử dụng. Bà con kiến nghị sửa "
            "chữa để tổ chức sinh hoạt cộng đồng.",
            "Khu vực {place} bị cắt nước {days} ngày liên tục mà không có thông báo trước, "
            "sinh hoạt của người dân gặp nhiều khó khăn. Đề nghị đơn vị cung cấp khắc phục.",
        ),
    ),
}

ANSWER_TEXTS = (
    "Qua kiểm tra, UBND đã chỉ đạo các đơn vị liên quan khắc phục, dự kiến hoàn thành trong "
    "tháng. Kết quả sẽ được thông báo công khai tại nhà văn hóa khu dân cư.",
    "Nội dung phản ánh là đúng. Cơ quan đã lập biên bản, yêu cầu chủ công trình dừng thi công "
    "và xử phạt vi phạm hành chính theo quy định.",
    "Đơn vị đã phối hợp với công ty môi trường đô thị thu gom, xử lý triệt để và bố trí lịch "
    "thu gom cố định hằng ngày.",
    "Nội dung kiến nghị đã được tiếp thu, đưa vào kế hoạch đầu tư công trung hạn của thành phố.",
    "Căn cứ quy định hiện hành, kiến nghị chưa có cơ sở giải quyết; cơ quan đã giải thích, "
    "hướng dẫn công dân thực hiện theo đúng trình tự thủ tục.",
)
LOG_TEXTS = (
    "Đại diện {agency} báo cáo tình hình thực hiện nhiệm vụ tiếp nhận và giải quyết kiến nghị "
    "của cử tri trong kỳ.",
    "Thành viên đoàn giám sát đề nghị làm rõ nguyên nhân chậm trả lời {number} kiến nghị quá hạn.",
    "Cơ quan được giám sát giải trình: do thiếu cán bộ chuyên môn và hồ sơ phức tạp, liên quan "
    "nhiều đơn vị.",
    "Đoàn ghi nhận kết quả tích cực trong cải cách thủ tục hành chính, tỷ lệ hồ sơ đúng hạn đạt "
    "{small}0%.",
    "Phát hiện: một số phản ánh về ngập úng tại {street} được trả lời chung chung, chưa có "
    "giải pháp cụ thể.",
    "Ý kiến của đại diện cử tri {group}: đề nghị công khai tiến độ xử lý trên cổng thông tin.",
)
FINDING_TITLES = (
    "Chậm trả lời kiến nghị của cử tri",
    "Công khai kết quả giải quyết chưa đầy đủ",
    "Phối hợp giữa các cơ quan chưa chặt chẽ",
)
RECOMMENDATION_TEXTS = (
    "Đề nghị rà soát toàn bộ kiến nghị quá hạn, trả lời bằng văn bản trong 30 ngày.",
    "Đề nghị công khai kết quả giải quyết kiến nghị trên cổng thông tin điện tử.",
    "Đề nghị bố trí đủ cán bộ tiếp công dân và bồi dưỡng nghiệp vụ.",
)
SUPERVISION_SUBJECTS = (
    "Giám sát việc giải quyết kiến nghị của cử tri về trật tự xây dựng",
    "Giám sát công tác thu gom, xử lý rác thải sinh hoạt",
    "Giám sát việc thực hiện chính sách an sinh xã hội",
    "Giám sát công tác cải cách thủ tục hành chính tại bộ phận một cửa",
    "Giám sát việc quản lý, sử dụng đất công",
)
LEGAL_BASIS = (
    "Luật Mặt trận Tổ quốc Việt Nam 2015 (sửa đổi 2025), Điều 27; Nghị quyết liên tịch "
    "403/2017/NQLT-UBTVQH14-CP-ĐCTUBTWMTTQVN."
)


def person_name(rng: random.Random) -> str:
    return text(f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}")


def fill(template: str, rng: random.Random, *, unit_name: str) -> str:
    return text(
        template.format(
            street=rng.choice(STREETS),
            place=rng.choice(PLACES).format(number=rng.randint(1, 400), small=rng.randint(2, 60)),
            group=f"tổ dân phố số {rng.randint(1, 40)}"
            if rng.random() < 0.6
            else f"thôn {rng.randint(1, 15)}",
            unit=unit_name,
            days=rng.randint(10, 120),
            number=rng.randint(100, 900),
            small=rng.randint(2, 9),
            agency="UBND " + unit_name,
        )
    )


def petition_text(rng: random.Random, category: str, unit_name: str) -> tuple[str, str]:
    titles, descriptions = TEMPLATES.get(category, TEMPLATES["other"])
    title = fill(rng.choice(titles), rng, unit_name=unit_name)
    description = fill(rng.choice(descriptions), rng, unit_name=unit_name)
    return title[:300], description
