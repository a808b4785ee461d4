"""Writes to the catalog: import (CSV, JSON, the raw seed), export, and loading the bundled seed.

An import is all or nothing: every row is checked first and every problem is reported with its row
number; only a clean file is written, in one transaction. Importing the same file twice changes
nothing (unchanged procedures are not saved again, so no history rows appear).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.errors import DomainError, NotAllowed
from accounts.models import Agency, User

from . import exchange
from .models import Field, Procedure, ProcedureCase, ProcedureVersion, RequiredDocument, RouteStep
from .seed import SEED_PATH, normalise_seed_row
from .selectors import catalog_for_export

FORMATS = ("csv", "json", "seed")
EXPORT_FORMATS = ("csv", "json")
MAX_LISTED_PROBLEMS = 200


class CatalogImportError(DomainError):
    """A file that cannot be imported. ``problems`` lists each problem with its row; nothing was saved."""

    code = "invalid_catalog"

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(shown)
        lines = [_("Không nhập được danh mục; chưa có gì được lưu. Lỗi:"), *shown]
        if more:
            lines.append(_("… và %(n)s lỗi khác.") % {"n": more})
        super().__init__("\n".join(lines))


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self):
        return _("Thêm mới %(c)s, cập nhật %(u)s, không đổi %(s)s thủ tục.") % {
            "c": len(self.created), "u": len(self.updated), "s": len(self.unchanged)}


# --------------------------------------------------------------------------- export


def export_records(queryset: QuerySet[Procedure] | None = None) -> list[dict]:
    return [exchange.procedure_record(p) for p in catalog_for_export(queryset)]


def export_catalog(*, fmt: str, queryset: QuerySet[Procedure] | None = None) -> str:
    """The catalog (or the given procedures) as CSV or JSON text in the lossless exchange format."""
    if fmt not in EXPORT_FORMATS:
        raise DomainError(_("Định dạng xuất “%(fmt)s” không được hỗ trợ (csv, json).") % {"fmt": fmt})
    records = export_records(queryset)
    return exchange.dumps_json(records) if fmt == "json" else exchange.dumps_csv(records)


# --------------------------------------------------------------------------- import


def _check_permission(by: User | None) -> None:
    if by is not None and not (by.has_perm("procedures.add_procedure") and by.has_perm("procedures.change_procedure")):
        raise NotAllowed(_("Bạn không có quyền nhập danh mục thủ tục."))


def _to_record(row, fmt: str) -> dict:
    if fmt == "seed":
        try:
            row = normalise_seed_row(row)
        except ValueError as exc:
            raise exchange.RecordError([str(exc)]) from exc
    if fmt == "csv":
        row = exchange.csv_row_to_record(row)
    return exchange.clean_record(row)


def _model_problems(record: dict) -> list[str]:
    """The models' own rules (lengths, choices, validators) on unsaved instances, before anything is written."""
    problems = []

    def check(instance, where, exclude=()):
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            names = {f.name for f in instance._meta.fields}
            for field_name, messages in exc.message_dict.items():
                label = str(capfirst(instance._meta.get_field(field_name).verbose_name)) if field_name in names else ""
                place = " — ".join(part for part in (where, label) if part)
                problems.extend(f"{place}: {message}" if place else message for message in messages)

    scalars = {k: record[k] for k in (*exchange.TEXT_FIELDS, *exchange.BOOL_FIELDS, "code", "name", "level",
                                      "online_level", "fee_vnd", "steps")}
    check(Field(code=record["field_code"], name=record["field_name"]), _("Lĩnh vực"))
    check(Procedure(**scalars), "", exclude=("field", "current_version"))
    for vi, version in enumerate(record["versions"], start=1):
        vwhere = _("Phiên bản %(n)s") % {"n": vi}
        check(ProcedureVersion(**{k: version[k] for k in ("decision_number", "decision_date", "effective_from",
                                                          "note")}), vwhere, exclude=("procedure",))
        for ci, case in enumerate(version["cases"], start=1):
            cwhere = _("%(v)s, trường hợp %(n)s") % {"v": vwhere, "n": ci}
            check(ProcedureCase(**_case_fields(case)), cwhere, exclude=("version",))
            for di, doc in enumerate(case["documents"], start=1):
                check(RequiredDocument(**doc), _("%(c)s, giấy tờ %(n)s") % {"c": cwhere, "n": di},
                      exclude=("case", "form_file"))
            for si, step in enumerate(case["route"], start=1):
                check(RouteStep(**{**step, "agency": None}), _("%(c)s, bước %(n)s") % {"c": cwhere, "n": si},
                      exclude=("case", "agency"))
    return problems


def _case_fields(case: dict) -> dict:
    return {k: case[k] for k in ("name", "order", "legal_time", "committed_time", "time_unit", "time_note",
                                 "fee_vnd")}


def _history_user(instance, by: User | None):
    if by is not None:
        instance._history_user = by
    return instance


