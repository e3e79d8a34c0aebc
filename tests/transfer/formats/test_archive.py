import io
import struct
import zipfile
from pathlib import Path

import pytest
import rarfile
import xlsxwriter

from orderdesk.transfer.formats import archive
from orderdesk.transfer.formats.archive import is_safe_member_name, read_rar, read_zip
from orderdesk.transfer.formats.base import FormatError, TooLarge, UnsupportedFormat, open_source
from tests.transfer.formats.binary_samples import context, detector, rar4_stored, read_all

pytestmark = pytest.mark.usefixtures("detector")
__all__ = ["detector"]


def xlsx_bytes(*rows: list[object]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Лист1")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    workbook.close()
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


PRICES = xlsx_bytes(["Артикул", "Цена"], ["A-1", 12.5])


def test_every_member_is_read_with_its_path_in_the_sheet_name(tmp_path: Path):
    data = zip_bytes({"май/prices.xlsx": PRICES, "stock.xlsx": xlsx_bytes(["Склад"])})
    sheets = read_all(read_zip(write(tmp_path, "upload.zip", data), context("upload.zip")))
    assert sheets == {
        "upload.zip/май/prices.xlsx/Лист1": [["Артикул", "Цена"], ["A-1", 12.5]],
        "upload.zip/stock.xlsx/Лист1": [["Склад"]],
    }


@pytest.mark.parametrize(
    "name", ["../evil.xlsx", "/etc/evil.xlsx", "C:/evil.xlsx", "a/../../e.xlsx"]
)
def test_member_escaping_the_archive_is_rejected_and_reported(tmp_path: Path, name: str):
    data = zip_bytes({name: PRICES, "ok.xlsx": PRICES})
    ctx = context("slip.zip")
    sheets = read_all(read_zip(write(tmp_path, "slip.zip", data), ctx))
    assert list(sheets) == ["slip.zip/ok.xlsx/Лист1"]
    assert any(name in note for note in ctx.notes)
    assert not (tmp_path.parent / "evil.xlsx").exists()


def test_safe_member_names_are_told_from_unsafe_ones():
    assert is_safe_member_name("май/prices.xlsx")
    assert not is_safe_member_name("..\\..\\windows\\x.xlsx")
    assert not is_safe_member_name("a\x00b.xlsx")


def test_symlink_member_is_rejected_and_reported(tmp_path: Path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        link = zipfile.ZipInfo("prices.xlsx")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        out.writestr(link, "/etc/passwd")
    ctx = context("link.zip")
    assert read_all(read_zip(write(tmp_path, "link.zip", buffer.getvalue()), ctx)) == {}
    assert "prices.xlsx" in ctx.notes[0]


def test_encrypted_member_is_skipped_and_reported(tmp_path: Path):
    data = bytearray(zip_bytes({"secret.xlsx": b"\x00" * 40, "open.xlsx": PRICES}))
    struct.pack_into("<H", data, 6, 0x1)  # "encrypted" in the local header of the first entry
    struct.pack_into("<H", data, data.find(b"PK\x01\x02") + 8, 0x1)  # and in the directory
    ctx = context("mixed.zip")
    sheets = read_all(read_zip(write(tmp_path, "mixed.zip", bytes(data)), ctx))
    assert list(sheets) == ["mixed.zip/open.xlsx/Лист1"]
    assert "secret.xlsx" in ctx.notes[0]


def test_unsupported_member_is_skipped_and_reported(tmp_path: Path):
    data = zip_bytes({"photo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "ok.xlsx": PRICES})
    ctx = context("photos.zip")
    sheets = read_all(read_zip(write(tmp_path, "photos.zip", data), ctx))
    assert list(sheets) == ["photos.zip/ok.xlsx/Лист1"]
    assert "photo.png" in ctx.notes[0]


def overlapping_zip() -> bytes:
    """Two central-directory entries pointing at the same local data (a 'better zip bomb')."""
    data = bytearray(zip_bytes({"a.xlsx": PRICES, "b.xlsx": PRICES}))
    second = data.find(b"PK\x01\x02", data.find(b"PK\x01\x02") + 4)
    struct.pack_into("<I", data, second + 42, 0)
    return bytes(data)


def test_overlapping_entries_are_refused(tmp_path: Path):
    with pytest.raises(FormatError) as caught:
        read_all(
            read_zip(write(tmp_path, "overlap.zip", overlapping_zip()), context("overlap.zip"))
        )
    assert caught.value.detail_key == "transfer.archive_overlap"


def test_member_expanding_a_thousand_times_is_refused(tmp_path: Path):
    data = zip_bytes({"zeros.xlsx": b"\x00" * (8 * 1024 * 1024)})
    with pytest.raises(TooLarge) as caught:
        read_all(read_zip(write(tmp_path, "bomb.zip", data), context("bomb.zip")))
    assert caught.value.detail_key == "transfer.compression_ratio"


def test_declared_sizes_over_the_limit_are_refused_before_extracting(tmp_path: Path):
    data = zip_bytes({"a.xlsx": PRICES, "b.xlsx": PRICES})
    limit = len(PRICES) + 10
    with pytest.raises(TooLarge) as caught:
        read_all(
            read_zip(write(tmp_path, "big.zip", data), context("big.zip", max_unpacked_bytes=limit))
        )
    assert caught.value.detail_key == "transfer.unpacked_too_large"


def test_member_lying_about_its_size_stops_at_the_declared_size(tmp_path: Path):
    data = bytearray(zip_bytes({"liar.xlsx": PRICES}))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 100)  # uncompressed size in the directory
    struct.pack_into("<I", data, 22, 100)  # and in the local header
    with pytest.raises(FormatError):
        read_all(read_zip(write(tmp_path, "liar.zip", bytes(data)), context("liar.zip")))


def test_streamed_bytes_are_counted_against_the_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(archive, "check_zip_entries", lambda *args: None)  # trust nothing declared
    data = zip_bytes({"a.xlsx": PRICES})
    with pytest.raises(TooLarge) as caught:
        read_all(
            read_zip(write(tmp_path, "a.zip", data), context("a.zip", max_unpacked_bytes=1000))
        )
    assert caught.value.detail_key == "transfer.unpacked_too_large"


def test_too_many_members_are_refused(tmp_path: Path):
    data = zip_bytes({f"{n}.xlsx": PRICES for n in range(5)})
    with pytest.raises(TooLarge) as caught:
        read_all(
            read_zip(write(tmp_path, "many.zip", data), context("many.zip", max_archive_members=3))
        )
    assert caught.value.detail_key == "transfer.too_many_members"


def test_zip_inside_a_zip_is_read(tmp_path: Path):
    data = zip_bytes({"inner.zip": zip_bytes({"prices.xlsx": PRICES})})
    sheets = read_all(read_zip(write(tmp_path, "outer.zip", data), context("outer.zip")))
    assert list(sheets) == ["outer.zip/inner.zip/prices.xlsx/Лист1"]


def test_zip_in_zip_in_zip_is_refused_as_too_deep(tmp_path: Path):
    innermost = zip_bytes({"prices.xlsx": PRICES})
    data = zip_bytes({"b.zip": zip_bytes({"c.zip": innermost})})
    with pytest.raises(TooLarge) as caught:
        read_all(read_zip(write(tmp_path, "a.zip", data), context("a.zip")))
    assert caught.value.detail_key == "transfer.archive_too_deep"


def test_temporary_directory_is_removed_when_iteration_ends_early(tmp_path: Path, monkeypatch):
    made: list[str] = []
    real = archive.tempfile.mkdtemp

    def recording_mkdtemp(**kwargs: str) -> str:
        made.append(real(**kwargs))
        return made[-1]

    monkeypatch.setattr(archive.tempfile, "mkdtemp", recording_mkdtemp)
    data = zip_bytes({"a.xlsx": PRICES, "b.xlsx": PRICES})
    sheets = read_zip(write(tmp_path, "two.zip", data), context("two.zip"))
    next(next(sheets).rows)
    assert Path(made[0]).exists()
    sheets.close()
    assert not Path(made[0]).exists()


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", b"not a zip at all"])
def test_corrupt_zip_is_a_clear_format_error(tmp_path: Path, data: bytes):
    with pytest.raises(FormatError) as caught:
        read_all(read_zip(write(tmp_path, "bad.zip", data), context("bad.zip")))
    assert caught.value.status == 422


def test_rar_members_are_read(tmp_path: Path):
    data = rar4_stored([("prices.xlsx", PRICES)])
    sheets = read_all(read_rar(write(tmp_path, "upload.rar", data), context("upload.rar")))
    assert sheets == {"upload.rar/prices.xlsx/Лист1": [["Артикул", "Цена"], ["A-1", 12.5]]}


def test_rar_member_escaping_or_linking_is_rejected_and_reported(tmp_path: Path):
    members = [("../evil.xlsx", PRICES), ("link.xlsx", b"/etc/passwd"), ("ok.xlsx", PRICES)]
    data = rar4_stored(members, unix_modes={"link.xlsx": 0o120777})
    ctx = context("bad.rar")
    sheets = read_all(read_rar(write(tmp_path, "bad.rar", data), ctx))
    assert list(sheets) == ["bad.rar/ok.xlsx/Лист1"]
    assert len(ctx.notes) == 2


def test_rar_needing_a_missing_tool_says_which_to_install(tmp_path: Path, monkeypatch):
    def no_tool(*args: object, **kwargs: object) -> None:
        raise rarfile.RarCannotExec("Cannot find working tool")

    monkeypatch.setattr(rarfile.RarFile, "open", no_tool)
    data = rar4_stored([("prices.xlsx", PRICES)])
    with pytest.raises(UnsupportedFormat) as caught:
        read_all(read_rar(write(tmp_path, "packed.rar", data), context("packed.rar")))
    assert caught.value.detail_key == "transfer.rar_needs_tool"


def test_truncated_rar_is_a_clear_format_error(tmp_path: Path):
    data = rar4_stored([("prices.xlsx", PRICES)])
    with pytest.raises(FormatError):
        read_all(read_rar(write(tmp_path, "cut.rar", data[: len(data) // 2]), context("cut.rar")))


def test_skipped_members_show_up_in_the_sources_notes(tmp_path: Path):
    data = zip_bytes({"../evil.xlsx": PRICES, "ok.xlsx": PRICES})
    source = open_source(write(tmp_path, "upload.zip", data), filename="upload.zip")
    assert source.format == "zip"
    assert [sheet.name for sheet in source.sheets] == ["upload.zip/ok.xlsx/Лист1"]
    assert len(source.notes) == 1
    assert "../evil.xlsx" in source.notes[0]
