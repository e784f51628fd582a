"""Workbooks from and for another program, for tests/unit/media/test_sheet.c,
run with Debian's python3-openpyxl (/usr/bin/python3):

  sheet_openpyxl.py make PATH [1904]   writes the workbook the test expects:
      sheet "台账" with shared strings, numbers, dates, a boolean, a formula
      without a cached value, an empty row and gaps between columns, then
      sheet "第二页"; with 1904, in Excel for Mac's old date system
  sheet_openpyxl.py dump PATH          prints every sheet as JSON: title,
      frozen panes, autofilter, whether A1 is bold, and the rows' values
      (dates in ISO 8601)
"""
import datetime
import json
import sys

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904


def make(path, epoch1904):
    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = '台账'
    # Row 1: a header with column C left out.
    for col, value in ((1, '姓名'), (2, '电话'), (4, '入职时间'), (5, '工时'), (6, '在岗')):
        ws.cell(row=1, column=col, value=value)
    ws.cell(row=2, column=1, value='张三')
    ws.cell(row=2, column=2, value='13800138000')
    ws.cell(row=2, column=4, value=datetime.datetime(2024, 5, 1, 8, 30))
    ws.cell(row=2, column=5, value=7.5)
    ws.cell(row=2, column=6, value=True)
    # Row 3 is empty.
    ws.cell(row=4, column=1, value=' 李四 ')
    ws.cell(row=4, column=2, value=13900139000)
    ws.cell(row=4, column=4, value=datetime.date(1999, 12, 31))
    ws.cell(row=4, column=5, value=-3)
    ws.cell(row=4, column=6, value=False)
    ws.cell(row=4, column=7, value='=SUM(E2:E4)')
    ws.cell(row=5, column=1, value='他说"好"，\n然后走了')
    ws.cell(row=5, column=8, value='远处')
    ws.freeze_panes = 'A2'
    wb.create_sheet('第二页').cell(row=1, column=1, value='x')
    wb.save(path)


def value(v):
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    return v


def dump(path):
    wb = openpyxl.load_workbook(path)
    sheets = []
    for ws in wb.worksheets:
        sheets.append({
            'title': ws.title,
            'freeze': ws.freeze_panes,
            'autofilter': ws.auto_filter.ref,
            'bold_header': bool(ws['A1'].font and ws['A1'].font.b),
            'rows': [[value(v) for v in row] for row in ws.iter_rows(values_only=True)],
        })
    json.dump({'sheets': sheets}, sys.stdout, ensure_ascii=False)


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'make':
        make(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == '1904')
    elif len(sys.argv) == 3 and sys.argv[1] == 'dump':
        dump(sys.argv[2])
    else:
        sys.exit(__doc__)
