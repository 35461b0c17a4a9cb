"""The task dialog (issue 15): today and the next full hour by default, French formats whatever the browser."""

import datetime

import pytest
from django.utils import timezone

from tasks.forms import TaskForm
from tests.factories import ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_a_new_task_starts_today_at_the_next_full_hour(sales_rep, paris):
    form = TaskForm(user=sales_rep, prospect=ProspectFactory(entities=[paris]))
    expected = (timezone.localtime() + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    assert (form.initial["due_date"], form.initial["due_time"]) == (expected.date(), expected.time())
    html = str(form["due_date"]) + str(form["due_time"])
    assert 'placeholder="jj/mm/aaaa"' in html and 'placeholder="hh:mm"' in html and 'type="date"' not in html
    assert expected.strftime("%d/%m/%Y") in html and expected.strftime("%H:00") in html


def test_french_dates_and_times_are_read_in_an_english_browser(sales_rep, paris):
    julie = ProspectFactory(entities=[paris])
    client = logged(sales_rep, HTTP_ACCEPT_LANGUAGE="en-US")
    data = {"priority": "normale", "type": "appel", "name": "Rappeler", "status": "en_attente",
            "due_date": "15/01/2030", "due_time": "14h30"}  # fmt: skip
    response = client.post(f"/tasks/prospects/{julie.pk}/new/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    task = julie.tasks.get()
    assert timezone.localtime(task.due_at).strftime("%d/%m/%Y %H:%M") == "15/01/2030 14:30"


def test_a_bad_time_is_refused_with_the_expected_format(sales_rep, paris):
    julie = ProspectFactory(entities=[paris])
    data = {"priority": "normale", "type": "appel", "name": "X", "status": "en_attente",
            "due_date": "15/01/2030", "due_time": "25:99"}  # fmt: skip
    response = logged(sales_rep).post(f"/tasks/prospects/{julie.pk}/new/", data, HTTP_HX_REQUEST="true")
    assert "hh:mm" in response.content.decode() and not julie.tasks.exists()
