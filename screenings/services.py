"""Creating and deleting screenings (SPEC section 4): the upload is checked, its columns found and
the job queued; nothing is matched in the request."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event, refusal_recorded
from lib import limits
from lib.bulk import insert_file
from lib.errors import DomainError
from lib.phone import UnknownRegion, clean_region
from lib.phone_lists import Columns, Inspection, inspect, preview
from lib.tabular import UnreadableFile
from screenings.models import Screening, ScreeningDraft, ScreeningUpload
from screenings.routing import queue_for_rows


class ScreeningRejected(DomainError):
    """An upload refused before any work starts; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def create_screening(
    *,
    membership,
    filename: str,
    data: bytes,
    columns: Columns | None = None,
    region: str = "",
    monitor: bool = False,
    request=None,
) -> Screening:
    """Check the upload and find its columns once (or take those chosen), then queue it; nothing is
    matched in the request."""
    check_size(len(data))
    try:
        region = clean_region(region or membership.organization.default_region)
        inspection = inspect(data, region, columns or Columns())
    except (UnknownRegion, UnreadableFile) as error:
        raise ScreeningRejected(str(error)) from None
    layout = inspection.layout
    rows = inspection.estimated_numbers
    if rows > settings.SCREENING_MAX_ROWS:
        raise ScreeningRejected(f"The file has about {rows:,} rows; the limit is {settings.SCREENING_MAX_ROWS:,}.", 413)
    with refusal_recorded(
        action="screening.refused",
        request=request,
        actor=membership.user,
        organization=membership.organization,
        detail={"rows": rows},
    ):
        limits.consume_screening_quota(membership.organization, rows)
    with transaction.atomic():
        screening = Screening.objects.create(
            organization=membership.organization,
            created_by=membership.user,
            filename=filename[:255],
            region=region,
            phone_column=", ".join(layout.phone_names)[:200],
            label_column=layout.column_name(layout.label),
            layout=layout.as_dict(),
            charged_rows=rows,
            monitor=monitor,
        )
        insert_file(ScreeningUpload, screening=screening, content=data, size=len(data))
        record_event(
            action="screening.created",
            request=request,
            actor=membership.user,
            organization=membership.organization,
            detail={**screening.audit_detail, "monitor": monitor},
        )
        from screenings.tasks import prepare_screening_task

        prepare_screening_task.apply_async_on_commit((str(screening.pk),), queue=queue_for_rows(rows))
    return screening


DRAFT_HOURS = 1


class DraftExpired(ScreeningRejected):
    """The uploader confirmed after the upload's lifetime: it is deleted, as the purge would have done."""


def draft_cutoff(now=None):
    """Uploads made before this time are past their lifetime (DRAFT_HOURS)."""
    return (now or timezone.now()) - timedelta(hours=DRAFT_HOURS)


def create_draft(*, membership, filename: str, data: bytes, request=None) -> ScreeningDraft:
    """Keep an upload for its uploader to look at and confirm; nothing is charged or matched yet."""
    check_size(len(data))
    draft = ScreeningDraft.objects.create(
        organization=membership.organization, created_by=membership.user, filename=filename[:255], content=data
    )
    detail = {"draft": str(draft.pk), "file": draft.filename}
    record_event(action="screening.uploaded", request=request, actor=membership.user, detail=detail)
    return draft


def inspect_draft(draft: ScreeningDraft, region: str, columns: Columns) -> Inspection:
    """The draft's first rows and the columns found (or chosen), read in `region`."""
    try:
        return preview(bytes(draft.content), clean_region(region), columns)
    except (UnknownRegion, UnreadableFile) as error:
        raise ScreeningRejected(str(error)) from None


def start_draft(*, draft: ScreeningDraft, membership, columns: Columns, region: str, monitor: bool, request=None):
    """The uploader confirmed the columns: the screening starts and the draft goes. A draft past its
    lifetime starts nothing: the file is deleted and must be uploaded again."""
    if draft.created_at < draft_cutoff():
        draft.delete()
        raise DraftExpired(
            f"{draft.filename} was uploaded more than {DRAFT_HOURS} hour{'' if DRAFT_HOURS == 1 else 's'} ago, "
            "so it was deleted and nothing was screened. Upload it again."
        )
    screening = create_screening(
        membership=membership,
        filename=draft.filename,
        data=bytes(draft.content),
        columns=columns,
        region=region,
        monitor=monitor,
        request=request,
    )
    draft.delete()
    return screening


def cancel_draft(*, draft: ScreeningDraft, request=None) -> None:
    detail = {"draft": str(draft.pk), "file": draft.filename}
    record_event(action="screening.upload_cancelled", request=request, detail=detail)
    draft.delete()


def purge_stale_drafts(*, now=None) -> int:
    """Uploads neither started nor cancelled within DRAFT_HOURS are deleted."""
    count, _ = ScreeningDraft.objects.filter(created_at__lt=draft_cutoff(now)).delete()
    return count


def check_size(size: int) -> None:
    """A file over SCREENING_MAX_BYTES is refused with 413."""
    if size > settings.SCREENING_MAX_BYTES:
        raise ScreeningRejected(f"The file is {size:,} bytes; the limit is {settings.SCREENING_MAX_BYTES:,}.", 413)


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refused (413) before reading when it is over the size limit."""
    check_size(upload.size)
    return upload.read()


def delete_screening(*, screening: Screening, request=None) -> None:
    record_event(
        action="screening.deleted",
        request=request,
        organization=screening.organization,
        detail=screening.audit_detail,
    )
    screening.delete()


def purge_expired_screenings(*, dry_run: bool = False, now=None) -> int:
    """Delete screenings (with their results and watched numbers) older than SCREENING_RETENTION_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.SCREENING_RETENTION_DAYS)
    expired = Screening.objects.filter(created_at__lt=cutoff)
    count = expired.count()
    if dry_run:
        return count
    expired.delete()
    if count:
        record_event(action="screening.purged", detail={"count": count, "before": cutoff.isoformat()})
    return count
