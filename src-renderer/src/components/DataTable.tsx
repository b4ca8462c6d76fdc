import type { ReactNode, TdHTMLAttributes } from 'react';

export interface Column<T> {
  header: string;
  cell(row: T): ReactNode;
  /** Attributes of the row's cell in this column: its class, a tooltip. */
  cellProps?(row: T): Pick<TdHTMLAttributes<HTMLTableCellElement>, 'className' | 'title'>;
}

interface Props<T> {
  /** The table's accessible name. */
  label?: string;
  className?: string;
  rows: readonly T[];
  columns: readonly Column<T>[];
  rowKey(row: T): string | number;
  /** The row's data-* attributes, which tests and styles select on (data-server, data-status). */
  rowData?(row: T): Record<`data-${string}`, string>;
  /** Without a header row (a short list whose cells say what they are). */
  head?: boolean;
}

/** A table of records: one row a record, one column a field, scrolling sideways when it must. */
export function DataTable<T>({ label, className, rows, columns, rowKey, rowData, head = true }: Props<T>) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'} aria-label={label}>
        {head && (
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.header} scope="col">
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowData?.(row)}>
              {columns.map((c, i) => (
                <td key={i} {...c.cellProps?.(row)}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
