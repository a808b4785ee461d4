"""The forms a dossier issues (Circular 03/2025 numbering), as A4 PDFs: one render function, numbering, storage.

``render_pdf`` is THE render function (WeasyPrint, HTML templates under ``templates/documents/``).
``issue_document`` renders a form, gives it the next number of its (agency, kind, year), stores the file
and its sha256; a reprint (``reprint``) serves the stored bytes, so it is byte-for-byte the original.

The forms are legal templates whose text is fixed in Vietnamese by the circular, so they are always
rendered in Vietnamese (``translation.override("vi")``) whatever the user's interface language.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from accounts.errors import Conflict, DomainError, NotAllowed
from accounts.models import Agency
from accounts.permissions import in_scope
from accounts.roles import STAFF_ROLES

from . import deadlines
from .deadlines import format_vn
from .models import (
    Channel,
    ChecklistItem,
    CopyKind,
    Delivery,
    Dossier,
    FormKind,
    IssuedDocument,
    Pause,
    Status,
    StepLog,
)

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONT_DIR = STATIC_DIR / "fonts"
FORMS_CSS = Path(settings.BASE_DIR) / "templates" / "documents" / "forms.css"
USER_AGENT_CSS = FORMS_CSS.with_name("user_agent.css")

TEMPLATES = {
    FormKind.RECEIPT: "documents/01_receipt.html",
    FormKind.SUPPLEMENT: "documents/02_supplement.html",
    FormKind.REFUSAL: "documents/03_refusal.html",
    FormKind.APOLOGY: "documents/04_apology.html",
    FormKind.STOP: "documents/05_stop.html",
    FormKind.CONTROL_SHEET: "documents/06_control_sheet.html",
    FormKind.TRACKING_BOOK: "documents/07_tracking_book.html",
    FormKind.HANDOVER: "documents/handover.html",
    FormKind.PAYMENT_RECEIPT: "documents/payment_receipt.html",
}

# The symbol after the number ("Số: 15/2025/TNHS"). The year is part of the number because numbering
# restarts every year and IssuedDocument's unique constraint is (agency, kind, number).
NUMBER_SYMBOL = {
    FormKind.RECEIPT: "TNHS",
    FormKind.SUPPLEMENT: "YCBS",
    FormKind.REFUSAL: "TCHS",
    FormKind.APOLOGY: "XLHL",
    FormKind.STOP: "DGQ",
    FormKind.CONTROL_SHEET: "PKS",
    FormKind.TRACKING_BOOK: "STD",
    FormKind.HANDOVER: "BNKQ",
    FormKind.PAYMENT_RECEIPT: "BLP",
}

# Forms handed to the applicant carry the Circular 01/2023 QR code (receipts and results).
QR_KINDS = {FormKind.RECEIPT, FormKind.SUPPLEMENT, FormKind.REFUSAL, FormKind.APOLOGY, FormKind.STOP,
            FormKind.HANDOVER}

ACTION_LABELS = {
    "submit": "Nộp hồ sơ",
    "receive": "Tiếp nhận hồ sơ",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "complete_supplement": "Bổ sung hồ sơ",
    "refuse": "Từ chối tiếp nhận",
    "assign": "Phân công xử lý",
    "transfer": "Chuyển xử lý",
    "send_for_approval": "Trình phê duyệt",
    "approve": "Phê duyệt kết quả",
    "send_back": "Trả lại để xử lý lại",
    "request_financial": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "complete_financial": "Hoàn thành nghĩa vụ tài chính",
    "withdraw": "Rút hồ sơ",
    "stop": "Dừng giải quyết",
    "return_result": "Trả kết quả",
    "extend": "Hẹn lại ngày trả kết quả",
}
# Steps that bring a result back (table II of the process-control sheet); every other step is a hand-over.
RESULT_ACTIONS = {"approve", "return_result", "refuse", "stop", "withdraw"}


# ---------------------------------------------------------------------------------------------------------
# The render function
# ---------------------------------------------------------------------------------------------------------

_FONT_FACES = "\n".join(
    f'@font-face {{ font-family: "MotCua Serif"; src: url("{(FONT_DIR / file).as_uri()}");'
    f" font-weight: {weight}; font-style: {style}; }}"
    for file, weight, style in (
        ("LiberationSerif-Regular.ttf", "normal", "normal"),
        ("LiberationSerif-Bold.ttf", "bold", "normal"),
        ("LiberationSerif-Italic.ttf", "normal", "italic"),
        ("LiberationSerif-BoldItalic.ttf", "bold", "italic"),
    )
)
class _LocalOnlyFetcher(URLFetcher):
    """Only inline data (the QR image) and our own static files: a render never reaches the network or
    the rest of the disk, whatever text an applicant typed."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(STATIC_DIR):
                return super().fetch(url, headers)
        raise ValueError(f"Không tải tài nguyên ngoài khi in biểu mẫu: {url[:80]}")


