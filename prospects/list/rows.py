"""The list page's table rows (L1, L5), built as HTML once per request.

At 200 rows the template engine costs more than the database: a row of the list has some
thirty values, each resolved, localised and escaped by a template node. Here every label is
translated and every URL reversed once per request, and each row's values are escaped once
with `html.escape` (what Django's `escape` calls).

The "more" menu of nine actions is written once per page (`menu_template`, a <template>
that static/js/prospect_list.js clones when a row's ⋮ is opened); a row carries only which
of the items it offers, as a bit mask in `data-m` (bit i = ROW_ACTIONS[i]) and its company
id in `data-c`. Without JavaScript the ⋮ is a link to the contact's actions page
(prospects:actions), which lists the same actions server-side. Writing the nine items in
every row made the page 2.5 times heavier (520 KB for 200 rows). For the same reason the
phone layout's cell labels are not written in every cell: the script copies each header's
title to its column's cells (`data-label`).
"""

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.choices import CompanyStatus, CompanyType, Region
from prospects.card.actions import actions_allowed
from prospects.list.columns import COLUMNS
from prospects.models import ContactStatus
from prospects.rights import Right

PK = "999999999"  # stands for the contact's id in the URLs reversed once per request

# The "view" icon (the 🔍 emoji shows as an empty box where no emoji font is installed) is
# static/img/view.svg, drawn by CSS (a.view): an inline SVG in every row weighed 18 KB a page.

# The "more" menu of each row (L5), linking to the real pages (issue 4): action, label,
# route. Which of them a row offers is decided by prospects.card.actions, like the card's menu.
ROW_ACTIONS = (
    ("company", gettext_lazy("Dossier du compte"), "prospects:company_detail"),
    ("task", gettext_lazy("Ajouter une tâche"), "tasks:add"),
    ("opportunity", gettext_lazy("Ajouter une opportunité"), "prospects:opportunity_add"),
    ("skills", gettext_lazy("Environnement de compétences"), "prospects:skills"),
    ("convert", gettext_lazy("Convertir en contact client"), "prospects:convert"),
    ("duplicate", gettext_lazy("Dupliquer le prospect"), "prospects:duplicate"),
    ("vcf", gettext_lazy("Export VCF du prospect"), "prospects:vcard_export_one"),
    ("subscriptions", gettext_lazy("Abonnements aux listes de diffusion"), "prospects:subscriptions"),
    ("merge", gettext_lazy("Fusionner avec…"), "prospects:merge_pick"),
    ("delete", gettext_lazy("Supprimer le contact prospect"), "prospects:delete"),
)


USER_LABEL_FIELDS = ("last_name", "first_name", "username")


def user_label(last_name: str | None, first_name: str | None, username: str | None) -> str:
    """User.display_name ("DIRON Marine") from values() columns; "" when there is no user."""
    if username is None:
        return ""
    return f"{(last_name or '').upper()} {first_name or ''}".strip() or username


def _phone_link(number: str) -> str:
    return f'<a href="tel:{escape(number)}">{escape(number)}</a>' if number else ""


