import django_filters
from django.db.models import QuerySet
from django.forms import DateInput

from accounts.models import ApiKey, Invitation, Membership, Organization
from audit.describe import action_label
from audit.models import AuditEvent


def organization_members(organization: Organization) -> QuerySet[Membership]:
    return organization.memberships.select_related("user").order_by("user__email")


def pending_invitations(organization: Organization) -> QuerySet[Invitation]:
    return organization.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)


def organization_api_keys(organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user__membership__organization=organization).select_related("user")


class OrganizationAuditFilter(django_filters.FilterSet):
    """Filters of the org audit log page: member, action and date range."""

    actor = django_filters.ModelChoiceFilter(
        queryset=Membership.objects.none(), method="by_member", label="Member", empty_label="Every member"
    )
    action = django_filters.ChoiceFilter(choices=[], label="What happened", empty_label="Everything")
    after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", widget=DateInput(attrs={"type": "date"})
    )
    before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", widget=DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "after", "before"]

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, queryset=organization_audit_events(organization), **kwargs)
        self.filters["actor"].queryset = organization_members(organization)
        actions = self.queryset.order_by().values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(action, action_label(action)) for action in sorted(actions)]

    def by_member(self, queryset, name, membership):
        return queryset.filter(actor_id=membership.user_id)


def organization_audit_events(organization: Organization) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organization=organization).select_related("actor")