_local = threading.local()


@functools.cache
def _user_agent_css() -> CSS:
    # No fonts and no URLs in it: parsed once per process and shared, like WeasyPrint's own UA stylesheet.
    return CSS(filename=str(USER_AGENT_CSS))


class _FormHTML(HTML):
    """An HTML document with the forms' own user-agent stylesheet (user_agent.css).

    WeasyPrint's HTML5 one has rules matched against every element (bidi, lists, footnotes, form fields)
    that cost about a tenth of a receipt. ``_ua_stylesheets`` is the hook WeasyPrint's own tests override
    for a lighter stylesheet; test_documents checks it is still there.
    """

    def _ua_stylesheets(self, forms=False):
        return [_user_agent_css()]  # forms: PDF form fields, which no form has


def _fonts() -> tuple[FontConfiguration, list[CSS], URLFetcher]:
    """One FontConfiguration and the parsed stylesheets per thread, reused by every render: the @font-face
    files are registered with fontconfig once and forms.css is parsed once.

    Per thread because Pango/fontconfig font maps (and a URLFetcher's state) are not safe to share.
    """
    if not hasattr(_local, "fonts"):
        font_config, fetcher = FontConfiguration(), _LocalOnlyFetcher(allowed_protocols={"data", "file"})
        stylesheets = [
            CSS(string=_FONT_FACES, font_config=font_config, url_fetcher=fetcher),
            CSS(filename=str(FORMS_CSS), font_config=font_config, url_fetcher=fetcher),
        ]
        _local.fonts = (font_config, stylesheets, fetcher)
    return _local.fonts


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to an A4 PDF in the bundled Liberation Serif (Times New Roman metrics)."""
    with translation.override("vi"):
        html = render_to_string(template_name, context)
    # Some Vietnamese keyboards type decomposed accents (NFD); composed text extracts and searches cleanly.
    html = unicodedata.normalize("NFC", html)
    font_config, stylesheets, fetcher = _fonts()
    document = _FormHTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=font_config)


def subsetting_backend() -> str:
    """Which font subsetter WeasyPrint will use: "harfbuzz" (fast) or "fonttools" (5–10× slower).

    Mirrors the test in weasyprint/pdf/fonts.py (Font.subset): HarfBuzz-Subset ≥ 4.1.0 or fontTools.
    """
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return "harfbuzz" if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"


# ---------------------------------------------------------------------------------------------------------
# Formatting (Vietnamese administrative style)
# ---------------------------------------------------------------------------------------------------------

def local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment, VN_TZ) if moment else None


def date_line(moment: datetime | date, place: str = "") -> str:
    """'Thanh Hóa, ngày 05 tháng 02 năm 2024' — Decree 30/2020: a day below 10 and months 1–2 take a 0."""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text[0].upper() + text[1:]


def fmt_date(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return f"{day:%d/%m/%Y}"


def fmt_datetime(moment: datetime | None) -> str:
    """'09:32 ngày 27/10/2023'."""
    moment = local(moment)
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}" if moment else ""


def fmt_appointment(moment: datetime | None) -> str:
    """'Thứ Sáu, 03/11/2023 09:32' — the weekday avoids a citizen coming back on the wrong day."""
    return format_vn(moment) if moment else ""


def fmt_vnd(amount: int | None) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng" if amount is not None else ""


def fmt_time_limit(limit: Decimal | None, unit: str) -> str:
    from procedures.models import TimeUnit

    if limit is None:
        return ""
    if limit == 0 and unit == TimeUnit.WORKING_DAYS:
        return "Trong ngày làm việc"
    number = f"{limit.normalize():f}".replace(".", ",") if isinstance(limit, Decimal) else str(limit)
    return f"{number} {TimeUnit(unit).label}"


def mask_id(number: str) -> str:
    """Keep the last 4 digits only (Decree 13/2023: a QR is readable by anyone holding the paper)."""
    number = (number or "").strip()
    return "*" * max(len(number) - 4, 0) + number[-4:] if number else ""


_PLACE_PREFIX = re.compile(
    r"^(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+)?(?:tỉnh|thành phố|TP\.?|xã|phường|đặc khu)\s+", re.I
)


def place_name(agency: Agency) -> str:
    """The place on the date line: settings.DOCUMENT_PLACE, else the province (the root of the agency tree)."""
    configured = getattr(settings, "DOCUMENT_PLACE", "")
    if configured:
        return configured
    root = agency
    for _level in range(6):  # the tree is shallow; never loop on bad data
        if root.parent is None:
            break
        root = root.parent
    return _PLACE_PREFIX.sub("", root.name).strip()


TIMELINESS_LABELS = {deadlines.EARLY: "Trước hạn", deadlines.ON_TIME: "Đúng hạn", deadlines.LATE: "Quá hạn"}


def timeliness(done: datetime, due: datetime) -> str:
    """The form's label for the one rule in deadlines.timeliness."""
    return TIMELINESS_LABELS[deadlines.timeliness(done, due)]


