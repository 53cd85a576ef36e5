from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

from accounts import roles
from lib.phone import UnknownRegion, clean_region


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an email address and password (and TOTP)."""

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self):
        return self.email

    @property
    def active_membership(self):
        """The membership that grants lookup powers, or None."""
        membership = getattr(self, "membership", None)
        if membership and membership.organization.status == Organization.Status.APPROVED:
            return membership
        return None


def validate_region(value: str) -> None:
    """The organization's region follows the one region rule, written in capitals as it is stored."""
    try:
        if clean_region(value) != value:
            raise ValidationError("Write the region in capitals, e.g. GB.")
    except UnknownRegion as error:
        raise ValidationError(str(error)) from None


def default_region() -> str:
    return settings.DEFAULT_REGION


def default_lookup_quota() -> int:
    return settings.DEFAULT_DAILY_LOOKUP_QUOTA


def default_screening_quota() -> int:
    return settings.DEFAULT_DAILY_SCREENING_QUOTA


class Organization(models.Model):
    """A company whose approved HR and legal staff check numbers they own."""

    class Status(models.TextChoices):
        """Staff approve or reject a pending organization; only an approved one's members can search.
        Suspending an approved organization blocks its sessions and API keys until staff reinstate it."""

        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        SUSPENDED = "suspended", "Suspended"
        REJECTED = "rejected", "Rejected"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    default_region = models.CharField(
        max_length=2,
        default=default_region,
        validators=[validate_region],
        help_text="Region assumed for numbers written without a country code (two capital letters, e.g. US or GB).",
    )
    daily_lookup_quota = models.PositiveIntegerField(default=default_lookup_quota)
    daily_screening_row_quota = models.PositiveIntegerField(default=default_screening_quota)
    requester_name = models.CharField(max_length=200, blank=True)
    requester_title = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    request_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class OrganizationDomain(models.Model):
    """An email domain the organization controls; invitations go only there."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A user's place in one organization, with the role that decides what they may do."""

    class Role(models.TextChoices):
        LEGAL = roles.LEGAL, "Legal"
        HR = roles.HR, "HR"
        ADMIN = roles.ADMIN, "Admin"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.organization})"

    @property
    def can_screen(self) -> bool:
        return self.role in roles.SCREENING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in roles.ADMIN_ROLES


class Invitation(models.Model):
    """A single-use, expiring link that makes its recipient a member."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiKey(AbstractAPIKey):
    """An API key of one member; it acts with that member's role. Only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
