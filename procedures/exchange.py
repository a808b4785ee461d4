"""The catalog exchange format: one record per procedure, with its versions, cases, documents and route.

A record is a plain dict (the JSON export writes a list of them; the CSV export writes one row per
record with the nested parts as JSON cells). ``procedure_record`` reads a record off the database and
``clean_record`` turns an incoming record into the same canonical shape, so "is this row different from
what we have?" is a dict comparison and export → import → export is byte-identical.

Agencies are referred to by their electronic ID (``Agency.code``); they are account data and must
exist before a catalog that names them is imported. ``form_file`` carries the stored file's name only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accounts.roles import Role

from .models import Level, OnlineLevel, Procedure, TimeUnit
from .seed import decimal_text

FORMAT_NAME = "motcua.procedures"
FORMAT_VERSION = 1
CSV_BOM = "\ufeff"  # Excel opens UTF-8 CSV with Vietnamese text correctly only with a BOM.

TEXT_FIELDS = ("local_code", "level_note", "coordinating_agencies", "fee_note", "applicants", "conditions",
               "result", "legal_basis", "source")
BOOL_FIELDS = ("national_code_published", "accepts_desk", "accepts_postal", "accepts_online", "postal_return",
               "is_active")
CSV_COLUMNS = (
    "code", "national_code_published", "local_code", "name", "field_code", "field_name", "level", "level_note",
    "agencies", "coordinating_agencies", "steps", "accepts_desk", "accepts_postal", "accepts_online",
    "postal_return", "online_level", "fee_vnd", "fee_note", "applicants", "conditions", "result", "legal_basis",
    "source", "is_active", "versions",
)
REQUIRED_CSV_COLUMNS = ("code", "name", "field_code", "field_name", "level")


class RecordError(Exception):
    """One or more problems in one record; messages are for people."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class CatalogFileError(Exception):
    """The file as a whole cannot be read (not UTF-8, not JSON, missing columns)."""


# --------------------------------------------------------------------------- database → record


