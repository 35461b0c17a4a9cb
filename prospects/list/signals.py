"""Any write that can change which contacts a list counts makes its cached counts stale
(prospects.list.paging.prospect_count), the admin's writes and the object grants included.

The services already say so (prospects_data_changed); these receivers catch the writes that
do not go through them, so a count is cached however briefly it took to compute.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from crm.models import Company
from prospects.models import ProspectContact, ProspectContactGroupObjectPermission, ProspectContactUserObjectPermission
from prospects.services import prospects_data_changed


@receiver([post_save, post_delete], sender=ProspectContact)
@receiver([post_save, post_delete], sender=Company)  # type, sector, size, revenue filter the list
@receiver([post_save, post_delete], sender=ProspectContactUserObjectPermission)
@receiver([post_save, post_delete], sender=ProspectContactGroupObjectPermission)
@receiver(m2m_changed, sender=ProspectContact.entities.through)
@receiver(m2m_changed, sender=ProspectContact.skills.through)
@receiver(m2m_changed, sender=Company.entities.through)
def _list_data_changed(**kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        prospects_data_changed()
