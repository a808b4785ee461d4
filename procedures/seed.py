"""The bundled seed catalog (``fixtures/procedures.csv``): its rows turned into structured catalog records.

The seed keeps legal nuance as free text ("0 (trong ngày; nhận sau 15h → ngày làm việc tiếp theo)",
"8000 (mỗi bản)", "Huyện (trước 01/7/2025; nay phân cấp lại)"). The parsers below pull out the
structured value (days, unit, amount, level) and keep the rest of the text in a note, so nothing the
source says is lost. An empty cell stays empty (None / "chưa công bố"): we never invent a value.

Pure functions, no database: ``normalise_seed_row`` returns the same record shape the JSON export
writes (``procedures/exchange.py``), and the import service does the writing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.utils.text import slugify

from accounts.roles import Role

from .models import Level, OnlineLevel, TimeUnit
from .text import fold

SEED_PATH = Path(__file__).resolve().parent / "fixtures" / "procedures.csv"
SEED_COLUMNS = ("code", "name", "field", "level", "processing_days", "fee_vnd", "online_level", "legal_basis",
                "source")

GENERAL_CASE = "Trường hợp chung"
HARDSHIP_CASE = "Xã miền núi, biên giới, hải đảo, vùng có điều kiện kinh tế – xã hội khó khăn"
INFERRED_NOTE = "Suy luận từ quy định chung, chưa đối chiếu quyết định công bố"
LOCAL_CODE_PREFIX = "DP."


def clean(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def decimal_text(value: Decimal | int | None) -> str | None:
    """The exchange format's spelling of a time or share: '5', '0.5', '17' (None stays None)."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal("0.01")).normalize(), "f")


# --------------------------------------------------------------------------- time limits


@dataclass(frozen=True)
class CaseTime:
    name: str
    legal_time: Decimal | None
    time_unit: str = TimeUnit.WORKING_DAYS
    time_note: str = ""
    fee_vnd: int | None = None


_NUM = r"\d+(?:[.,]\d+)?"
_TIME = re.compile(
    rf"^(?P<a>{_NUM})(?:\s*[-–]\s*(?P<b>{_NUM})|\s+hoặc\s+(?P<alt>{_NUM}))?"
    r"\s*(?:\((?P<bracket>[^()]*)\))?\s*(?P<rest>.*)$"
)
_HARDSHIP = re.compile(rf"^vùng khó khăn\s+(?P<a>{_NUM})(?:\s*[-–]\s*(?P<b>{_NUM}))?$", re.IGNORECASE)
# "(ngày, Luật ghi 'ngày')": the law counts calendar days, not working days.
_CALENDAR = re.compile(r"^ngày(?!\s*(làm việc|LV))", re.IGNORECASE)

# Texts that describe several cases at once, split by hand (each becomes a case of its own).
_SPLIT_TIMES: dict[str, list[CaseTime]] = {
    "0 nếu có sẵn; ≤10 nếu không có sẵn": [
        CaseTime("Thông tin, dữ liệu có sẵn", Decimal(0), time_note="Trong ngày (nguồn: “0 nếu có sẵn”)"),
        CaseTime("Thông tin, dữ liệu không có sẵn", Decimal(10),
                 time_note="Không quá 10 ngày làm việc (nguồn: “≤10 nếu không có sẵn”)"),
    ],
    "5 (thay đổi) / 8 (đăng ký mới)": [
        CaseTime("Đăng ký thay đổi tài sản gắn liền với đất", Decimal(5)),
        CaseTime("Đăng ký mới tài sản gắn liền với đất", Decimal(8)),
    ],
    "8 (cho thuê trong dự án KCHT: 4)": [
        CaseTime(GENERAL_CASE, Decimal(8)),
        CaseTime("Cho thuê, cho thuê lại đất trong dự án kinh doanh kết cấu hạ tầng", Decimal(4)),
    ],
}