# ---------------------------------------------------------------------------------------------------------
# QR code (Circular 01/2023)
# ---------------------------------------------------------------------------------------------------------

def _public_url(name: str, fallback: str, *args) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:  # the public tracking pages are wired by the dossiers views (CONTRACTS.md URLs)
        path = fallback
    return settings.SITE_URL + path


def tracking_url(dossier: Dossier) -> str:
    token = dossier.tracking_token
    return _public_url("dossiers:tracking-token", f"/tra-cuu/t/{token}/", token)


# Short labels keep the QR code small (version 14, 73×73 modules, at level M for a receipt): easier to scan
# from paper.
ID_TYPE_SHORT = {"cccd": "CCCD", "can_cuoc": "Căn cước", "cmnd": "CMND", "passport": "Hộ chiếu"}


def qr_payload(dossier: Dossier, kind: str, *, issued_at: datetime | None = None) -> str:
    """What the QR code says: Circular 01/2023 content, then the tracking URL (its token opens the page).

    The applicant is identified by the masked ID number (last 4 digits), never the full number.
    """
    kind = FormKind(kind)
    id_number = mask_id(dossier.applicant_id_number)
    id_type = ID_TYPE_SHORT.get(dossier.applicant_id_type, dossier.applicant_id_type)
    lines = [
        f"Mã hồ sơ: {dossier.code or '—'}",
        f"Mã TTHC: {dossier.procedure.code}",
        f"Người nộp: {id_type} {id_number}" if id_number else "",
        f"Văn bản: {kind.label}",
        f"Hệ thống: {settings.ISSUING_SYSTEM}",
        f"Phát hành: {local(issued_at or timezone.now()):%H:%M %d/%m/%Y}",
        f"Hẹn trả: {local(dossier.due_at):%H:%M %d/%m/%Y}" if kind == FormKind.RECEIPT and dossier.due_at else "",
        f"Tra cứu: {tracking_url(dossier)}",
    ]
    return "\n".join(line for line in lines if line)


QR_QUIET_ZONE = 4  # modules of white around the code (ISO/IEC 18004)
_QR_GREY = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # segno's light/dark modules → white/black pixels


