"""XML: repeating records found by themselves, the price-base shape, hostile documents refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orderdesk.core.i18n import t
from orderdesk.transfer.formats import FormatError, Limits, TooLarge, open_source
from orderdesk.transfer.formats.pricebase import HEADER
from tests.transfer.formats import samples

ORDERS = """<?xml version="1.0" encoding="windows-1251"?>
<Export xmlns="urn:example:orders" date="2024-02-01">
  <Source>VendHub</Source>
  <Orders>
    <Order id="1"><Number>A-1</Number><Sum>1 234,50</Sum>
      <Customer><Name>Иванов</Name></Customer></Order>
    <Order id="2"><Number>A-2</Number><Phone>+7 900</Phone><Phone>+7 901</Phone></Order>
    <Order id="3"><Number>A-3</Number><Sum>99,00</Sum></Order>
  </Orders>
</Export>
"""

# A faithful miniature of the state price bases: ГЭСН (sections → work groups → works →
# resources, fields as attributes) and a ФСБЦ-like catalogue (fields as child elements).
GESN = """<?xml version="1.0" encoding="UTF-8"?>
<GESN Type="ГЭСН" Edition="2022">
  <Sections>
    <Section Code="01" Name="Сборник 01. Земляные работы" Type="Сборник">
      <Section Code="01-01" Name="Отдел 1. Механизированная разработка грунта" Type="Отдел">
        <NameGroup BeginName="Разработка грунта в отвал экскаваторами">
          <Work Code="01-01-001-01" EndName="с ковшом 0,5 м3, группа грунтов 1"
                MeasureUnit="1000 м3 грунта">
            <Content><Item>Разработка грунта с погрузкой</Item></Content>
            <Resources>
              <Resource Code="1-100-20" Name="Затраты труда рабочих" MeasureUnit="чел.-ч"
                        Quantity="13,8"/>
              <Resource Code="91.01.01-035" Name="Экскаваторы одноковшовые" MeasureUnit="маш.-ч"
                        Quantity="22,4"><Prices><Price Cost="1 520,30"/></Prices></Resource>
            </Resources>
          </Work>
          <Work Code="01-01-001-02" EndName="с ковшом 0,65 м3" MeasureUnit="1000 м3 грунта">
            <Resources>
              <Resource Code="1-100-20" Name="Затраты труда рабочих" MeasureUnit="чел.-ч"
                        Quantity="11,2"/>
            </Resources>
          </Work>
        </NameGroup>
      </Section>
    </Section>
  </Sections>
</GESN>
"""
FSBC = """<?xml version="1.0" encoding="UTF-8"?>
<ResourceCatalog>
  <Section><Code>01</Code><Name>Материалы</Name>
    <Resource><Code>01.1.01.01-0001</Code><Name>Песок природный</Name>
      <MeasureUnit>м3</MeasureUnit><Price>512,40</Price></Resource>
    <Resource><Code>01.1.01.01-0002</Code><Name>Щебень</Name>
      <MeasureUnit>м3</MeasureUnit><Price>1 140,00</Price></Resource>
  </Section>
