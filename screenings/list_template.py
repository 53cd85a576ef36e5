"""The template of a phone list: the columns the product understands, with one fictional example row."""

import csv
import io

from openpyxl import Workbook

COLUMNS = ["employee_id", "work_phone", "mobile_phone", "assigned_from", "assigned_to"]
EXAMPLE = ["E1001", "(206) 555-0100", "+44 7700 900123", "2023-01-01", ""]
NOTE = (
    "One row per person or device. Phone columns: any of work, mobile, home (each is screened). "
    "assigned_from and assigned_to (YYYY-MM-DD, optional): when the company held the number."
)


def csv_template() -> str:
    text = io.StringIO()
    csv.writer(text).writerows([COLUMNS, EXAMPLE])
    return text.getvalue()


def xlsx_template() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phone list"
    sheet.append(COLUMNS)
    sheet.append(EXAMPLE)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: numbers and dates stay as typed
    workbook.create_sheet("How to fill it in").append([NOTE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
