"""The data sheet of an upload read by calamine in a child process under a memory ceiling.

    python sheet_reader.py PATH SHEET MEMORY_BYTES   (run by `prospects.imports.xlsx`)

The streaming check of `prospects.imports.sheetscan` refuses the known tricks before this
runs; the ceiling is for the unknown ones. calamine aborts the whole process when an
allocation fails (a Rust abort, not a MemoryError): here that kills this child only, and the
parent reports a clean error for the one upload.

This file is a standalone script: only the standard library and python_calamine, no Django,
so it starts in a few tens of milliseconds. It writes pickled messages to stdout:
("missing", sheet names) | ("meta", start, height, merged ranges) then ("rows", [cells, ...])
(a row: a list of cells, or a string of text cells, each stripped, joined by SEPARATOR)
batches, then ("done",); ("damaged",) when calamine cannot read the file.
"""

import pickle
import resource
import sys

BATCH_ROWS = 2000
SEPARATOR = "\x1f"  # a row of text cells is sent joined by it (the parent splits it)


def main(path: str, sheet_name: str, memory_bytes: int) -> int:
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    out = sys.stdout.buffer

    def send(message) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(path)
        if sheet_name not in workbook.sheet_names:
            send(("missing", list(workbook.sheet_names)))
            return 0
        sheet = workbook.get_sheet_by_name(sheet_name)
        send(("meta", sheet.start, sheet.height, list(sheet.merged_cell_ranges or [])))
        batch = []
        for cells in sheet.iter_rows():
            # A row of text cells (the usual row) travels as one string of stripped cells: far
            # cheaper to pickle and unpickle than one object per cell, and the parent, which
            # splits it, has nothing left to do per cell (this process runs on another core).
            if all(type(cell) is str for cell in cells):
                joined = SEPARATOR.join([cell.strip() for cell in cells])
                if joined.count(SEPARATOR) == len(cells) - 1:
                    cells = joined
            batch.append(cells)
            if len(batch) >= BATCH_ROWS:
                send(("rows", batch))
                batch = []
        if batch:
            send(("rows", batch))
        send(("done",))
    except MemoryError:
        return 3  # the parent reports the ceiling
    except BrokenPipeError:
        return 0  # the parent stopped reading (an error in an earlier row)
    except Exception:  # calamine raises several unrelated types
        send(("damaged",))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
