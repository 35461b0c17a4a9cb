"""Every writer of a contact stores phones exactly as the form does (one rule: prospects.contacts)."""

import random

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from prospects.contacts import phone_normalise
from prospects.demo import _fake_phone
from prospects.models import ProspectContact
from prospects.tests.vcard.test_vcard_import import preview, start, upload
from tests.factories import ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db

# typed → what every writer stores
PHONES = {
    "phone": ("0144.55.66.77", "01 44 55 66 77"),
    "mobile": ("+33612345678", "06 12 34 56 78"),
    "fax": ("+44 20 7946 0958", "+44 20 7946 0958"),
}


def form_data(paris, **overrides) -> dict:
    data = {"last_name": "ARMANON", "first_name": "Julie", "status": "nouveau", "entities": [paris.pk]}
    data.update(overrides)
    return data


def stored_phones(prospect) -> dict:
    return {name: getattr(prospect, name) for name in PHONES}


EXPECTED = {name: stored for name, (_typed, stored) in PHONES.items()}
TYPED = {name: typed for name, (typed, _stored) in PHONES.items()}


def test_the_form_stores_french_numbers_national_and_others_international(sales_rep, paris):
    response = logged(sales_rep).post("/prospects/new/", form_data(paris, **TYPED))
    assert response.status_code == 302
    assert stored_phones(ProspectContact.objects.get()) == EXPECTED


def test_the_form_accepts_an_unknown_digit_string_as_typed_and_warns(sales_rep, paris):
    client = logged(sales_rep)
    response = client.post("/prospects/new/", form_data(paris, phone=" 12  345 "), follow=True)
    assert ProspectContact.objects.get().phone == "12 345"
    assert "numéro non reconnu, enregistré tel que saisi (12 345)" in response.content.decode()


def test_the_form_refuses_letters_in_a_phone(sales_rep, paris):
    response = logged(sales_rep).post("/prospects/new/", form_data(paris, phone="appelez-moi"))
    assert response.status_code == 200 and "phone" in response.context["form"].errors
    assert not ProspectContact.objects.exists()


def test_the_form_does_not_warn_again_about_an_unchanged_unknown_number(sales_rep, paris, groups):
    from guardian.shortcuts import assign_perm

    prospect = ProspectFactory(last_name="ARMANON", first_name="Julie", phone="12 345", entities=[paris])
    assign_perm("prospects.edit_prospect", sales_rep, prospect)
    data = form_data(paris, phone="12 345", job_title="Acheteuse")
    response = logged(sales_rep).post(f"/prospects/{prospect.pk}/edit/", data, follow=True)
    assert "non reconnu" not in response.content.decode()


def test_the_form_pages_refuse_the_user_without_the_right_and_the_outsider(rep_without_rights, outsider, paris):
    assert logged(rep_without_rights).post("/prospects/new/", form_data(paris, **TYPED)).status_code == 403
    prospect = ProspectFactory(entities=[paris])
    assert logged(outsider).post(f"/prospects/{prospect.pk}/edit/", form_data(paris, **TYPED)).status_code == 404
    prospect.refresh_from_db()
    assert prospect.phone == "" and ProspectContact.objects.count() == 1


def test_the_admin_form_normalises_and_refuses_like_the_contact_form(admin_user, paris):
    model_admin = admin.site._registry[ProspectContact]
    request = RequestFactory().get("/admin/prospects/prospectcontact/add/")
    request.user = admin_user
    form_class = model_admin.get_form(request)
    data = {"last_name": "ARMANON", "first_name": "Julie", "status": "nouveau", "country": "France"}
    form = form_class({**data, "entities": [paris.pk], **TYPED})
    assert form.is_valid(), form.errors
    assert {name: form.cleaned_data[name] for name in PHONES} == EXPECTED
    form = form_class({**data, "entities": [paris.pk], "phone": "appelez-moi"})
    assert not form.is_valid() and "phone" in form.errors


def test_the_admin_change_page_stores_the_normalised_phone(admin_user, paris):
    prospect = ProspectFactory(last_name="ARMANON", first_name="Julie", entities=[paris])
    url = f"/admin/prospects/prospectcontact/{prospect.pk}/change/"
    page = logged(admin_user).get(url)
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(entities=[paris.pk], skills=[], diffusion_lists=[], **TYPED)
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    response = logged(admin_user).post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    prospect.refresh_from_db()
    assert stored_phones(prospect) == EXPECTED


VCARD = """BEGIN:VCARD
VERSION:3.0
N:Lefèvre;Hélène;;;
EMAIL:h.lefevre@exemple.fr
TEL;TYPE=work:{phone}
TEL;TYPE=cell:{mobile}
TEL;TYPE=fax:{fax}
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:Durand;Paul;;;
EMAIL:p.durand@exemple.fr
TEL;TYPE=work:12345
END:VCARD
"""


def test_the_vcard_import_stores_phones_exactly_as_the_form(manager, paris, django_capture_on_commit_callbacks):
    client = logged(manager)
    job = preview(client, [upload("phones.vcf", VCARD.format(**TYPED))])
    page = client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()
    assert "Numéro non reconnu, importé tel quel : 12345." in page
    start(client, job, django_capture_on_commit_callbacks)
    assert stored_phones(ProspectContact.objects.get(email="h.lefevre@exemple.fr")) == EXPECTED
    assert ProspectContact.objects.get(email="p.durand@exemple.fr").phone == "12345"
    form_client = logged(manager)
    form_client.post("/prospects/new/", form_data(paris, last_name="X", email="x@exemple.fr", **TYPED))
    assert stored_phones(ProspectContact.objects.get(email="x@exemple.fr")) == EXPECTED


def test_the_vcard_preview_refuses_the_user_without_the_right_and_the_outsider(
    manager, rep_without_rights, outsider, paris
):
    job = preview(logged(manager), [upload("phones.vcf", VCARD.format(**TYPED))])
    url = reverse("prospects:vcard_preview", args=[job.pk])
    assert logged(outsider).get(url).status_code == 404
    assert logged(rep_without_rights).get(url).status_code in (403, 404)


def test_the_demo_generator_writes_phones_already_normalised():
    rng = random.Random(7)
    for _index in range(2000):
        phone = _fake_phone(rng)
        assert phone_normalise(phone).value == phone and phone_normalise(phone).understood
