from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from crm.models import Company
from prospects.models import ProspectContact, ProspectContactUserObjectPermission
from prospects.rights import R1, has_right
from prospects.selectors import prospects_visible_to
from tasks.models import Task

pytestmark = pytest.mark.django_db

GUIDE_NAMES = {"PROSPERE", "ARMANON", "TROUVA", "PLUMAN", "BLOUJ", "JEANOT", "LUJIS", "PAUL", "DUBAND", "BITON"}


def seed(*args):
    call_command("seed_demo", *args, stdout=StringIO(), stderr=StringIO())


def test_seed_demo_loads_the_guides_ten_contacts_and_is_idempotent():
    seed()
    seed()
    assert set(ProspectContact.objects.values_list("last_name", flat=True)) == GUIDE_NAMES
    duband = ProspectContact.objects.get(last_name="DUBAND")
    assert (duband.company.name, duband.email, duband.phone, duband.get_region_display()) == (
        "PM Conseil", "pduband@pm-conseil.com", "01 44 55 66 77", "Ile-de-France"
    )  # fmt: skip
    assert duband.opportunities.count() == 1 and duband.proposals.count() == 1
    assert str(duband.assigned_to) == "DIRON Marine"
    trouva = ProspectContact.objects.get(last_name="TROUVA")
    assert (trouva.status, str(trouva.assigned_to), str(trouva.company.assigned_to)) == (
        "en_cours", "VSA Admin", "DIRON Marine"
    )  # fmt: skip
    assert Company.objects.get(name="LABOUSSE").get_status_display() == "A convertir"
    task = Task.objects.get()
    assert task.name == "Contacter le prospect début 2024" and task.prospect.last_name == "ARMANON"
    assert str(task.followed_by) == "ALPES Lise"


def test_the_demo_rep_sees_the_ten_and_the_lyon_rep_none_of_them():
    seed("--contacts", "300")
    marine, hugo = User.objects.get(username="marine"), User.objects.get(username="hugo")
    assert set(prospects_visible_to(marine).values_list("last_name", flat=True)) == GUIDE_NAMES
    assert not prospects_visible_to(hugo).filter(last_name__in=GUIDE_NAMES).exists()
    assert prospects_visible_to(hugo).count() >= 100


def test_generated_contacts_come_with_entities_and_their_reps_rights_by_rule():
    seed("--contacts", "500")
    generated = ProspectContact.objects.exclude(last_name__in=GUIDE_NAMES)
    assert generated.count() == 500
    assert not generated.filter(entities=None).exists()
    assigned = generated.exclude(assigned_to=None)
    assert not ProspectContactUserObjectPermission.objects.exists()
    sample = assigned.first()
    assert has_right(sample.assigned_to, R1, sample)
    assert all(email == email.lower() for email in generated.values_list("email", flat=True))
    seed("--contacts", "10")  # ids and sequences keep going
    assert ProspectContact.objects.count() == 520
    ProspectContact.objects.create(last_name="APRES", first_name="Seed")


def test_min_contacts_only_tops_up_what_is_missing():
    seed("--min-contacts", "50")
    seed("--min-contacts", "50")
    assert ProspectContact.objects.count() == 50
