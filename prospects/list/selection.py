"""The list's selection (B5): the ticked contacts, or every contact matching the list's filter.

Mass actions, the vCard export and the Excel export all take their contacts from here: a
MassSelectionForm's data becomes a `Selection`, which gives the visible contacts it covers,
and which travels to a background job as plain options (and back) without changing meaning.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import User
from prospects.list.filters import prospects_matching
from prospects.list.forms import MassSelectionForm
from prospects.models import ProspectContact


@dataclass(frozen=True)
class Selection:
    """`ids`: the ticked contacts; None means every contact matching `filters` (the list's query)."""

    ids: list[int] | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: MassSelectionForm) -> "Selection":
        """From a valid form: "select all" keeps the list's filters, otherwise the ticked ids only."""
        data = form.cleaned_data
        query = form.filter_data
        if data.get("select_all"):
            return cls(ids=None, filters={key: query.getlist(key) for key in query})
        return cls(ids=list(data["ids"]))

    @classmethod
    def from_options(cls, options: dict) -> "Selection":
        """Back from a job's options (see `as_options`)."""
        ids = options.get("ids")
        if ids is not None:
            return cls(ids=[int(pk) for pk in ids])
        filters = options.get("filters") or {}
        return cls(filters={str(key): [str(value) for value in values] for key, values in filters.items()})

    @classmethod
    def of_job(cls, options) -> "Selection":
        """From a job's typed options (prospects.jobs.options: anything with `ids` and `filters`)."""
        return cls.from_options({"ids": options.ids, "filters": options.filters})

    def as_options(self) -> dict:
        """What a background job stores: {"ids": [...]} or {"filters": {name: [values]}} (JSON)."""
        return {"ids": list(self.ids)} if self.ids is not None else {"filters": dict(self.filters)}

    @property
    def query(self) -> QueryDict:
        data = QueryDict(mutable=True)
        for key, values in self.filters.items():
            data.setlist(key, list(values))
        return data

    def prospects(self, user: User) -> QuerySet[ProspectContact]:
        """The visible contacts selected: ticked ids the user cannot see are silently left out."""
        if self.ids is not None:
            return prospects_matching(user, QueryDict())[1].filter(pk__in=self.ids)
        return prospects_matching(user, self.query)[1]