def _date_text(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def procedure_record(procedure: Procedure) -> dict:
    """The canonical record of a procedure. Expects ``selectors.catalog_for_export`` prefetching."""
    return {
        "code": procedure.code,
        "national_code_published": procedure.national_code_published,
        "local_code": procedure.local_code,
        "name": procedure.name,
        "field_code": procedure.field.code,
        "field_name": procedure.field.name,
        "level": procedure.level,
        "level_note": procedure.level_note,
        "agencies": sorted(a.code for a in procedure.agencies.all()),
        "coordinating_agencies": procedure.coordinating_agencies,
        "steps": list(procedure.steps or []),
        "accepts_desk": procedure.accepts_desk,
        "accepts_postal": procedure.accepts_postal,
        "accepts_online": procedure.accepts_online,
        "postal_return": procedure.postal_return,
        "online_level": procedure.online_level,
        "fee_vnd": procedure.fee_vnd,
        "fee_note": procedure.fee_note,
        "applicants": procedure.applicants,
        "conditions": procedure.conditions,
        "result": procedure.result,
        "legal_basis": procedure.legal_basis,
        "source": procedure.source,
        "is_active": procedure.is_active,
        "versions": [
            {**version_record(v), "current": v.pk == procedure.current_version_id}
            for v in sorted(procedure.versions.all(), key=lambda v: v.pk)
        ],
    }


def version_record(version) -> dict:
    return {
        "decision_number": version.decision_number,
        "decision_date": _date_text(version.decision_date),
        "effective_from": _date_text(version.effective_from),
        "note": version.note,
        "cases": [
            {
                "name": case.name,
                "order": case.order,
                "legal_time": decimal_text(case.legal_time),
                "committed_time": decimal_text(case.committed_time),
                "time_unit": case.time_unit,
                "time_note": case.time_note,
                "fee_vnd": case.fee_vnd,
                "documents": [
                    {
                        "order": d.order,
                        "name": d.name,
                        "originals": d.originals,
                        "copies": d.copies,
                        "is_required": d.is_required,
                        "form_name": d.form_name,
                        "form_file": d.form_file.name or "",
                        "note": d.note,
                    }
                    for d in sorted(case.documents.all(), key=lambda d: (d.order, d.pk))
                ],
                "route": [
                    {
                        "order": s.order,
                        "name": s.name,
                        "role": s.role,
                        "agency": s.agency.code if s.agency_id else None,
                        "share_percent": decimal_text(s.share_percent),
                    }
                    for s in sorted(case.route.all(), key=lambda s: s.order)
                ],
            }
            for case in sorted(version.cases.all(), key=lambda c: (c.order, c.pk))
        ],
    }


# --------------------------------------------------------------------------- records → text


def dumps_json(records: list[dict]) -> str:
    document = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "procedures": records}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps_csv(records: list[dict]) -> str:
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for record in records:
        row = {}
        for column in CSV_COLUMNS:
            value = record[column]
            if column == "agencies":
                value = ";".join(value)
            elif column in ("steps", "versions"):
                value = _compact(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif value is None:
                value = ""
            row[column] = value
        writer.writerow(row)
    return out.getvalue()


# --------------------------------------------------------------------------- text → rows


def _text(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = _("Tệp không phải văn bản UTF-8 (lỗi ở byte %(pos)s).") % {"pos": exc.start}
            raise CatalogFileError(message) from exc
    return data.removeprefix(CSV_BOM)


def read_csv(data: bytes | str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(_text(data), newline=""))
    columns = reader.fieldnames or []
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if missing:
        raise CatalogFileError(_("Tệp CSV thiếu cột: %(cols)s.") % {"cols": ", ".join(missing)})
    try:
        return list(reader)
    except csv.Error as exc:
        message = _("Tệp CSV hỏng ở dòng %(line)s: %(err)s") % {"line": reader.line_num, "err": exc}
        raise CatalogFileError(message) from exc


def read_seed_csv(data: bytes | str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(_text(data), newline=""))
    if "name" not in (reader.fieldnames or []):
        raise CatalogFileError(_("Tệp dữ liệu mẫu thiếu cột “name”."))
    return list(reader)


def read_json(data: bytes | str) -> list[dict]:
    try:
        document = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            _("Tệp JSON không hợp lệ ở dòng %(line)s, cột %(col)s: %(msg)s")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
    if isinstance(document, dict):
        if document.get("format", FORMAT_NAME) != FORMAT_NAME:
            message = _("Tệp JSON không phải danh mục thủ tục (format “%(f)s”).") % {"f": document["format"]}
            raise CatalogFileError(message)
        document = document.get("procedures")
    if not isinstance(document, list):
        raise CatalogFileError(_("Tệp JSON phải có danh sách “procedures”."))
    return document


def read_rows(data: bytes | str, fmt: str) -> list[dict]:
    readers = {"csv": read_csv, "json": read_json, "seed": read_seed_csv}
    if fmt not in readers:
        raise CatalogFileError(_("Định dạng “%(fmt)s” không được hỗ trợ (csv, json, seed).") % {"fmt": fmt})
    return readers[fmt](data)


def row_label(fmt: str, index: int) -> str:
    """How a person finds the row: spreadsheet row (header is row 1) or item number in the JSON list."""
    if fmt == "json":
        return _("Mục %(n)s") % {"n": index + 1}
    return _("Dòng %(n)s") % {"n": index + 2}


def csv_row_to_record(row: dict) -> dict:
    """A CSV row (all strings) → a raw record; the JSON cells are decoded here, types in ``clean_record``."""
    if None in row:
        raise RecordError([_("Dòng có nhiều ô hơn tiêu đề.")])
    record: dict = {k: (v if v is not None else "") for k, v in row.items()}
    problems = []
    for column in ("steps", "versions"):
        cell = (record.get(column) or "").strip()
        if not cell:
            record[column] = []
            continue
        try:
            record[column] = json.loads(cell)
        except json.JSONDecodeError as exc:
            problems.append(_("Ô “%(col)s” không phải JSON hợp lệ: %(msg)s") % {"col": column, "msg": exc.msg})
    agencies = record.get("agencies") or ""
    record["agencies"] = [c.strip() for c in agencies.split(";") if c.strip()]
    for column in ("fee_vnd",):
        if record.get(column, "") == "":
            record[column] = None
    if problems:
        raise RecordError(problems)
    return record


# --------------------------------------------------------------------------- raw record → canonical record

_TRUE = {"true", "1", "có", "co", "yes", "x"}
_FALSE = {"false", "0", "không", "khong", "no", ""}


class _Cleaner:
    """Collects every problem of one record instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def fail(self, where: str, message: str):
        self.problems.append(f"{where}: {message}" if where else message)

    def text(self, value, where, *, required=False, strip=False) -> str:
        """Text is kept exactly as given (export → import must not change a byte); codes are stripped."""
        if value is None:
            value = ""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.fail(where, _("phải là chuỗi ký tự."))
            return ""
        if strip:
            value = value.strip()
        if required and not value.strip():
            self.fail(where, _("không được để trống."))
        return value

    def boolean(self, value, where, *, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.fail(where, _("phải là true hoặc false (nhận “%(v)s”).") % {"v": value})
        return default

    def integer(self, value, where, *, nullable=False, default=0) -> int | None:
        if value is None or value == "":
            if nullable:
                return None
            return default
        if isinstance(value, bool):
            self.fail(where, _("phải là số nguyên không âm."))
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(where, _("phải là số nguyên không âm (nhận “%(v)s”).") % {"v": value})
            return default
        if number < 0:
            self.fail(where, _("phải là số nguyên không âm (nhận “%(v)s”).") % {"v": value})
        return number

    def decimal(self, value, where, *, nullable=True, maximum=None) -> str | None:
        if value is None or value == "":
            if not nullable:
                self.fail(where, _("không được để trống."))
            return None
        if isinstance(value, bool):
            self.fail(where, _("phải là số."))
            return None
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            self.fail(where, _("phải là số (nhận “%(v)s”).") % {"v": value})
            return None
        if not number.is_finite() or number < 0 or (maximum is not None and number > maximum):
            self.fail(where, _("giá trị “%(v)s” nằm ngoài khoảng cho phép.") % {"v": value})
            return None
        if number != number.quantize(Decimal("0.01")):
            self.fail(where, _("chỉ được có tối đa 2 chữ số thập phân (nhận “%(v)s”).") % {"v": value})
            return None
        return decimal_text(number)

    def date(self, value, where) -> str | None:
        if value is None or value == "":
            return None
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            self.fail(where, _("ngày phải theo dạng YYYY-MM-DD (nhận “%(v)s”).") % {"v": value})
            return None

    def choice(self, value, where, choices) -> str:
        value = self.text(value, where)
        if value not in choices.values:
            self.fail(where, _("“%(v)s” không phải một trong: %(c)s.") % {"v": value, "c": ", ".join(choices.values)})
        return value

    def listing(self, value, where) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, _("phải là một danh sách."))
            return []
        return value

    def mapping(self, value, where) -> dict:
        if not isinstance(value, dict):
            self.fail(where, _("phải là một đối tượng (JSON object)."))
            return {}
        return value


def clean_record(raw) -> dict:
    """A raw record (from JSON, or a decoded CSV row) → the canonical record. Raises RecordError."""
    c = _Cleaner()
    if not isinstance(raw, dict):
        raise RecordError([_("Mỗi mục phải là một đối tượng (JSON object).")])
    record = {
        "code": c.text(raw.get("code"), _("Mã thủ tục"), required=True, strip=True),
        "name": unicodedata.normalize("NFC", c.text(raw.get("name"), _("Tên thủ tục"), required=True)),
        "field_code": c.text(raw.get("field_code"), _("Mã lĩnh vực"), required=True, strip=True),
        "field_name": c.text(raw.get("field_name"), _("Tên lĩnh vực"), required=True),
        "level": c.choice(raw.get("level"), _("Cấp thực hiện"), Level),
        "online_level": c.choice(raw.get("online_level") or OnlineLevel.UNPUBLISHED, _("Mức độ DVC trực tuyến"),
                                 OnlineLevel),
        "fee_vnd": c.integer(raw.get("fee_vnd"), _("Phí, lệ phí"), nullable=True),
        "agencies": sorted({c.text(a, _("Cơ quan thực hiện"), strip=True)
                            for a in c.listing(raw.get("agencies"), _("Cơ quan thực hiện"))}),
        "steps": [c.text(s, _("Trình tự"), required=True) for s in c.listing(raw.get("steps"), _("Trình tự"))],
    }
    for name in TEXT_FIELDS:
        record[name] = c.text(raw.get(name), name)
    for name in BOOL_FIELDS:
        record[name] = c.boolean(raw.get(name), name, default=name != "accepts_online")
    versions = []
    for vi, raw_version in enumerate(c.listing(raw.get("versions"), _("Phiên bản")), start=1):
        where = _("Phiên bản %(n)s") % {"n": vi}
        raw_version = c.mapping(raw_version, where)
        version = {
            "decision_number": c.text(raw_version.get("decision_number"), where),
            "decision_date": c.date(raw_version.get("decision_date"), where),
            "effective_from": c.date(raw_version.get("effective_from"), where),
            "note": c.text(raw_version.get("note"), where),
            "cases": [],
            "current": c.boolean(raw_version.get("current"), where, default=False),
        }
        for ci, raw_case in enumerate(c.listing(raw_version.get("cases"), where), start=1):
            cwhere = _("%(v)s, trường hợp %(n)s") % {"v": where, "n": ci}
            raw_case = c.mapping(raw_case, cwhere)
            case = {
                "name": c.text(raw_case.get("name"), cwhere, required=True),
                "order": c.integer(raw_case.get("order"), cwhere, default=ci),
                "legal_time": c.decimal(raw_case.get("legal_time"), f"{cwhere} ({_('thời hạn theo luật')})"),
                "committed_time": c.decimal(raw_case.get("committed_time"), f"{cwhere} ({_('thời hạn cam kết')})"),
                "time_unit": c.choice(raw_case.get("time_unit") or TimeUnit.WORKING_DAYS, cwhere, TimeUnit),
                "time_note": c.text(raw_case.get("time_note"), cwhere),
                "fee_vnd": c.integer(raw_case.get("fee_vnd"), cwhere, nullable=True),
                "documents": [],
                "route": [],
            }
            for di, raw_doc in enumerate(c.listing(raw_case.get("documents"), cwhere), start=1):
                dwhere = _("%(c)s, giấy tờ %(n)s") % {"c": cwhere, "n": di}
                raw_doc = c.mapping(raw_doc, dwhere)
                case["documents"].append({
                    "order": c.integer(raw_doc.get("order"), dwhere, default=di),
                    "name": c.text(raw_doc.get("name"), dwhere, required=True),
                    "originals": c.integer(raw_doc.get("originals"), dwhere),
                    "copies": c.integer(raw_doc.get("copies"), dwhere),
                    "is_required": c.boolean(raw_doc.get("is_required"), dwhere, default=True),
                    "form_name": c.text(raw_doc.get("form_name"), dwhere),
                    "form_file": c.text(raw_doc.get("form_file"), dwhere),
                    "note": c.text(raw_doc.get("note"), dwhere),
                })
            for si, raw_step in enumerate(c.listing(raw_case.get("route"), cwhere), start=1):
                swhere = _("%(c)s, bước %(n)s") % {"c": cwhere, "n": si}
                raw_step = c.mapping(raw_step, swhere)
                agency = raw_step.get("agency")
                case["route"].append({
                    "order": c.integer(raw_step.get("order"), swhere, default=si),
                    "name": c.text(raw_step.get("name"), swhere, required=True),
                    "role": c.choice(raw_step.get("role"), swhere, Role),
                    "agency": c.text(agency, swhere, strip=True) or None,
                    "share_percent": c.decimal(raw_step.get("share_percent"), swhere, nullable=False,
                                               maximum=Decimal(100)),
                })
            for problem in route_problems(case["route"]):
                c.fail(cwhere, problem)
            if (case["legal_time"] is not None and case["committed_time"] is not None
                    and Decimal(case["committed_time"]) > Decimal(case["legal_time"])):
                c.fail(cwhere, _("thời hạn cam kết không được dài hơn thời hạn theo luật."))
            version["cases"].append(case)
        versions.append(version)
    current = [v for v in versions if v["current"]]
    if versions and len(current) != 1:
        message = _("phải có đúng một phiên bản hiện hành (current = true), có %(n)s.") % {"n": len(current)}
        c.fail(_("Phiên bản"), message)
    keys = [version_key(v) for v in versions]
    if len(set(keys)) != len(keys):
        c.fail(_("Phiên bản"), _("hai phiên bản trùng số quyết định, ngày quyết định và ngày hiệu lực."))
    # Key order is the export's, so a cleaned record compares equal to ``procedure_record``.
    record["versions"] = [{k: v[k] for k in ("decision_number", "decision_date", "effective_from", "note", "cases",
                                              "current")} for v in versions]
    if c.problems:
        raise RecordError(c.problems)
    return {key: record[key] for key in (*CSV_COLUMNS[:-1], "versions")}


def version_key(version: dict) -> tuple:
    return version["decision_number"], version["decision_date"], version["effective_from"]


def route_problems(steps: Iterable[dict]) -> list[str]:
    """The route's rules: step numbers unique, shares add up to 100 % (an empty route is allowed)."""
    steps = list(steps)
    if not steps:
        return []
    problems = []
    orders = [s["order"] for s in steps]
    if len(set(orders)) != len(orders):
        problems.append(_("số thứ tự các bước xử lý bị trùng."))
    shares = [Decimal(s["share_percent"]) for s in steps if s.get("share_percent") is not None]
    if len(shares) == len(steps) and sum(shares) != 100:
        total = decimal_text(sum(shares))
        problems.append(_("tổng tỷ lệ thời gian các bước phải bằng 100%% (hiện là %(s)s%%).") % {"s": total})
    return problems


def iter_agency_codes(record: dict) -> Iterator[str]:
    yield from record["agencies"]
    for version in record["versions"]:
        for case in version["cases"]:
            for step in case["route"]:
                if step["agency"]:
                    yield step["agency"]
