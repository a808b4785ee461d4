"""Excel, CSV and the printable period report — the same ``Report`` and column specs as the page.

Excel holds real numbers (rates as numbers with 2 decimals, N/A as the text "N/A"), one sheet per table;
the CSV is one long table with a "group" column, UTF-8 with a BOM so Excel opens the Vietnamese correctly;
the PDF goes through the one renderer, dossiers.documents.render_pdf.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dossiers.documents import render_pdf

from . import tables
from .index766 import Index
from .selectors import Line, Report

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(report: Report, kind: str) -> str:
    scope = slugify(report.scope.agency.code if report.scope.agency else "toan-tinh") or "pham-vi"
    return f"thong-ke-{scope}-{report.period.first:%Y%m%d}-{report.period.last:%Y%m%d}.{kind}"


def _cell(value, kind: str):
    if value is None:
        return "N/A"
    if kind in ("pct", "days"):
        return float(Decimal(value))  # already rounded to 2 decimals; the cell format shows two
    return value


def _sections(report: Report) -> list[tuple[str, str, list[Line]]]:
    total = Line(key="total", label=_("Tổng cộng"), numbers=report.totals)
    return [
        ("total", _("Tổng hợp"), [total]),
        ("agency", _("Theo cơ quan"), report.by_agency),
        ("field", _("Theo lĩnh vực"), report.by_field),
        ("procedure", _("Theo thủ tục"), report.by_procedure),
    ]


def _title(report: Report) -> str:
    where = report.scope.agency.name if report.scope.agency else _("Toàn bộ cơ quan")
    return _("Thống kê giải quyết thủ tục hành chính — %(where)s — %(period)s") % {
        "where": where, "period": report.period.label}


def xlsx(report: Report) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for key, name, lines in _sections(report):
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append([_title(report)])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([_("Số liệu tính đến %(now)s; hồ sơ tính cho cơ quan tiếp nhận.")
                      % {"now": timezone.localtime(report.now).strftime("%d/%m/%Y %H:%M")}])
        header = [_("Mã"), _("Tên")] + [str(c.label) for c in tables.COLUMNS]
        sheet.append(header)
        for cell in sheet[3]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for line in lines:
            sheet.append([line.code or line.key if key != "total" else "", line.label]
                         + [_cell(c.value(line.numbers), c.kind) for c in tables.COLUMNS])
        for index, column in enumerate(tables.COLUMNS, start=3):
            if column.kind in ("pct", "days"):
                for row in sheet.iter_rows(min_row=4, min_col=index, max_col=index):
                    row[0].number_format = "0.00"
        sheet.column_dimensions["A"].width = 16
        sheet.column_dimensions["B"].width = 48
        for index in range(3, len(header) + 1):
            sheet.column_dimensions[get_column_letter(index)].width = 14
        sheet.freeze_panes = "C4"
    trend = workbook.create_sheet(title=_("Xu hướng")[:31])
    trend.append([_("Kỳ")] + [str(label) for _k, label in tables.TREND_SERIES])
    for label, counts in report.trend:
        trend.append([label] + [tables.trend_value(counts, key) for key, _l in tables.TREND_SERIES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Nhóm"), _("Mã"), _("Tên")] + [str(c.label) for c in tables.COLUMNS])
    for key, name, lines in _sections(report):
        for line in lines:
            values = []
            for column in tables.COLUMNS:
                value = column.value(line.numbers)
                values.append("N/A" if value is None else (f"{value:.2f}" if column.kind != "int" else value))
            writer.writerow([name, line.code or (line.key if key != "total" else ""), line.label, *values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def pdf(report: Report, index: Index, *, by=None) -> bytes:
    def rows(lines):
        return [{"label": line.label, "code": line.code,
                 "cells": [tables.fmt(c.value(line.numbers), c.kind) for c in tables.COLUMNS]} for line in lines]

    from django.utils import translation

    with translation.override("vi"):
        figures = [{"label": str(f.label), "text": tables.fmt(f.value(report.totals), f.kind)} for f in tables.FIGURES]
        context = {
            "title": _title(report), "report": report, "index": index, "figures": figures,
            "columns": [str(c.label) for c in tables.COLUMNS],
            "agency_rows": rows(report.by_agency), "field_rows": rows(report.by_field),
            "procedure_rows": rows(report.by_procedure[:40]), "more_procedures": max(len(report.by_procedure) - 40, 0),
            "generated_at": timezone.localtime(report.now), "by": by,
        }
    return render_pdf("dashboard/report_pdf.html", context)
