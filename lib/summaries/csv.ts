import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileError, writeFileAtomic } from '../util/files';

/**
 * summaries.csv: step, wall_time, then one column per scalar, a row per summary — for spreadsheets, pandas, R.
 * Opened on resume, the rows an interrupted run wrote after the resumed step are dropped, as TensorBoard does.
 */
export class SummaryCsv {
  readonly file: string;
  private readonly columns: string[];

  constructor(dir: string, scalars: readonly string[], resumeStep = 0) {
    this.file = path.join(dir, 'summaries.csv');
    const header = ['step', 'wall_time', ...scalars];
    const existing = fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8').trimEnd().split('\n') : [];
    this.columns = existing.length > 0 ? existing[0].split(',') : header;
    const kept = existing.slice(1).filter((row) => Number(row.split(',')[0]) <= resumeStep);
    writeFileAtomic(this.file, [this.columns.join(','), ...kept].join('\n') + '\n');
  }

  append(step: number, wallTime: number, values: Record<string, number>): void {
    const cells = this.columns.map((column) => {
      if (column === 'step') return String(step);
      if (column === 'wall_time') return wallTime.toFixed(3);
      return values[column] === undefined ? '' : String(values[column]);
    });
    try {
      fs.appendFileSync(this.file, cells.join(',') + '\n');
    } catch (error) {
      throw fileError('write', this.file, error);
    }
  }
}

/** Reads a summaries.csv back: one record per row (empty cells left out). */
export function readSummaryCsv(file: string): Array<Record<string, number>> {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const columns = header.split(',');
  return rows.map((row) =>
    Object.fromEntries(row.split(',').flatMap((cell, i) => (cell === '' ? [] : [[columns[i], Number(cell)]]))),
  );
}
