import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import CompanyFactory, ProspectFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "crm", "prospects", "tasks"}


def test_every_model_of_the_project_has_an_admin():
    missing = [
        model._meta.label
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry
        and not model._meta.model_name.endswith(("userobjectpermission", "groupobjectpermission"))
    ]
    assert missing == []


@pytest.fixture
def staff(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_every_admin_list_and_add_page_opens(staff):
    for model in admin.site._registry:
        if model._meta.app_label not in PROJECT_APPS:
            continue
        info = model._meta.app_label, model._meta.model_name
        assert staff.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"}).status_code == 200, info
        add = staff.get(reverse("admin:{}_{}_add".format(*info)))
        assert add.status_code in (200, 403), info  # jobs are read-only


def test_object_permission_screens_exist_for_contacts_and_companies(staff, paris):
    contact, company = ProspectFactory(entities=[paris]), CompanyFactory(entities=[paris])
    for obj in (contact, company):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_permissions", args=[obj.pk])
        assert staff.get(url).status_code == 200


def test_changing_the_rep_in_admin_moves_the_object_right(staff, paris):
    from prospects.models import ProspectContactUserObjectPermission
    from prospects.rights import R1, has_right
    from tests.factories import UserFactory

    old_rep, new_rep = UserFactory(entities=[paris]), UserFactory(entities=[paris])
    contact = ProspectFactory(entities=[paris], assigned_to=old_rep)
    url = reverse("admin:prospects_prospectcontact_change", args=[contact.pk])
    form = {
        "last_name": contact.last_name, "first_name": contact.first_name, "email": "MIXED@Case.FR",
        "status": "affecte", "country": "France", "assigned_to": new_rep.pk, "entities": [paris.pk],
        "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = staff.post(url, form)
    assert response.status_code == 302, (response.context or {}).get("errors")
    contact.refresh_from_db()
    assert contact.email == "mixed@case.fr" and contact.assigned_to == new_rep
    assert has_right(new_rep, R1, contact) and not has_right(old_rep, R1, contact)
    assert not ProspectContactUserObjectPermission.objects.exists()  # the rep's right is a rule


def test_a_non_staff_rep_cannot_open_the_admin(sales_rep):
    client = Client()
    client.force_login(sales_rep)
    assert client.get("/admin/").status_code == 302


def test_the_contact_permission_screen_offers_the_rights_in_french_not_djangos_four(staff, paris, sales_rep):
    from prospects.rights import R1, R14, R15, R17

    contact = ProspectFactory(entities=[paris])
    base = reverse("admin:prospects_prospectcontact_permissions", args=[contact.pk])
    user_url = reverse("admin:prospects_prospectcontact_permissions_manage_user", args=[contact.pk, sales_rep.pk])
    body = staff.get(user_url).content.decode()
    assert f'value="{R1.codename}"' in body and R1.label in body and f'value="{R14.codename}"' in body
    for codename in ("add_prospectcontact", "change_prospectcontact", "delete_prospectcontact", "view_prospectcontact"):
        assert f'value="{codename}"' not in body
    assert f'value="{R15.codename}"' in body  # merge is granted per contact
    assert f'value="{R17.codename}"' not in body  # a global right: a grant on one contact opens nothing
    overview = staff.get(base).content.decode()
    assert "change_prospectcontact" not in overview and "Can change" not in overview
    response = staff.post(user_url, {"permissions": [R1.codename], "submit_manage_user": "1"})
    assert response.status_code == 302
    from prospects.rights import has_right

    assert has_right(sales_rep, R1, contact)