def _num(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _span(a: str, b: str | None, joiner: str = "–") -> tuple[Decimal, str]:
    """A range keeps its upper bound — the longest the law allows ("không quá") — and says the range."""
    if b is None:
        return _num(a), ""
    return max(_num(a), _num(b)), f"{a}{joiner}{b} ngày làm việc tùy trường hợp"


def _is_redundant(bracket: str) -> bool:
    return fold(bracket) == "tuy truong hop"


def parse_processing_days(raw: str | None) -> list[CaseTime]:
    """``processing_days`` → the cases it describes; the first is the general case.

    "3 (+≤5 nếu cần xác minh)" → 3 working days, note "+≤5 nếu cần xác minh"; "15 (ngày, Luật ghi 'ngày')"
    → 15 calendar days; "17-20 (vùng khó khăn 27-30)" → 20 (the note keeps "17–20") and a second case
    for hardship areas at 30; "" → None (not published).
    """
    text = clean(raw)
    if not text:
        return [CaseTime(GENERAL_CASE, None)]
    if text in _SPLIT_TIMES:
        return list(_SPLIT_TIMES[text])
    match = _TIME.match(text)
    if not match:
        # Unknown wording: keep it whole rather than guess a number.
        return [CaseTime(GENERAL_CASE, None, time_note=text)]
    if match["alt"]:
        legal, span_note = _span(match["a"], match["alt"], joiner=" hoặc ")
    else:
        legal, span_note = _span(match["a"], match["b"])
    unit = TimeUnit.WORKING_DAYS
    notes = [span_note] if span_note else []
    extra: list[CaseTime] = []
    bracket = clean(match["bracket"])
    if bracket:
        hardship = _HARDSHIP.match(bracket)
        if hardship:
            hard_legal, hard_note = _span(hardship["a"], hardship["b"])
            source_note = f"nguồn ghi “{bracket}”"
            extra.append(CaseTime(HARDSHIP_CASE, hard_legal,
                                  time_note=f"{hard_note}; {source_note}" if hard_note else "N" + source_note[1:]))
        elif not (span_note and _is_redundant(bracket)):
            if _CALENDAR.match(bracket):
                unit = TimeUnit.CALENDAR_DAYS
            notes.append(bracket)
    rest = clean(match["rest"])
    if rest:
        notes.append(rest)
    general = CaseTime(GENERAL_CASE, legal, unit, "; ".join(notes))
    return [general, *[CaseTime(c.name, c.legal_time, unit, c.time_note) for c in extra]]


# --------------------------------------------------------------------------- fees


@dataclass(frozen=True)
class Fee:
    amount: int | None
    note: str = ""
    by_case: tuple[tuple[str, int], ...] = ()


_FEE = re.compile(r"^(?P<amount>\d+)\s*(?P<rest>.*)$")
_FEE_PART = re.compile(r"^(?P<amount>\d+)\s+(?P<label>[^\d()/]+)$")
# Labels of fees that differ by case, as the seed spells them → the case name shown to citizens.
_FEE_CASE_NAMES = {
    "lần đầu": "Cấp lần đầu",
    "đổi CCCD sang căn cước": "Đổi thẻ Căn cước công dân sang thẻ căn cước",
    "cấp đổi": "Cấp đổi",
    "cấp lại": "Cấp lại",
}


def parse_fee(raw: str | None) -> Fee:
    """``fee_vnd`` → amount in VND (None = not published) and the note that keeps exemptions and units."""
    text = clean(raw)
    if not text:
        return Fee(None)
    parts = [clean(p) for p in text.split(";")]
    if len(parts) > 1 and all(_FEE_PART.match(p) for p in parts):
        # "0 lần đầu; 30000 đổi CCCD sang căn cước; …": one amount per case; the procedure itself has none.
        by_case = []
        for part in parts:
            m = _FEE_PART.match(part)
            label = clean(m["label"])
            by_case.append((_FEE_CASE_NAMES.get(label, label[:1].upper() + label[1:]), int(m["amount"])))
        return Fee(None, text, tuple(by_case))
    match = _FEE.match(text)
    if not match:
        return Fee(None, text)
    rest = clean(match["rest"])
    if rest.startswith("(") and rest.endswith(")") and rest.count("(") == 1:
        rest = rest[1:-1]
    elif rest and not rest[0].isalpha():
        # A schedule ("2000/trang (trang 1-2); 1000/trang từ trang 3; …"): the first amount, the whole text.
        rest = text
    return Fee(int(match["amount"]), rest)


# --------------------------------------------------------------------------- level, online level


_LEVEL_WORDS = (("trung uong", Level.CENTRAL), ("tinh", Level.PROVINCE), ("huyen", Level.DISTRICT),
                ("xa", Level.COMMUNE))


def parse_level(raw: str | None) -> tuple[str, str]:
    """``level`` → (Level, note). The first level named wins; the note keeps what the source added.

    "Huyện (trước 01/7/2025; nay phân cấp lại)" → (district, "trước 01/7/2025; nay phân cấp lại");
    "Xã/Tỉnh" → (commune, "Xã/Tỉnh").
    """
    text = clean(raw)
    folded = fold(text)
    found = []
    for word, level in _LEVEL_WORDS:
        m = re.search(rf"\b{word}\b", folded)
        if m:
            found.append((m.start(), level))
    if not found:
        raise ValueError(f"Không nhận ra cấp thực hiện “{text}”.")
    level = min(found)[1]
    bracket = re.fullmatch(r"(?P<word>[^()/]+?)\s*\((?P<note>[^()]*)\)", text)
    if bracket and fold(bracket["word"]) in {w for w, _ in _LEVEL_WORDS}:
        return level, bracket["note"]
    if fold(text) in {w for w, _ in _LEVEL_WORDS}:
        return level, ""
    return level, text


def parse_online_level(raw: str | None) -> str:
    folded = fold(raw)
    if not folded:
        return OnlineLevel.UNPUBLISHED
    if "toan trinh" in folded or folded in {"4", "muc do 4"}:
        return OnlineLevel.FULL
    if "mot phan" in folded or folded in {"3", "muc do 3"}:
        return OnlineLevel.PARTIAL
    if folded in {"khong", "none", "khong cung cap"}:
        return OnlineLevel.NONE
    raise ValueError(f"Không nhận ra mức độ dịch vụ công trực tuyến “{clean(raw)}”.")


# --------------------------------------------------------------------------- versions, codes


_DECISION = re.compile(
    r"(?:QĐ|Quyết định)\s+(?:số\s+)?(?P<number>\d+/QĐ-[\w.-]+)"
    r"(?:\s*\((?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})\))?"
)


def parse_decision(legal_basis: str | None) -> tuple[str, dt.date | None]:
    """The publication decision listed in the legal basis ("QĐ 2304/QĐ-BNNMT (23/6/2025)"), if any.

    Only the legal basis is read: the ``source`` column also names internal process decisions of one
    city (Hà Nội's 1811/QĐ-TTPVHCC) that are not the procedure's publication.
    """
    match = _DECISION.search(clean(legal_basis))
    if not match:
        return "", None
    date = dt.date(int(match["y"]), int(match["m"]), int(match["d"])) if match["y"] else None
    return match["number"], date


def local_code_for(name: str) -> str:
    """A stable code for a procedure the national database has no code for: DP.<slug of its name>."""
    slug = slugify(fold(name))
    return f"{LOCAL_CODE_PREFIX}{slug}"[:40].rstrip("-")


def field_code_for(name: str) -> str:
    return slugify(fold(name))[:60].rstrip("-")


# --------------------------------------------------------------------------- documents, route


def _doc(name, *, originals=0, copies=0, required=True, form="", note=INFERRED_NOTE):
    return {"name": name, "originals": originals, "copies": copies, "is_required": required, "form_name": form,
            "note": note}


_ID_SHOWN = _doc("Giấy tờ tùy thân có ảnh của người nộp hồ sơ (xuất trình bản chính hoặc dùng tài khoản định danh "
                 "điện tử VNeID)", note=f"Xuất trình, không nộp lại. {INFERRED_NOTE}")
_AUTHORISATION = _doc("Văn bản ủy quyền (nếu nộp thay)", originals=1, required=False)
_RESIDENCE_FORM = "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"
_LAND_FORM = "Đơn đăng ký đất đai, tài sản gắn liền với đất (theo mẫu)"
_LAND_CERT = _doc("Giấy chứng nhận đã cấp", originals=1)

# What any published record of these procedures asks for; marked as inferred in each document's note.
INFERRED_DOCUMENTS: dict[str, list[dict]] = {
    "1.001193": [
        _doc("Tờ khai đăng ký khai sinh", originals=1, form="Tờ khai đăng ký khai sinh"),
        _doc("Giấy chứng sinh (hoặc văn bản thay Giấy chứng sinh)", originals=1),
        _ID_SHOWN, _AUTHORISATION,
    ],
    "1.000894": [
        _doc("Tờ khai đăng ký kết hôn", originals=1, form="Tờ khai đăng ký kết hôn"),
        _doc("Giấy xác nhận tình trạng hôn nhân (nếu đăng ký tại nơi không thường trú)", originals=1,
             required=False),
        _ID_SHOWN,
    ],
    "1.000656": [
        _doc("Tờ khai đăng ký khai tử", originals=1, form="Tờ khai đăng ký khai tử"),
        _doc("Giấy báo tử hoặc giấy tờ thay Giấy báo tử", originals=1),
        _ID_SHOWN, _AUTHORISATION,
    ],
    "1.004837": [
        _doc("Tờ khai đăng ký giám hộ", originals=1, form="Tờ khai đăng ký giám hộ"),
        _doc("Văn bản cử người giám hộ (trường hợp cử giám hộ)", originals=1, required=False),
        _ID_SHOWN,
    ],
    "1.001022": [
        _doc("Tờ khai đăng ký nhận cha, mẹ, con", originals=1, form="Tờ khai đăng ký nhận cha, mẹ, con"),
        _doc("Chứng cứ chứng minh quan hệ cha, mẹ, con", originals=1),
        _ID_SHOWN,
    ],
    "DP.dang-ky-thay-doi-cai-chinh-ho-tich": [
        _doc("Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", originals=1,
             form="Tờ khai đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch"),
        _doc("Giấy tờ làm căn cứ thay đổi, cải chính hộ tịch", copies=1),
        _ID_SHOWN,
    ],
    "1.004884": [
        _doc("Tờ khai đăng ký lại khai sinh", originals=1, form="Tờ khai đăng ký lại khai sinh"),
        _doc("Bản sao Giấy khai sinh cũ hoặc giấy tờ có thông tin khai sinh (nếu có)", copies=1, required=False),
        _ID_SHOWN,
    ],
    "1.004746": [
        _doc("Tờ khai đăng ký lại kết hôn", originals=1, form="Tờ khai đăng ký lại kết hôn"),
        _doc("Bản sao Giấy chứng nhận kết hôn cũ (nếu có)", copies=1, required=False),
        _ID_SHOWN,
    ],
    "2.000635": [
        _doc("Tờ khai cấp bản sao trích lục hộ tịch", originals=1, form="Tờ khai cấp bản sao trích lục hộ tịch"),
        _ID_SHOWN, _AUTHORISATION,
    ],
    "2.000815": [
        _doc("Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao", originals=1,
             note=f"Xuất trình để đối chiếu. {INFERRED_NOTE}"),
        _doc("Bản sao cần chứng thực (nếu người yêu cầu tự sao)", copies=1, required=False),
    ],
    "2.000884": [
        _doc("Giấy tờ, văn bản cần chứng thực chữ ký (người yêu cầu ký trước mặt người thực hiện chứng thực)",
             originals=1),
        _ID_SHOWN,
    ],
    "2.000908": [
        _doc("Giấy tờ chứng minh quan hệ với người được cấp bản chính (nếu người yêu cầu không phải người đó)",
             copies=1, required=False),
        _ID_SHOWN,
    ],
    "DP.chung-thuc-hop-dong-giao-dich": [
        _doc("Dự thảo hợp đồng, giao dịch", originals=1),
        _doc("Giấy tờ chứng minh quyền sở hữu, quyền sử dụng tài sản (nếu hợp đồng có tài sản)", copies=1,
             required=False),
        _ID_SHOWN,
    ],
    "1.004222": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM),
                 _doc("Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", copies=1)],
    "1.004194": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM),
                 _doc("Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp", copies=1)],
    "1.002755": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM)],
    "1.010028": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM)],
    "1.003197": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM)],
    "1.010038": [_doc(_RESIDENCE_FORM, originals=1, form=_RESIDENCE_FORM),
                 _doc("Ý kiến đồng ý của chủ hộ (ghi vào tờ khai), trừ trường hợp tách hộ sau ly hôn",
                      required=False)],
    "2.000200": [
        _doc("Thẻ Căn cước công dân hoặc Chứng minh nhân dân đang dùng (khi cấp đổi)", originals=1, required=False,
             note=f"Nộp lại thẻ cũ khi cấp đổi. {INFERRED_NOTE}"),
        _doc("Thu nhận ảnh khuôn mặt, vân tay, mống mắt tại nơi làm thủ tục", note=f"Người đề nghị có mặt trực "
             f"tiếp. {INFERRED_NOTE}"),
    ],
    "1.014137": [_doc("Tờ khai tham gia, điều chỉnh thông tin bảo hiểm xã hội, bảo hiểm y tế", originals=1,
                      form="Tờ khai tham gia, điều chỉnh thông tin BHXH, BHYT")],
    "1.001776": [_doc("Tờ khai đề nghị trợ giúp xã hội", originals=1, form="Tờ khai đề nghị trợ giúp xã hội"),
                 _ID_SHOWN],
    "1.014027": [_doc("Tờ khai đề nghị trợ cấp hưu trí xã hội", originals=1,
                      form="Tờ khai đề nghị trợ cấp hưu trí xã hội"), _ID_SHOWN],
    "1.012783": [_doc(_LAND_FORM, originals=1, form=_LAND_FORM), _LAND_CERT],
    "1.012784": [_doc(_LAND_FORM, originals=1, form=_LAND_FORM), _LAND_CERT],
    "1.012786": [_doc(_LAND_FORM, originals=1, form=_LAND_FORM)],
    "1.012790": [_doc(_LAND_FORM, originals=1, form=_LAND_FORM), _LAND_CERT],
    "1.013831": [_doc(_LAND_FORM, originals=1, form=_LAND_FORM), _LAND_CERT,
                 _doc("Hợp đồng, văn bản về chuyển đổi, chuyển nhượng, thừa kế, tặng cho, góp vốn", originals=1)],
}

