"""manage.py import_prospects: same service, progress bar, summary, exit status."""

import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from prospects.jobs.options import ImportOptions
from prospects.models import Job, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def _call(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_prospects", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_it_imports_through_a_recorded_job_with_a_progress_bar(tmp_path, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name=f"N{i}") for i in range(12)])

    out, err = _call(str(path), user="lise")

    job = Job.objects.get()
    assert job.status == JobStatus.DONE and job.created_by == importer and ImportOptions.of(job).command
    assert ProspectContact.objects.filter(import_job=job).count() == 12
    assert "12 créés" in out and f"Traitement n° {job.pk}" in out
    assert "12/12" in err  # tqdm's bar


def test_a_dry_run_writes_nothing(tmp_path, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="A"), contact_row(last_name="B")])

    out, _err = _call(str(path), user="lise", dry_run=True)

    assert "2 créés" in out and "rien n'a été écrit" in out
    assert not ProspectContact.objects.exists() and not Job.objects.exists()


def test_errors_are_printed_and_fail_the_command(tmp_path, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="A"), contact_row(email="faux")])

    with pytest.raises(CommandError, match="1 ligne en erreur"):
        _call(str(path), user="lise")

    assert not ProspectContact.objects.exists()
    assert Job.objects.get().status == JobStatus.FAILED


def test_valid_only_imports_the_good_rows(tmp_path, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="A"), contact_row(email="faux")])

    out, _err = _call(str(path), user="lise", valid_only=True)

    assert "1 créé" in out and "Adresse e-mail invalide." in out


def test_it_refuses_a_user_without_r7_and_a_bad_file(tmp_path, sales_rep, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row()])
    with pytest.raises(CommandError, match="R7"):
        _call(str(path), user="marine")
    bad = tmp_path / "f.csv"
    bad.write_text("Nom;Prénom\n")
    with pytest.raises(CommandError, match="n'est pas un classeur Excel"):
        _call(str(bad), user="lise")


def test_the_exit_status_is_non_zero_on_errors(tmp_path):
    # A real process (its own SQLite database, migrated): CommandError → exit status 1.
    db = tmp_path / "cli.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=300)
    script = (
        "from prospects.rights import roles_setup; from accounts.models import User, Entity; "
        "from django.contrib.auth.models import Group; roles_setup(); "
        "u = User.objects.create(username='lise'); u.entities.add(Entity.objects.create(name='Paris', code='paris')); "
        "u.groups.add(Group.objects.get(name='Assistant commercial'))"
    )
    subprocess.run([*manage, "shell", "-c", script], env=env, check=True, timeout=300)
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(email="faux")])

    failed = subprocess.run(
        [*manage, "import_prospects", str(path), "--user", "lise"], env=env, capture_output=True, text=True, timeout=300
    )
    ok = subprocess.run(
        [*manage, "import_prospects", str(write_xlsx(tmp_path / "g.xlsx", [contact_row()])), "--user", "lise"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert failed.returncode == 1 and "Adresse e-mail invalide." in failed.stdout
    assert ok.returncode == 0 and "1 créé" in ok.stdout
