"""Reads of the catalog: search, the list and detail querysets, export prefetching."""

from __future__ import annotations

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from accounts.models import Agency

from .models import Field, Procedure, ProcedureCase, ProcedureVersion, RequiredDocument, RouteStep
from .text import Fold, fold

MAX_QUERY_LENGTH = 200


def query_words(q: str) -> list[str]:
    """The folded words of a query: 'ĐĂNG KÝ  khai-sinh' → ['dang', 'ky', 'khai-sinh']."""
    return fold((q or "")[:MAX_QUERY_LENGTH]).split()


def all_words_match(words: list[str]) -> Q:
    """Every word appears in the folded ``search_text``: portable (LIKE), the SQLite search.

    On PostgreSQL the trigram GIN index on search_text (migration 0003) serves these LIKE '%word%'.
    """
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    return condition


def _search(queryset: QuerySet[Procedure], q: str, vendor: str) -> QuerySet[Procedure]:
    words = query_words(q)
    if not words:
        return queryset
    folded, raw = " ".join(words), q.strip()
    rank = Case(
        When(Q(code__iexact=raw) | Q(local_code__iexact=raw), then=Value(0)),
        When(folded_name=folded, then=Value(1)),
        When(folded_name__startswith=folded, then=Value(2)),
        When(code__istartswith=raw, then=Value(3)),
        default=Value(4),
        output_field=IntegerField(),
    )
    queryset = queryset.annotate(folded_name=Fold("name"))
    if vendor == "postgresql":
        # Word similarity (pg_trgm's %> operator, same index) also finds slightly misspelt names
        # ("dang ki khai sinh"); exact-word matches still rank first. Not for codes: "1.0011" is
        # "similar" to every 1.00xxxx.
        condition = all_words_match(words)
        if any(ch.isalpha() for ch in folded):
            condition |= TrigramWordSimilar(F("search_text"), Value(folded))
        queryset = queryset.filter(condition)
        queryset = queryset.annotate(search_rank=rank, similarity=TrigramWordSimilarity(Value(folded), "search_text"))
        return queryset.order_by("search_rank", "-similarity", "name", "code")
    queryset = queryset.filter(all_words_match(words)).annotate(search_rank=rank)
    return queryset.order_by("search_rank", "name", "code")


def search_procedures(
    q: str = "",
    *,
    field: Field | str | None = None,
    level: str | None = None,
    agency: Agency | str | None = None,
    online_level: str | None = None,
    include_inactive: bool = False,
    queryset: QuerySet[Procedure] | None = None,
    vendor: str | None = None,
) -> QuerySet[Procedure]:
    """Procedures matching a query that ignores diacritics and case, best matches first.

    ``field`` and ``agency`` take an instance or its code. Ranking: exact code, exact name, name
    starting with the query, code starting with it, then the rest. ``vendor`` picks the search
    branch ("postgresql" or "sqlite"); it defaults to the connection's, tests exercise both.
    """
    if queryset is None:
        queryset = catalog_list()
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    if field:
        queryset = queryset.filter(**({"field": field} if isinstance(field, Field) else {"field__code": field}))
    if level:
        queryset = queryset.filter(level=level)
    if online_level:
        queryset = queryset.filter(online_level=online_level)
    if agency:
        ids = Procedure.agencies.through.objects.filter(
            **({"agency": agency} if isinstance(agency, Agency) else {"agency__code": agency})
        ).values("procedure_id")
        queryset = queryset.filter(pk__in=ids)
    return _search(queryset, q, vendor or connection.vendor)


def _current_cases():
    return Prefetch("current_version__cases", queryset=ProcedureCase.objects.order_by("order", "id"))


def catalog_list() -> QuerySet[Procedure]:
    """What a list row shows: field, time limit of each current case, agencies. Fixed number of queries."""
    return (
        Procedure.objects.select_related("field", "current_version")
        .prefetch_related(_current_cases(), Prefetch("agencies", queryset=Agency.objects.order_by("name")))
        .order_by("field__name", "name", "code")
    )


def procedure_detail(code: str, *, include_inactive: bool = True) -> Procedure:
    """One procedure with everything its page and API record show. Raises Procedure.DoesNotExist."""
    cases = ProcedureCase.objects.order_by("order", "id").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "id")),
        Prefetch("route", queryset=RouteStep.objects.select_related("agency").order_by("order")),
    )
    queryset = Procedure.objects.select_related("field", "current_version").prefetch_related(
        Prefetch("current_version__cases", queryset=cases),
        Prefetch("agencies", queryset=Agency.objects.order_by("name")),
    )
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    return queryset.get(code=code)


def catalog_for_export(queryset: QuerySet[Procedure] | None = None) -> QuerySet[Procedure]:
    """Every version with its cases, documents and route, for the exchange format."""
    if queryset is None:
        queryset = Procedure.objects.all()
    cases = ProcedureCase.objects.order_by("order", "id").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "id")),
        Prefetch("route", queryset=RouteStep.objects.select_related("agency").order_by("order")),
    )
    versions = ProcedureVersion.objects.order_by("id").prefetch_related(Prefetch("cases", queryset=cases))
    return (
        queryset.select_related("field")
        .prefetch_related("agencies", Prefetch("versions", queryset=versions))
        .order_by("code")
    )


def fields_with_counts() -> QuerySet[Field]:
    return Field.objects.annotate(
        procedure_count=Count("procedures", filter=Q(procedures__is_active=True))
    ).order_by("name")


def public_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).select_related("parent").order_by("code")
