import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent
from lib.hashing import number_hash
from screenings.result_store import unpack_numbers

BEFORE = [("screenings", "0007_several_phone_columns_and_drafts")]
AFTER = [("screenings", "0010_watched_numbers_belong_to_watches")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_watched_numbers_go_into_one_watch_per_screening(org, hr):
    apps = migrate(BEFORE)
    Screening = apps.get_model("screenings", "Screening")
    screening = Screening.objects.create(
        organization_id=org.pk, created_by_id=hr.pk, filename="phones.csv", region="US", status="done"
    )
    apps.get_model("screenings", "ScreeningResult").objects.create(
        screening=screening,
        chunk_index=0,
        row=7,
        input="2065550100",
        label="E-7",
        e164="+12065550100",
        outcome="match",
    )
    WatchedNumber = apps.get_model("screenings", "WatchedNumber")
    for e164 in ("+12065550100", "+12065550199"):
        WatchedNumber.objects.create(organization_id=org.pk, screening=screening, number_hash=number_hash(e164))

    apps = migrate(AFTER)
    watch = apps.get_model("screenings", "Watch").objects.get()
    assert (watch.screening_id, watch.created_by_id) == (screening.pk, hr.pk)
    assert watch.name.startswith("phones.csv, ")
    numbers = {n.number_hash: (n.label, n.row) for n in apps.get_model("screenings", "WatchedNumber").objects.all()}
    assert numbers == {number_hash("+12065550100"): ("E-7", 7), number_hash("+12065550199"): ("", None)}
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the other tests expect


@pytest.mark.django_db(transaction=True)
def test_watches_named_with_an_iso_day_are_named_as_pages_write_it(org):
    apps = migrate([("screenings", "0011_outcomes_in_words")])
    Watch = apps.get_model("screenings", "Watch")
    for name in ("phones.csv, 2026-03-16", "q1, 2026-04-01.csv, 2026-04-02", "kept as it is"):
        Watch.objects.create(organization_id=org.pk, name=name)
    apps = migrate([("screenings", "0012_watch_names_in_words")])
    names = set(apps.get_model("screenings", "Watch").objects.values_list("name", flat=True))
    assert names == {"phones.csv, 16 Mar 2026", "q1, 2026-04-01.csv, 2 Apr 2026", "kept as it is"}
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the other tests expect


@pytest.mark.django_db(transaction=True)
def test_a_screening_running_through_the_upgrade_keeps_its_chunks_first_numbers(org):
    apps = migrate([("screenings", "0013_result_repeats_index")])
    screening = apps.get_model("screenings", "Screening").objects.create(
        organization_id=org.pk, filename="phones.csv", region="US", status="running"
    )
    ScreeningChunk = apps.get_model("screenings", "ScreeningChunk")
    ScreeningChunk.objects.create(
        screening=screening, index=0, row_count=2, content="", first_numbers="+12065550100,+447700900123"
    )
    ScreeningChunk.objects.create(screening=screening, index=1, row_count=1, content="", first_numbers="")
    apps = migrate([("screenings", "0014_chunk_first_numbers_as_integers")])
    chunks = apps.get_model("screenings", "ScreeningChunk").objects.order_by("index")
    assert [list(unpack_numbers(bytes(chunk.first_numbers_packed))) for chunk in chunks] == [
        [12065550100, 447700900123],
        [],
    ]
    previous_release_save = "UPDATE screenings_screeningchunk SET first_numbers = %s"  # a worker not yet upgraded
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(previous_release_save, ["+12065550100,+12065550102"])
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the other tests expect


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("direction", ["forward", "back"])
def test_a_screening_split_into_chunks_of_the_other_format_is_stopped_and_the_rest_kept(org, hr, direction):
    """Chunks hold packed numbers before 0016 and the file's own rows after it: neither side can read the other's."""
    before, after = (
        [("screenings", "0015_uploads_and_chunks_uncompressed")],
        [("screenings", "0016_chunks_hold_the_files_rows")],
    )
    apps = migrate(before if direction == "forward" else after)
    Screening = apps.get_model("screenings", "Screening")
    made = {
        name: Screening.objects.create(
            organization_id=org.pk, created_by_id=hr.pk, filename=f"{name}.csv", region="US", status=status
        )
        for name, status in [
            ("split", "running"),
            ("splitting", "running"),
            ("queued", "queued"),
            ("queued again", "queued"),  # its worker died while splitting it: the chunks stored are kept
            ("done", "done"),
        ]
    }
    Chunk = apps.get_model("screenings", "ScreeningChunk")
    for name in ("split", "queued again", "done"):
        Chunk.objects.create(screening=made[name], index=0, row_count=1, content="2,2065550100,,,,0\r\n")
    apps.get_model("screenings", "ScreeningUpload").objects.create(screening=made["splitting"], content=b"x", size=1)

    apps = migrate(after if direction == "forward" else before)
    Screening = apps.get_model("screenings", "Screening")
    statuses = dict(Screening.objects.values_list("filename", "status"))
    assert statuses == {
        "split.csv": "failed",
        "splitting.csv": "running",
        "queued.csv": "queued",
        "queued again.csv": "failed",
        "done.csv": "done",
    }
    failed = AuditEvent.objects.filter(action="screening.failed")
    assert sorted(event.detail["file"] for event in failed) == ["queued again.csv", "split.csv"]
    for stopped in Screening.objects.filter(status="failed"):
        assert "stopped by an update of the service" in stopped.error
        assert not apps.get_model("screenings", "ScreeningChunk").objects.filter(screening_id=stopped.pk).exists()
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # the schema the other tests expect