def qr_data_uri(payload: str) -> str:
    """An 8-bit greyscale PNG data URI, one pixel per module (the template scales it up without smoothing)."""
    # mask=0 skips segno's pure-Python mask scoring (~25 ms, half the budget of a receipt): any of the
    # eight masks is valid and decodes; the error correction level M keeps a smudged print readable.
    matrix = segno.make(payload, error="m", micro=False, mask=0).matrix
    # Greyscale rather than segno's 1-bit PNG, which WeasyPrint converts to RGB and encodes twice more.
    side = len(matrix) + 2 * QR_QUIET_ZONE
    quiet_rows, quiet_cols = b"\xff" * side * QR_QUIET_ZONE, b"\xff" * QR_QUIET_ZONE
    pixels = b"".join([quiet_rows, *(quiet_cols + row.translate(_QR_GREY) + quiet_cols for row in matrix), quiet_rows])
    png = io.BytesIO()
    # Fast zlib level: WeasyPrint decodes and recompresses the image into the PDF anyway.
    Image.frombytes("L", (side, side), pixels).save(png, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


# ---------------------------------------------------------------------------------------------------------
# Context builders, one per form (plain data in, display-ready strings out)
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Header:
    agency: Agency
    number: str
    issued_at: datetime


def _header_context(header: Header, kind: str) -> dict:
    agency = header.agency
    return {
        "kind": kind,
        "title": FormKind(kind).label,
        "agency_name": agency.name,
        "parent_name": agency.parent.name if agency.parent_id else "",
        "agency_address": agency.address,
        "agency_phone": agency.phone,
        "number": header.number,
        "date_line": date_line(header.issued_at, place_name(agency)),
        "issued_at": fmt_datetime(header.issued_at),
        "issuing_system": settings.ISSUING_SYSTEM,
        "tracking_hint": _public_url("dossiers:tracking", "/tra-cuu/"),
    }


def _applicant_context(dossier: Dossier) -> dict:
    case = dossier.case
    content = dossier.procedure.name
    if case and case.name and case.name != "Trường hợp chung":
        content = f"{content} — {case.name}"
    return {
        "code": dossier.code or "",
        "applicant_name": dossier.applicant_name,
        "applicant_address": dossier.applicant_address,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_id_label": dossier.get_applicant_id_type_display(),
        "applicant_id_number": dossier.applicant_id_number,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "content": dossier.summary or content,
        "received_at": fmt_datetime(dossier.received_at),
        "received_date": fmt_date(dossier.received_at),
        "due_at": fmt_appointment(dossier.due_at),
    }


def _qr_context(dossier: Dossier, kind: str, issued_at: datetime) -> dict:
    if kind not in QR_KINDS:
        return {}
    return {"qr": qr_data_uri(qr_payload(dossier, kind, issued_at=issued_at))}


def _person(user) -> str:
    return (user.full_name or user.get_username()) if user else ""


def document_rows(dossier: Dossier) -> list[dict]:
    """The receipt's document table: the desk's checklist, or (online dossiers) the attachments."""
    rows = [
        {"name": item.name, "originals": item.originals, "certified": item.certified_copies,
         "photocopies": item.photocopies}
        for item in ChecklistItem.objects.filter(dossier=dossier)
    ]
    if rows:
        return rows
    grouped: dict[str, dict] = {}
    for att in dossier.attachments.select_related("required_document"):
        name = att.required_document.name if att.required_document_id else att.original_name
        row = grouped.setdefault(name, {"name": name, "originals": 0, "certified": 0, "photocopies": 0})
        # The electronic file counts as one copy of its kind; paper brought to the desk adds to the counts.
        column = {CopyKind.ORIGINAL: "originals", CopyKind.CERTIFIED: "certified"}.get(att.copy_kind,
                                                                                         "photocopies")
        row[column] += 1
        row["originals"] += att.paper_originals
        row["certified" if att.copy_kind == CopyKind.CERTIFIED else "photocopies"] += att.paper_copies
    return list(grouped.values())


def _collect_place(dossier: Dossier, agency: Agency) -> str:
    if dossier.delivery == Delivery.POSTAL:
        return f"Qua dịch vụ bưu chính công ích, đến địa chỉ: {dossier.applicant_address}"
    if dossier.delivery == Delivery.ONLINE:
        return f"Trực tuyến, trên {settings.ISSUING_SYSTEM}"
    return f"{agency.name}, {agency.address}" if agency.address else agency.name


def receipt_context(dossier: Dossier, header: Header, *, rows: list[dict], by=None,
                    extra: dict | None = None) -> dict:
    extra = extra or {}
    if not (dossier.code and dossier.received_at and dossier.due_at):
        raise Conflict(
            _("Hồ sơ chưa được tiếp nhận (chưa có mã hồ sơ và ngày hẹn trả), chưa thể in giấy tiếp nhận."),
            code="not_received",
        )
    case = dossier.case
    limit = dossier.time_limit if dossier.time_limit is not None else (case.time_limit if case else None)
    return {
        **_header_context(header, FormKind.RECEIPT),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.RECEIPT, header.issued_at),
        "channel": Channel(dossier.channel).label,
        "rows": rows,
        "sets": extra.get("sets", 1),
        "time_limit": fmt_time_limit(limit, dossier.time_unit),
        "fee": fmt_vnd(dossier.fee_due_vnd) if dossier.fee_due_vnd else "",
        "collect_place": extra.get("collect_place") or _collect_place(dossier, header.agency),
        "book_volume": extra.get("book_volume", f"01/{local(header.issued_at).year}"),
        "book_entry": extra.get("book_entry", ""),  # issue_document sets the receipt's own sequence
        "receiver_name": _person(dossier.received_by or by),
    }


