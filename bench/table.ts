/** @module The shape every workload returns; report.ts turns it into markdown and JSON. */

export interface Column {
  key: string;
  title: string;
  /** Set for figures that get a `Spool ÷ best peer` column. */
  better?: 'higher' | 'lower';
  digits?: number;
}

export interface Row {
  label: string;
  isSpool: boolean;
  /** A peer counts toward "best peer"; the raw-SQL ceiling does not. */
  isPeer: boolean;
  values: Record<string, number | null>;
  note?: string;
}

export interface Table {
  id: string;
  title: string;
  description: string;
  columns: Column[];
  rows: Row[];
  notes: string[];
}