# DOMAIN: the desk receives and returns, a specialist works the file, a leader signs. Shares of the time limit.
DEFAULT_ROUTE = (
    ("Tiếp nhận hồ sơ", Role.CLERK, Decimal(10)),
    ("Thẩm định, xử lý hồ sơ", Role.SPECIALIST, Decimal(60)),
    ("Phê duyệt, ký kết quả", Role.LEADER, Decimal(20)),
    ("Trả kết quả", Role.CLERK, Decimal(10)),
)


def default_route() -> list[dict]:
    return [
        {"order": i, "name": name, "role": role.value, "agency": None, "share_percent": decimal_text(share)}
        for i, (name, role, share) in enumerate(DEFAULT_ROUTE, start=1)
    ]


# --------------------------------------------------------------------------- the record


def normalise_seed_row(row: dict) -> dict:
    """One seed row → one catalog record (the exchange format). Raises ValueError on an unreadable cell."""
    name = clean(row.get("name"))
    if not name:
        raise ValueError("Thiếu tên thủ tục.")
    field_name = clean(row.get("field"))
    if not field_name:
        raise ValueError("Thiếu lĩnh vực.")
    code = clean(row.get("code"))
    level, level_note = parse_level(row.get("level"))
    online_level = parse_online_level(row.get("online_level"))
    fee = parse_fee(row.get("fee_vnd"))
    times = parse_processing_days(row.get("processing_days"))
    legal_basis = clean(row.get("legal_basis"))
    decision_number, decision_date = parse_decision(legal_basis)
    record_code = code or local_code_for(name)

    if fee.by_case:
        # The fee names the cases (căn cước: first issue, exchange, re-issue); each takes the general time.
        base = times[0]
        times = [CaseTime(case_name, base.legal_time, base.time_unit, base.time_note, amount)
                 for case_name, amount in fee.by_case]
    documents = INFERRED_DOCUMENTS.get(record_code, [])
    cases = [
        {
            "name": t.name,
            "order": order,
            "legal_time": decimal_text(t.legal_time),
            # The seed publishes no commitments; agencies enter theirs in the admin.
            "committed_time": None,
            "time_unit": str(t.time_unit),
            "time_note": t.time_note,
            "fee_vnd": t.fee_vnd,
            "documents": [{"order": i, "form_file": "", **doc} for i, doc in enumerate(documents, start=1)],
            "route": default_route(),
        }
        for order, t in enumerate(times, start=1)
    ]
    version_note = "Khởi tạo từ dữ liệu mẫu (procedures.csv)"
    if not decision_number:
        version_note += "; nguồn chưa nêu quyết định công bố"
    return {
        "code": record_code,
        "national_code_published": bool(code),
        "local_code": "",
        "name": name,
        "field_code": field_code_for(field_name),
        "field_name": field_name,
        "level": str(level),
        "level_note": level_note,
        "agencies": [],
        "coordinating_agencies": "",
        "steps": [],
        "accepts_desk": True,
        "accepts_postal": True,
        "accepts_online": online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL),
        "postal_return": True,
        "online_level": str(online_level),
        "fee_vnd": fee.amount,
        "fee_note": fee.note,
        "applicants": "",
        "conditions": "",
        "result": "",
        "legal_basis": legal_basis,
        "source": clean(row.get("source")),
        "is_active": True,
        "versions": [
            {
                "decision_number": decision_number,
                "decision_date": decision_date.isoformat() if decision_date else None,
                "effective_from": None,
                "note": version_note,
                "current": True,
                "cases": cases,
            }
        ],
    }
