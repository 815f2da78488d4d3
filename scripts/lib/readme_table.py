"""Reads a Markdown table from a section of benchmarks/README.md.

Standard library only; shared by ratios.py and paired.py.
"""


def read_table(readme, section, columns):
    """The body rows of the table under "## <section>", each as its first
    `columns` cells, stripped; header rows and rules are left out."""
    rows, in_section, seen_header = [], False, False
    for line in open(readme, encoding="utf-8"):
        if line.startswith("## "):
            in_section = line.strip() == f"## {section}"
            continue
        if not in_section or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < columns or cells[0] == "" or set(cells[0]) <= set("-: "):
            continue
        if not seen_header:
            seen_header = True  # the first row of the table names its columns
            continue
        rows.append(cells[:columns])
    return rows