def import_catalog(rows: Iterable[dict], *, fmt: str, by: User | None = None,
                   skip_existing: bool = False) -> ImportResult:
    """Create or update procedures from rows of a catalog file.

    ``fmt``: "csv" (rows of ``csv.DictReader`` over our CSV export), "json" (records of our JSON export),
    "seed" (rows of the raw seed ``procedures.csv``). ``by``: the acting user, checked for the model
    permissions and recorded in the history. ``skip_existing``: leave procedures whose code exists alone.

    Versions are matched on (decision number, decision date, effective date). A version that differs
    from the file is rewritten unless dossiers were received under it (then it is an error: publish the
    change as a new version); versions missing from the file are kept as history.
    """
    if fmt not in FORMATS:
        raise DomainError(_("Định dạng “%(fmt)s” không được hỗ trợ (csv, json, seed).") % {"fmt": fmt})
    _check_permission(by)
    problems: list[str] = []
    records: list[tuple[str, dict]] = []
    seen: dict[str, str] = {}
    for index, row in enumerate(rows):
        label = exchange.row_label("json" if fmt == "json" else "csv", index)
        try:
            record = _to_record(row, fmt)
        except exchange.RecordError as exc:
            problems.extend(f"{label}: {m}" for m in exc.messages)
            continue
        if record["code"] in seen:
            problems.append(_("%(row)s: mã thủ tục %(code)s trùng với %(other)s.")
                            % {"row": label, "code": record["code"], "other": seen[record["code"]]})
            continue
        seen[record["code"]] = label
        problems.extend(f"{label} ({record['code']}): {m}" for m in _model_problems(record))
        records.append((label, record))
    if not records and not problems:
        problems.append(_("Tệp không có thủ tục nào."))

    agency_codes = {code for _label, r in records for code in exchange.iter_agency_codes(r)}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=agency_codes)}
    for label, record in records:
        missing = sorted(set(exchange.iter_agency_codes(record)) - agencies.keys())
        if missing:
            problems.append(_("%(row)s: không có cơ quan mã %(codes)s.") % {"row": label, "codes": ", ".join(missing)})
    fields_by_name = {f.name: f for f in Field.objects.filter(name__in={r["field_name"] for _l, r in records})}
    for label, record in records:
        same_name = fields_by_name.get(record["field_name"])
        if same_name and same_name.code != record["field_code"]:
            problems.append(_("%(row)s: lĩnh vực “%(name)s” đã có với mã “%(code)s”, không phải “%(new)s”.")
                            % {"row": label, "name": record["field_name"], "code": same_name.code,
                               "new": record["field_code"]})
    if problems:
        raise CatalogImportError(problems)

    existing = {p.code: p for p in catalog_for_export(Procedure.objects.filter(code__in=seen.keys()))}
    result = ImportResult()
    to_write = []
    for label, record in records:
        procedure = existing.get(record["code"])
        if procedure is not None and (skip_existing or exchange.procedure_record(procedure) == record):
            result.unchanged.append(record["code"])
        else:
            to_write.append((label, record, procedure))
            (result.updated if procedure else result.created).append(record["code"])
    with transaction.atomic():
        problems = _CatalogWriter(agencies=agencies, by=by).write(to_write)
        if problems:
            # Raising inside the atomic block rolls back what was written before the problem showed.
            raise CatalogImportError(problems)
    return result


