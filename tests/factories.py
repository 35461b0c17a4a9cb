"""factory_boy factories for every model the tests need."""

import factory
from django.utils import timezone

from accounts.models import Entity, User
from crm.models import Company, DiffusionList, Opportunity, Proposal, Sector
from prospects.models import ProspectContact, ProspectNote
from prospects.services import prospect_search_fields_refresh
from tasks.models import Task


def _set_entities(obj, create, extracted, **kwargs):
    """`entities=[...]` on any factory whose model shares records with entities."""
    if create and extracted:
        obj.entities.set(extracted)


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Entité {n}")
    code = factory.Sequence(lambda n: f"entite-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.fr")
    password = factory.django.Password("secret-pass-123")

    entities = factory.PostGeneration(_set_entities)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(extracted)


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Secteur {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Société {n}")

    entities = factory.PostGeneration(_set_entities)


class ProspectFactory(factory.django.DjangoModelFactory):
    """A contact saved directly (no rights granted): use prospect_create to test the service."""

    class Meta:
        model = ProspectContact
        skip_postgeneration_save = True

    last_name = factory.Sequence(lambda n: f"NOM{n}")
    first_name = "Julie"
    email = factory.Sequence(lambda n: f"contact{n}@example.fr")

    entities = factory.PostGeneration(_set_entities)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved with its search columns filled, as every real writer does (the duplicate check reads them)."""
        prospect = model_class(*args, **kwargs)
        prospect_search_fields_refresh(prospect)
        prospect.save()
        return prospect


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProspectNote

    text = "Rappeler en janvier"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    name = factory.Sequence(lambda n: f"Tâche {n}")
    due_at = factory.LazyFunction(timezone.now)


class DiffusionListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiffusionList
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Liste {n}")

    entities = factory.PostGeneration(_set_entities)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Opportunité {n}")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    name = factory.Sequence(lambda n: f"Proposition {n}")
