// Plain-text tables: padded columns, a dashed rule under the header, no trailing spaces.
export function table(objects: readonly object[]): string {
  const rows = objects as readonly Record<string, unknown>[];
  const first = rows[0];
  if (!first) return "";
  const columns = Object.keys(first);
  const widths = columns.map((key) => Math.max(key.length, ...rows.map((row) => String(row[key]).length)));
  const line = (values: unknown[]) =>
    values
      .map((value, i) => String(value).padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map((row) => line(columns.map((key) => row[key]))),
  ].join("\n");
}