def supplement_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    extra = extra or {}
    # The open pause; once the citizen has supplemented, the latest one (a reprint issued later).
    pauses = Pause.objects.filter(dossier=dossier).select_related("requested_by")
    pause = pauses.filter(ended_at__isnull=True).first() or pauses.order_by("-started_at").first()
    items = [item for item in (pause.items if pause else []) if (item.get("document") or "").strip()]
    if not items:
        raise DomainError(
            _("Phiếu yêu cầu bổ sung phải nêu ít nhất một giấy tờ cần bổ sung và lý do."),
            code="items_required",
        )
    officer = pause.requested_by or by
    return {
        **_header_context(header, FormKind.SUPPLEMENT),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.SUPPLEMENT, header.issued_at),
        "items": items,
        "requested_at": fmt_datetime(pause.started_at),
        "contact_name": extra.get("contact_name") or _person(officer),
        "contact_phone": extra.get("contact_phone") or (officer.phone if officer and officer.phone else "")
        or header.agency.phone,
        "officer_name": _person(officer),
    }


def refusal_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    extra = extra or {}
    if not dossier.outcome_reason.strip():
        raise DomainError(_("Phiếu từ chối phải nêu rõ lý do từ chối."), code="reason_required")
    return {
        **_header_context(header, FormKind.REFUSAL),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.REFUSAL, header.issued_at),
        "reason": dossier.outcome_reason,
        "legal_basis": dossier.outcome_legal_basis,
        "contact_name": extra.get("contact_name") or _person(by),
        "contact_phone": extra.get("contact_phone") or header.agency.phone,
        "officer_name": _person(by),
    }


def apology_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    extra = extra or {}
    extension = dossier.extensions.select_related("responsible_agency").order_by("-created_at", "-id").first()
    if extension is None:
        raise Conflict(_("Hồ sơ chưa có hẹn lại ngày trả kết quả, chưa thể in văn bản xin lỗi."), code="no_extension")
    responsible = extension.responsible_agency or dossier.current_agency
    return {
        **_header_context(header, FormKind.APOLOGY),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.APOLOGY, header.issued_at),
        "previous_due_at": fmt_appointment(extension.previous_due_at),
        "new_due_at": fmt_appointment(extension.new_due_at),
        "reason": extension.reason,
        "responsible_agency": responsible.name,
        "signer_title": extra.get("signer_title", "THỦ TRƯỞNG CƠ QUAN"),
        "signer_name": extra.get("signer_name", ""),
    }


def stop_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    extra = extra or {}
    if not dossier.outcome_reason.strip():
        raise DomainError(_("Thông báo dừng giải quyết phải nêu rõ lý do."), code="reason_required")
    return {
        **_header_context(header, FormKind.STOP),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.STOP, header.issued_at),
        "reason": dossier.outcome_reason,
        "legal_basis": dossier.outcome_legal_basis,
        "stopped_at": fmt_datetime(dossier.completed_at),
        "signer_title": extra.get("signer_title", "THỦ TRƯỞNG CƠ QUAN"),
        "signer_name": extra.get("signer_name", ""),
    }


def _unit(agency, user) -> str:
    parts = [p for p in (agency.name if agency else "", _person(user)) if p]
    return " — ".join(parts) or "—"