</ResourceCatalog>
"""


def test_the_repeating_record_element_becomes_rows(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "orders.xml", ORDERS, "cp1251")
    source, rows = samples.read(path)
    assert source.format == "xml"
    assert rows[0] == ["id", "Number", "Sum", "Customer.Name", "Phone"]
    assert rows[1] == ["1", "A-1", "1 234,50", "Иванов", None]
    assert rows[2] == ["2", "A-2", None, None, "+7 900; +7 901"]
    assert len(rows) == 4


def test_the_record_element_can_be_named(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "orders.xml", ORDERS, "cp1251")
    _, rows = samples.read(path, record="Customer")
    assert rows == [["Name"], ["Иванов"]]


def test_a_named_record_element_that_is_absent_is_a_clear_error(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "orders.xml", ORDERS, "cp1251")
    with pytest.raises(FormatError) as caught:
        samples.read(path, record="Invoice")
    assert caught.value.params == {"record": "Invoice"}


def test_a_gesn_price_base_flattens_to_one_row_per_resource(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "gesn.xml", GESN))
    assert rows[0] == HEADER
    assert len(rows) == 4
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first == {
        "section_code": "01-01",
        "section_name": "Отдел 1. Механизированная разработка грунта",
        "section_path": "Сборник 01. Земляные работы / Отдел 1. Механизированная разработка грунта",
        "work_code": "01-01-001-01",
        "work_name": "Разработка грунта в отвал экскаваторами с ковшом 0,5 м3, группа грунтов 1",
        "work_unit": "1000 м3 грунта",
        "resource_code": "1-100-20",
        "resource_name": "Затраты труда рабочих",
        "resource_unit": "чел.-ч",
        "resource_quantity": "13,8",
        "resource_price": None,
    }
    assert rows[2][HEADER.index("resource_price")] == "1 520,30"
    assert rows[3][HEADER.index("work_code")] == "01-01-001-02"
    assert rows[3][HEADER.index("resource_quantity")] == "11,2"


def test_a_resource_catalogue_with_child_fields_keeps_work_columns_empty(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "fsbc.xml", FSBC))
    assert rows[0] == HEADER
    second = dict(zip(HEADER, rows[2], strict=True))
    assert second["section_code"] == "01"
    assert second["section_name"] == "Материалы"
    assert second["work_code"] is None
    assert (second["resource_code"], second["resource_name"]) == ("01.1.01.01-0002", "Щебень")
    assert (second["resource_unit"], second["resource_price"]) == ("м3", "1 140,00")


def test_the_price_base_shape_can_be_turned_off_by_naming_the_record(tmp_path: Path) -> None:
    _, rows = samples.read(samples.write(tmp_path, "gesn.xml", GESN), record="Resource")
    assert rows[0] == ["Code", "Name", "MeasureUnit", "Quantity", "Prices.Price.Cost"]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz><row><a>&lol9;</a></row><row><a>x</a></row></lolz>
"""


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<r><row><a>&x;</a></row><row><a>1</a></row></r>",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
        "<r><row><a>&x;</a></row><row><a>1</a></row></r>",
        '<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd">'
        "<r><row><a>1</a></row><row><a>2</a></row></r>",
    ],
    ids=["billion-laughs", "xxe-file", "xxe-http", "external-dtd"],
)
def test_entity_bombs_and_external_entities_are_refused(tmp_path: Path, document: str) -> None:
    path = samples.write(tmp_path, "evil.xml", document)
    with pytest.raises(FormatError) as caught:
        samples.read(path)
    assert caught.value.status == 422
    assert caught.value.detail_key == "transfer.xml_doctype"
    assert "DOCTYPE" in t("transfer.xml_doctype", "ru")


def test_a_truncated_xml_names_the_line(tmp_path: Path) -> None:
    cut = ORDERS[: ORDERS.index('<Order id="3">') + 20]
    path = samples.write(tmp_path, "cut.xml", cut, "cp1251")
    with pytest.raises(FormatError) as caught:
        samples.read(path)
    assert caught.value.detail_key == "transfer.xml_invalid"
    assert caught.value.params["line"] == 8


def test_deeply_nested_xml_is_refused(tmp_path: Path) -> None:
    document = "<a>" * 200 + "</a>" * 200
    with pytest.raises(TooLarge) as caught:
        samples.read(samples.write(tmp_path, "deep.xml", document))
    assert caught.value.detail_key == "transfer.too_deep"


def test_a_huge_text_value_is_too_large_naming_its_column(tmp_path: Path) -> None:
    document = f"<r><row><a>1</a></row><row><a>{'ж' * 200_000}</a></row></r>"
    with pytest.raises(TooLarge) as caught:
        samples.read(samples.write(tmp_path, "long.xml", document))
    assert caught.value.params == {"row": 3, "column": "a", "limit": Limits().max_cell_chars}


def _resident_bytes() -> int:
    # lxml's tree lives in C memory, out of tracemalloc's sight: look at the process instead.
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_large_document_is_read_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("w") as file:
        file.write("<items>")
        for i in range(30_000):
            file.write(f'<item sku="S-{i}"><name>Item {i}</name><price>{i},50</price></item>')
        file.write("</items>")
    rows = next(open_source(path, filename="big.xml").sheets).rows
    before = _resident_bytes()
    read = sum(1 for _ in rows)
    grown = _resident_bytes() - before
    assert read == 30_001
    assert grown < 12 * 1024 * 1024  # a kept tree of 30,000 records takes ≈ 25 MB
