// Plain-text tables for Drone's log view: columns padded to their widest cell.

/** Rows (the first is the header) as lines of padded columns, two spaces apart. */
export function renderColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