class RowRenderer:
    """Renders the rows of one page for one user: `html(row, rights)` is the row's <tr>."""

    def __init__(
        self,
        *,
        can_create: bool = False,
        companies: set[int] | None = None,
        hidden: frozenset[str] = frozenset(),
    ):
        self.can_create = can_create
        self.companies = companies or set()
        self.shown = [key for key, _title in COLUMNS if key not in hidden]  # hidden columns are not rendered
        self.bits = {name: 1 << position for position, (name, _label, _route) in enumerate(ROW_ACTIONS)}
        opposed = escape(str(_("Opposé à la prospection")))
        self.opposed_badge = f' <span class="badge opposed" title="{opposed}">{escape(str(_("Opposé")))}</span>'
        self.detail_url = escape(reverse("prospects:detail", args=[PK]))
        self.edit_url = escape(reverse("prospects:edit", args=[PK]))
        self.actions_url = escape(reverse("prospects:actions", args=[PK]))
        self.select_label = escape(_("Sélectionner"))
        view_label = escape(_("Visualiser la fiche du contact"))
        edit_label = escape(_("Modifier le contact prospect"))
        more_label = escape(_("Plus d’actions…"))
        # A title is the accessible name of a link whose content is an icon: no aria-label twice over.
        self.view_link = f'<a class="view" href="{self.detail_url}" title="{view_label}"></a>'
        self.edit_link = f'<a href="{self.edit_url}" title="{edit_label}">✎</a>'
        self.more_link = f'<a class="more" href="{self.actions_url}" title="{more_label}" aria-haspopup="menu"'
        self.regions = {code: escape(str(label)) for code, label in Region.choices}
        self.statuses = {code: escape(str(label)) for code, label in ContactStatus.choices}
        self.company_types = {code: str(label) for code, label in CompanyType.choices}
        self.company_statuses = {code: str(label) for code, label in CompanyStatus.choices}
        self.company_texts: dict[tuple[str, str], str] = {}
        self.deals: dict[tuple[int, int], str] = {}

    def menu_template(self) -> SafeString:
        """The nine items of the rows' "more" menu, once per page, with PK in place of the ids.

        Item i is offered on a row when bit i of the row's `data-m` is set; the company item's
        PK is the row's `data-c`, the others' the row's id. The delete item opens the
        confirmation page (D1 deletes on its POST).
        """
        items = []
        for name, label, route in ROW_ACTIONS:
            url, label = escape(reverse(route, args=[PK])), escape(str(label))
            danger = ' class="danger"' if name == "delete" else ""
            items.append(
                f'<li role="none"><a role="menuitem" href="{url}"{danger} data-action="{name}">{label}</a></li>'
            )
        return mark_safe(  # labels and URLs escaped above
            f'<template id="row-menu"><ul class="row-menu" role="menu">{"".join(items)}</ul></template>'
        )

    def deals_text(self, opportunities: int, proposals: int) -> str:
        key = (opportunities, proposals)
        if key not in self.deals:
            self.deals[key] = escape(
                "\n".join(  # one line each (white-space: pre-line)
                    [
                        ngettext("%(n)d opportunité", "%(n)d opportunités", opportunities) % {"n": opportunities},
                        ngettext("%(n)d proposition", "%(n)d propositions", proposals) % {"n": proposals},
                    ]
                )
            )
        return self.deals[key]

    def company_text(self, company_type: str, company_status: str) -> str:
        """ "Prospect Nouveau": the company's type and status."""
        key = (company_type, company_status)
        if key not in self.company_texts:
            label = f"{self.company_types.get(company_type, '')} {self.company_statuses.get(company_status, '')}"
            self.company_texts[key] = escape(label)
        return self.company_texts[key]

    def allowed(self, row: dict, rights: set[Right]) -> frozenset[str]:
        """The actions the row may offer (prospects.card.actions), from the page's precomputed rights."""
        return actions_allowed(
            company_id=row["company_id"],
            client_contact_id=row["client_contact_id"],
            rights=rights,
            can_create=self.can_create,
            companies=self.companies,
        )

    def menu(self, row: dict, allowed: frozenset[str], pk: str) -> str:
        """The row's ⋮: the actions page's link, with the mask of the menu items it offers; "" if none."""
        mask = sum(bit for name, bit in self.bits.items() if name in allowed)
        if not mask:
            return ""
        company = f' data-c="{row["company_id"]}"' if "company" in allowed else ""
        return f'{self.more_link.replace(PK, pk)} data-m="{mask}"{company}>⋮</a>'

    def html(self, row: dict, rights: set[Right]) -> SafeString:
        """One <tr> of the table: the guide's columns (L1) and the row actions (L5)."""
        pk = str(row["pk"])
        last_name, first_name = escape(row["last_name"]), escape(row["first_name"])
        email = escape(row["email"])
        email_link = f'<a href="mailto:{email}">{email}</a>' if email else ""
        company = ""
        if row["company_id"] is not None:
            company = self.company_text(row["company__type"], row["company__status"])
        postit = ""
        if row["note_count"]:
            title = escape(f"{row['last_note_author'] or ''} : {Truncator(row['last_note'] or '').chars(200)}")
            postit = f'<span class="postit-badge" title="{title}">{row["note_count"]}</span>'
        allowed = self.allowed(row, rights)
        edit = self.edit_link.replace(PK, pk) if "edit" in allowed else ""
        company_rep = escape(user_label(*(row[f"company__assigned_to__{key}"] for key in USER_LABEL_FIELDS)))
        rep = escape(user_label(*(row[f"assigned_to__{key}"] for key in USER_LABEL_FIELDS)))
        company_name = escape(row["company__name"] or "")
        job_title = escape(row["job_title"])
        status = escape(row["status"])
        status_label = self.statuses.get(row["status"]) or status
        opposed = self.opposed_badge if row.get("opposed_at") else ""
        # Long texts are cut by CSS (one line, ellipsis); the script shows the full text on hover
        # (a title set when the pointer reaches a cut cell: not written twice in every row).
        cells = {
            "company": f'<td class="cut">{company_name}</td>',
            "company_rep": f"<td>{company_rep}</td>",
            "company_type": f"<td>{company}</td>",
            "last_name": f'<td class="name"><a href="{self.detail_url.replace(PK, pk)}">{last_name}</a>{opposed}</td>',
            "first_name": f"<td>{first_name}</td>",
            "job_title": f'<td class="cut">{job_title}</td>',
            "email": f'<td class="cut">{email_link}</td>',
            "phone": f"<td>{_phone_link(row['phone'])}</td>",
            "mobile": f"<td>{_phone_link(row['mobile'])}</td>",
            "fax": f"<td>{escape(row['fax'])}</td>",
            "region": f"<td>{self.regions.get(row['region'], '')}</td>",
            "assigned_to": f"<td>{rep}</td>",
            "status": f'<td><span class="status status-{status}">{status_label}</span></td>',
            "deals": f'<td class="deal-counts">{self.deals_text(row["opportunity_count"], row["proposal_count"])}</td>',
            "notes": f'<td class="postit">{postit}</td>',
        }
        return mark_safe(  # every value in it is escaped above
            f'<tr data-id="{pk}">'
            f'<td class="check"><input type="checkbox" class="row-check" name="ids" value="{pk}" '
            f'aria-label="{self.select_label} {last_name} {first_name}"></td>'
            f"{''.join(cells[key] for key in self.shown)}"
            f'<td class="row-actions">{self.view_link.replace(PK, pk)} {edit} {self.menu(row, allowed, pk)}</td>'
            "</tr>\n"
        )