def control_sheet_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    steps = list(
        StepLog.objects.filter(dossier=dossier).select_related("by", "to_user", "from_agency", "to_agency")
        .order_by("at", "id")
    )
    now = timezone.now()
    handovers, results = [], []
    for index, step in enumerate(steps):
        # A step's own deadline is judged when the next step takes the dossier over.
        ended = steps[index + 1].at if index + 1 < len(steps) else None
        if step.step_due_at is None:
            verdict = ""
        elif ended is not None:
            verdict = timeliness(ended, step.step_due_at)
        else:
            verdict = "Quá hạn" if now > step.step_due_at else "Đang xử lý"
        receiver = _unit(step.to_agency, step.to_user)
        if step.action == "return_result" and not (step.to_agency_id or step.to_user_id):
            receiver = (f"Bưu chính công ích ({dossier.postal_tracking_number})" if dossier.postal_tracking_number
                        else dossier.collected_by_name or dossier.applicant_name)
        row = {
            "action": ACTION_LABELS.get(step.action, step.action),
            "giver": _unit(step.from_agency, step.by),
            "receiver": receiver,
            "at": fmt_datetime(step.at),
            "step_due_at": fmt_datetime(step.step_due_at),
            "verdict": verdict,
            "note": step.note,
        }
        if step.action in RESULT_ACTIONS:
            due = dossier.original_due_at or dossier.due_at
            row["verdict"] = timeliness(step.at, due) if due else ""
            results.append(row)
        else:
            handovers.append(row)
    case = dossier.case
    limit = dossier.time_limit if dossier.time_limit is not None else (case.time_limit if case else None)
    return {
        **_header_context(header, FormKind.CONTROL_SHEET),
        **_applicant_context(dossier),
        "time_limit": fmt_time_limit(limit, dossier.time_unit),
        "original_due_at": fmt_appointment(dossier.original_due_at),
        "step_due_at": fmt_datetime(dossier.step_due_at),
        "documents": document_rows(dossier),
        "handovers": handovers,
        "results": results,
        "status": Status(dossier.status).label,
    }


def handover_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    if dossier.status != Status.RETURNED and not dossier.returned_at:
        raise Conflict(_("Hồ sơ chưa trả kết quả, chưa thể in giấy biên nhận trả kết quả."), code="not_returned")
    returned_step = StepLog.objects.filter(dossier=dossier, action="return_result").select_related("by").last()
    officer = returned_step.by if returned_step and returned_step.by else by
    return {
        **_header_context(header, FormKind.HANDOVER),
        **_applicant_context(dossier),
        **_qr_context(dossier, FormKind.HANDOVER, header.issued_at),
        "officer_name": _person(officer),
        "collector_name": dossier.collected_by_name or (dossier.applicant_name if not dossier.postal_tracking_number
                                                        else ""),
        "collector_id": dossier.collected_by_id_number,
        "on_behalf": dossier.collected_on_behalf,
        "postal_tracking_number": dossier.postal_tracking_number,
        "result_summary": dossier.result_summary,
        "returned_at": fmt_datetime(dossier.returned_at or header.issued_at),
    }


def tracking_book_rows(*, agency: Agency, start: date, end: date) -> list[dict]:
    """Dossiers the agency received from ``start`` to ``end`` (inclusive, local dates), in receipt order.

    The PDF and the Excel book are both built from these rows, so they always agree.
    """
    since = datetime.combine(start, time.min, tzinfo=VN_TZ)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=VN_TZ)
    dossiers = (
        Dossier.objects.filter(receiving_agency=agency, received_at__gte=since, received_at__lt=until)
        .select_related("procedure").order_by("received_at", "id")
    )
    rows = []
    for index, d in enumerate(dossiers, start=1):
        notes = []
        if d.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
            notes.append(str(Status(d.status).label))
        if d.original_due_at and d.due_at and d.due_at != d.original_due_at:
            notes.append(f"Hẹn lại {fmt_date(d.due_at)}")
        if d.postal_tracking_number:
            notes.append(f"Bưu chính: {d.postal_tracking_number}")
        if d.collected_on_behalf and d.collected_by_name:
            notes.append(f"Nhận thay: {d.collected_by_name}")
        rows.append({
            "index": index,
            "code": d.code or "",
            "content": d.summary or d.procedure.name,
            "owner": d.applicant_name,
            "address": d.applicant_address,
            "phone": d.applicant_phone,
            "received_at": local(d.received_at),
            "due_at": local(d.original_due_at or d.due_at),
            "result_at": local(d.completed_at) if d.status in (Status.RESULT_READY, Status.RETURNED) else None,
            "returned_at": local(d.returned_at),
            "notes": "; ".join(notes),
        })
    return rows