class _CatalogWriter:
    """Writes validated records with a few bulk statements per level (procedures, versions, cases,
    documents, route) instead of one per row, so a province's ~2 000 procedures import in seconds.

    Bulk writes skip ``save()``: what ``Procedure.save`` derives (NFC name, search_text) is set here,
    and history rows come from simple-history's bulk helpers.
    """

    def __init__(self, *, agencies: dict[str, Agency], by: User | None):
        self.agencies = agencies
        self.by = by
        self.problems: list[str] = []
        self.new_versions: list[tuple[ProcedureVersion, list[dict]]] = []
        self.refill: list[tuple[ProcedureVersion, list[dict]]] = []
        self.current: list[tuple[Procedure, tuple | None]] = []

    def write(self, items: list[tuple[str, dict, Procedure | None]]) -> list[str]:
        fields = self._fields([record for _label, record, _p in items])
        new = []
        for label, record, procedure in items:
            if procedure is None:
                procedure = Procedure(code=record["code"], field=fields[record["field_code"]], **_scalars(record))
                procedure.name = unicodedata.normalize("NFC", procedure.name)
                procedure.search_text = Procedure.build_search_text(procedure.code, procedure.name,
                                                                    procedure.local_code)
                new.append((label, record, procedure))
            else:
                self._update(label, record, procedure, fields[record["field_code"]])
        created = self._bulk_create([p for _l, _r, p in new], Procedure)
        through = Procedure.agencies.through
        links = []
        for (label, record, _unsaved), procedure in zip(new, created, strict=True):
            links += [through(procedure_id=procedure.pk, agency_id=self.agencies[c].pk) for c in record["agencies"]]
            self._versions(label, record, procedure, existing={})
        through.objects.bulk_create(links)
        self._create_versions()
        self._set_current()
        return self.problems

    def _bulk_create(self, objs: list, model) -> list:
        return bulk_create_with_history(objs, model, default_user=self.by) if objs else []

    def _fields(self, records: list[dict]) -> dict[str, Field]:
        wanted = {r["field_code"]: r["field_name"] for r in records}
        fields = {f.code: f for f in Field.objects.filter(code__in=wanted)}
        for code, name in wanted.items():
            field_obj = fields.get(code)
            if field_obj is None:
                fields[code] = _history_user(Field(code=code, name=name), self.by)
                fields[code].save()
            elif field_obj.name != name:
                field_obj.name = name
                _history_user(field_obj, self.by).save(update_fields=["name"])
        return fields

    def _update(self, label: str, record: dict, procedure: Procedure, field_obj: Field) -> None:
        procedure.field = field_obj
        for name, value in _scalars(record).items():
            setattr(procedure, name, value)
        _history_user(procedure, self.by).save()
        procedure.agencies.set([self.agencies[c] for c in record["agencies"]])
        existing = {exchange.version_key(exchange.version_record(v)): v for v in procedure.versions.all()}
        self._versions(label, record, procedure, existing=existing)

    def _versions(self, label: str, record: dict, procedure: Procedure, *, existing: dict) -> None:
        current_key = None
        for data in record["versions"]:
            key = exchange.version_key(data)
            if data["current"]:
                current_key = key
            version = existing.get(key)
            if version is None:
                self.new_versions.append((ProcedureVersion(procedure=procedure, **_version_fields(data)),
                                          data["cases"]))
                continue
            if version.note != data["note"]:
                version.note = data["note"]
                _history_user(version, self.by).save(update_fields=["note"])
            if exchange.version_record(version)["cases"] != data["cases"]:
                try:
                    for case in version.cases.all():
                        case.route.all().delete()
                        case.documents.all().delete()
                        case.delete()
                except (ProtectedError, RestrictedError):
                    self.problems.append(
                        _("%(row)s: phiên bản “%(v)s” của thủ tục %(code)s đã được dùng cho hồ sơ nên không sửa "
                          "được; hãy nhập nội dung mới thành một phiên bản mới (số quyết định hoặc ngày hiệu lực "
                          "khác).") % {"row": label, "v": version.decision_number or version.pk, "code": procedure.code}
                    )
                    continue
                self.refill.append((version, data["cases"]))
        self.current.append((procedure, current_key))

    def _create_versions(self) -> None:
        versions = self._bulk_create([v for v, _c in self.new_versions], ProcedureVersion)
        pending = [*zip(versions, [c for _v, c in self.new_versions], strict=True), *self.refill]
        cases, sources = [], []
        for version, cases_data in pending:
            for data in cases_data:
                cases.append(ProcedureCase(version=version, **_case_fields(data)))
                sources.append(data)
        cases = self._bulk_create(cases, ProcedureCase)
        documents, steps = [], []
        for case, data in zip(cases, sources, strict=True):
            documents += [RequiredDocument(case=case, **doc) for doc in data["documents"]]
            for step in data["route"]:
                agency = self.agencies[step["agency"]] if step["agency"] else None
                steps.append(RouteStep(case=case, **{**step, "agency": agency}))
        self._bulk_create(documents, RequiredDocument)
        self._bulk_create(steps, RouteStep)

    def _set_current(self) -> None:
        versions = ProcedureVersion.objects.filter(procedure__in=[p for p, _key in self.current])
        by_key = {(v.procedure_id, v.decision_number, _iso(v.decision_date), _iso(v.effective_from)): v
                  for v in versions}
        changed = []
        for procedure, key in self.current:
            version = by_key.get((procedure.pk, *key)) if key else None
            if procedure.current_version_id != (version.pk if version else None):
                procedure.current_version = version
                changed.append(procedure)
        if changed:
            bulk_update_with_history(changed, Procedure, ["current_version"], default_user=self.by)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _scalars(record: dict) -> dict:
    return {k: record[k] for k in (*exchange.TEXT_FIELDS, *exchange.BOOL_FIELDS, "name", "level", "online_level",
                                   "fee_vnd", "steps")}


def _version_fields(data: dict) -> dict:
    return {k: data[k] for k in ("decision_number", "decision_date", "effective_from", "note")}


def import_catalog_file(data: bytes | str, *, fmt: str, by: User | None = None,
                        skip_existing: bool = False) -> ImportResult:
    """Read a whole file (CSV, JSON or the raw seed CSV) and import it; see ``import_catalog``."""
    try:
        rows = exchange.read_rows(data, fmt)
    except exchange.CatalogFileError as exc:
        raise CatalogImportError([str(exc)]) from exc
    return import_catalog(rows, fmt=fmt, by=by, skip_existing=skip_existing)


def load_seed_catalog(*, path: Path | str | None = None, by: User | None = None) -> ImportResult:
    """Load the bundled seed catalog (59 real procedures). Idempotent: procedures already present —
    including ones an administrator has edited since — are left as they are."""
    data = Path(path or SEED_PATH).read_bytes()
    return import_catalog_file(data, fmt="seed", by=by, skip_existing=True)
