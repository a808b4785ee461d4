"""Search ignores diacritics and case on both branches (PostgreSQL: pg_trgm; portable: the SQLite one)."""

import pytest
from django.db import connection
from django.db.models import Value

from procedures.models import Level, OnlineLevel, Procedure
from procedures.selectors import all_words_match, query_words, search_procedures
from procedures.text import Fold, fold
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


def codes(queryset):
    return [p.code for p in queryset]


@pytest.mark.parametrize("query", ["dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "khai sinh",
                                   "  Khai   SINH ", "1.001193"])
def test_finds_birth_registration_however_it_is_typed(seeded, vendor, query):
    assert codes(search_procedures(query, vendor=vendor))[0] == "1.001193"


def test_every_word_must_match(seeded, vendor):
    results = codes(search_procedures("khai sinh luu dong", vendor=vendor))
    assert results[0] == "1.003583"
    assert "1.000656" not in results  # khai tử


def test_exact_name_ranks_before_longer_names_and_word_matches(seeded, vendor):
    results = codes(search_procedures("dang ky khai sinh", vendor=vendor))
    assert results[:2] == ["1.001193", "1.003583"]  # "Đăng ký khai sinh", then "… khai sinh lưu động"
    assert "1.004884" in results  # "Đăng ký lại khai sinh": all the words, not the prefix


def test_code_prefix_and_local_codes(seeded, vendor):
    assert codes(search_procedures("1.0011", vendor=vendor)) == ["1.001193"]
    assert "DP.chung-thuc-hop-dong-giao-dich" in codes(search_procedures("dp.chung", vendor=vendor))


def test_no_match_is_empty_and_empty_query_lists_everything(seeded, vendor):
    assert codes(search_procedures("xyzxyz khong co", vendor=vendor)) == []
    assert search_procedures("", vendor=vendor).count() == 59


def test_like_wildcards_in_the_query_are_literal(seeded, vendor):
    assert codes(search_procedures("%", vendor=vendor)) == []
    assert codes(search_procedures("_", vendor=vendor)) == []


def test_misspelt_query_is_found_by_trigram_similarity_only_on_postgresql(seeded, vendor):
    found = "1.001193" in codes(search_procedures("dang ki khai sinh", vendor=vendor))
    assert found is (vendor == "postgresql")


def test_sqlite_branch_is_a_plain_contains_of_the_folded_words(seeded):
    """What the SQLite branch runs, straight against the ORM on whichever database this is."""
    words = query_words("ĐĂNG KÝ Khai Sinh")
    assert words == ["dang", "ky", "khai", "sinh"]
    matched = Procedure.objects.filter(all_words_match(words)).values_list("code", flat=True)
    assert set(matched) == {"1.001193", "1.003583", "1.004884"}


def test_search_text_folds_code_local_code_and_name(db):
    procedure = ProcedureFactory(code="1.000894", name="Đăng ký KẾT HÔN", local_code="1.000894.000.00.00.H56")
    assert procedure.search_text == "1.000894 1.000894.000.00.00.h56 dang ky ket hon"
    assert codes(search_procedures("h56")) == ["1.000894"]


def test_decomposed_names_are_stored_composed(db):
    import unicodedata

    procedure = ProcedureFactory(name=unicodedata.normalize("NFD", "Đăng ký khai tử"))
    procedure.refresh_from_db()
    assert procedure.name == unicodedata.normalize("NFC", "Đăng ký khai tử")


def test_database_fold_agrees_with_python_fold(seeded):
    """``Fold`` (unaccent on PostgreSQL, the registered function on SQLite) ranks by the same folding."""
    for name, folded in Procedure.objects.annotate(folded=Fold("name")).values_list("name", "folded"):
        assert folded == fold(name)
    assert Procedure.objects.annotate(x=Fold(Value("ĐƯỜNG Ơ Ă Â Ê Ô Ư Ỹ"))).values_list("x", flat=True)[0] == \
        "duong o a a e o u y"


def test_trigram_index_exists_only_on_postgresql(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "procedures_procedure")
    assert ("procedures_procedure_search_trgm" in constraints) is (connection.vendor == "postgresql")


def test_filters_by_field_level_agency_and_online_level(db, vendor):
    civil, land = FieldFactory(name="Hộ tịch"), FieldFactory(name="Đất đai")
    commune, province = AgencyFactory(), AgencyFactory()
    a = ProcedureFactory(name="Đăng ký khai sinh", field=civil, level=Level.COMMUNE,
                         online_level=OnlineLevel.PARTIAL)
    b = ProcedureFactory(name="Đăng ký đất đai", field=land, level=Level.PROVINCE, online_level=OnlineLevel.FULL)
    c = ProcedureFactory(name="Đăng ký kết hôn", field=civil, level=Level.COMMUNE, online_level=OnlineLevel.NONE)
    a.agencies.add(commune)
    b.agencies.add(province)
    c.agencies.add(commune, province)

    def search(**kw):
        return set(codes(search_procedures("dang ky", vendor=vendor, **kw)))

    assert search() == {a.code, b.code, c.code}
    assert search(field=civil) == search(field=civil.code) == {a.code, c.code}
    assert search(level=Level.PROVINCE) == {b.code}
    assert search(agency=commune) == search(agency=commune.code) == {a.code, c.code}
    assert search(online_level=OnlineLevel.FULL) == {b.code}
    assert search(field=civil, agency=province) == {c.code}
    assert set(codes(search_procedures("khai sinh", field=land, vendor=vendor))) == set()


def test_retired_procedures_are_not_listed(db, vendor):
    ProcedureFactory(name="Thủ tục đã bãi bỏ", is_active=False)
    assert codes(search_procedures("bai bo", vendor=vendor)) == []
    assert len(codes(search_procedures("bai bo", vendor=vendor, include_inactive=True))) == 1