TRACKING_BOOK_HEADERS = (
    "STT", "Mã hồ sơ", "Nội dung", "Chủ hồ sơ", "Địa chỉ", "Số điện thoại", "Ngày nhận hồ sơ",
    "Ngày hẹn trả kết quả", "Ngày nhận kết quả từ cơ quan giải quyết", "Ngày trả kết quả", "Ghi chú",
)


def tracking_book_context(header: Header, *, start: date, end: date) -> dict:
    rows = tracking_book_rows(agency=header.agency, start=start, end=end)
    # About 15 ms of rendering per row: past the cap a web request would hang for tens of seconds.
    # The Excel book has no cap.
    limit = getattr(settings, "TRACKING_BOOK_PDF_MAX_ROWS", 1000)
    if len(rows) > limit:
        raise DomainError(
            _("Kỳ này có %(count)s hồ sơ, quá %(limit)s hồ sơ cho một sổ PDF: hãy chọn khoảng thời gian ngắn "
              "hơn hoặc tải sổ dạng Excel.") % {"count": len(rows), "limit": limit},
            code="too_many_rows",
        )
    rows = [
        {**row, **{key: fmt_datetime(row[key]) for key in ("received_at", "due_at", "result_at", "returned_at")}}
        for row in rows
    ]
    return {
        **_header_context(header, FormKind.TRACKING_BOOK),
        "headers": TRACKING_BOOK_HEADERS,
        "widths": (4, 15, 13, 10, 13, 8, 6.5, 6.5, 6.5, 6.5, 10.5),
        "rows": rows,
        "start": fmt_date(start),
        "end": fmt_date(end),
    }


def tracking_book_xlsx(*, agency: Agency, start: date, end: date) -> bytes:
    """The tracking book for a period as an Excel workbook (same rows as the PDF)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sổ theo dõi hồ sơ"
    sheet.append([f"SỔ THEO DÕI HỒ SƠ — {agency.name}"])
    sheet.append([f"Từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}"])
    sheet.append(list(TRACKING_BOOK_HEADERS))
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in tracking_book_rows(agency=agency, start=start, end=end):
        sheet.append([
            row["index"], row["code"], row["content"], row["owner"], row["address"], row["phone"],
            *(row[key].replace(tzinfo=None) if row[key] else None
              for key in ("received_at", "due_at", "result_at", "returned_at")),
            row["notes"],
        ])
    for cells in sheet.iter_rows(min_row=4, min_col=7, max_col=10):
        for cell in cells:
            cell.number_format = "dd/mm/yyyy hh:mm"
    for index, width in enumerate((6, 28, 45, 24, 35, 14, 17, 17, 17, 17, 30), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A4"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Issuing: number, render, store
# ---------------------------------------------------------------------------------------------------------

def payment_receipt_context(dossier: Dossier, header: Header, *, by=None, extra: dict | None = None) -> dict:
    """The electronic fee receipt: issued by dossiers/payments/ (extra["payment"]), which owns what it says."""
    from .payments.receipt import payment_context

    return {
        **_header_context(header, FormKind.PAYMENT_RECEIPT),
        **_applicant_context(dossier),
        **payment_context(extra["payment"]),
    }


DOSSIER_BUILDERS = {
    FormKind.SUPPLEMENT: supplement_context,
    FormKind.REFUSAL: refusal_context,
    FormKind.APOLOGY: apology_context,
    FormKind.STOP: stop_context,
    FormKind.CONTROL_SHEET: control_sheet_context,
    FormKind.HANDOVER: handover_context,
    FormKind.PAYMENT_RECEIPT: payment_receipt_context,
}


def _check_issuer(by, agency: Agency) -> None:
    if by is None:  # the system itself (a Celery task issuing an apology)
        return
    if not by.has_role(*STAFF_ROLES) or not in_scope(by, agency.pk):
        raise NotAllowed(_("Bạn không có quyền phát hành văn bản của cơ quan này."))


def _last_number(agency: Agency, kind: str, year: int) -> int:
    since = datetime(year, 1, 1, tzinfo=VN_TZ)
    last = (
        IssuedDocument.objects.filter(agency=agency, kind=kind, issued_at__gte=since,
                                      issued_at__lt=since.replace(year=year + 1))
        .order_by("-id").values_list("number", flat=True).first()
    )
    return int(last.split("/", 1)[0]) if last else 0


def issue_document(*, kind: FormKind | str, by, dossier: Dossier | None = None, agency: Agency | None = None,
                   extra: dict | None = None, period: tuple[date, date] | None = None) -> IssuedDocument:
    """Render a form, number it (next per agency, kind and year), store the PDF and its sha256.

    ``agency`` defaults to the dossier's receiving agency (the desk that issues the paper). ``extra`` may
    carry: sets, collect_place, book_volume, book_entry (receipt); contact_name, contact_phone
    (supplement, refusal); signer_title, signer_name (apology, stop). ``period`` (start, end) is required
    for the tracking book. Raises DomainError (missing reason, items, period), Conflict (the dossier is not
    in a state that has this form), NotAllowed (the user is outside the agency's scope).
    """
    kind = FormKind(kind)
    if kind == FormKind.PAYMENT_RECEIPT and not (extra or {}).get("payment"):
        raise DomainError(
            _("Biên lai thu phí, lệ phí điện tử được phát hành qua hệ thống thanh toán."),
            code="not_supported",
        )
    if kind == FormKind.TRACKING_BOOK:
        if agency is None or not period or period[0] > period[1]:
            raise DomainError(
                _("Sổ theo dõi hồ sơ cần cơ quan và khoảng thời gian (từ ngày ≤ đến ngày)."),
                code="period_required",
            )
    elif dossier is None:
        raise DomainError(_("Văn bản này phải gắn với một hồ sơ."), code="dossier_required")
    agency = agency or dossier.receiving_agency
    _check_issuer(by, agency)

    # Build the context first: a missing reason or a dossier in the wrong state fails before any write.
    issued_at = timezone.now()
    year = local(issued_at).year
    header = Header(agency=agency, number="", issued_at=issued_at)
    if kind == FormKind.RECEIPT:
        context = receipt_context(dossier, header, rows=document_rows(dossier), by=by, extra=extra)
    elif kind == FormKind.TRACKING_BOOK:
        context = tracking_book_context(header, start=period[0], end=period[1])
    else:
        context = DOSSIER_BUILDERS[kind](dossier, header, by=by, extra=extra)

    with transaction.atomic():
        issued = _reserve_number(kind=kind, agency=agency, dossier=dossier, by=by, issued_at=issued_at,
                                 period=period)
        seq = int(issued.number.split("/", 1)[0])
        context["number"] = issued.number
        if kind == FormKind.RECEIPT and "book_entry" not in (extra or {}):
            context["book_entry"] = seq
        pdf = render_pdf(TEMPLATES[kind], context)
        issued.sha256 = hashlib.sha256(pdf).hexdigest()
        issued.file.save(f"{kind}-{agency.code}-{year}-{seq:06d}.pdf", ContentFile(pdf), save=False)
        issued.save(update_fields=["sha256", "file"])
    return issued


def _reserve_number(*, kind, agency, dossier, by, issued_at, period) -> IssuedDocument:
    """Insert the row with the next number of (agency, kind, year); the caller renders and stores the file.

    The unique (agency, kind, number) constraint settles a race: a second clerk taking the same number
    waits on the first one's insert, fails when it commits, and takes the next number (no re-render).
    The row and the file are written in the caller's transaction, so a failed render leaves nothing.
    """
    year = local(issued_at).year
    for _attempt in range(25):
        seq = _last_number(agency, kind, year) + 1
        try:
            with transaction.atomic():
                return IssuedDocument.objects.create(
                    kind=kind, number=f"{seq}/{year}/{NUMBER_SYMBOL[kind]}", dossier=dossier, agency=agency,
                    issued_by=by, issued_at=issued_at,
                    period_start=period[0] if period else None, period_end=period[1] if period else None,
                )
        except IntegrityError:
            continue
    raise Conflict(_("Không cấp được số văn bản do có nhiều yêu cầu cùng lúc, vui lòng thử lại."), code="busy")


def reprint(issued: IssuedDocument) -> bytes:
    """The stored bytes of an issued form, checked against the sha256 taken at issue."""
    with issued.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != issued.sha256:
        raise Conflict(_("Tệp văn bản đã lưu không còn nguyên vẹn (sai mã băm), không thể in lại."), code="tampered")
    return data
