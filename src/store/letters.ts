/**
 * Reminder letters (提醒函) of a run, one row per owner unit: number, date, reply deadline and file
 * name. Written by `govcheck notice --letters` (src/report/letters.ts); read by the 整改清单 (letter
 * number column) and the rectification follow-up (reply_by).
 */
import type { DB } from './db.js';

export interface LetterRow {
  run_id: string;
  owner: string;
  letter_no: string;
  /** YYYY-MM-DD, China time. */
  issued_on: string;
  /** YYYY-MM-DD. */
  reply_by: string;
  file: string;
}

/** The letters of a run, by letter number. */
export function loadLetters(db: DB, runId: string): LetterRow[] {
  return db.prepare(`SELECT run_id, owner, letter_no, issued_on, reply_by, file FROM letters WHERE run_id = ? ORDER BY letter_no`).all(runId) as LetterRow[];
}

/** Owner → letter number for a run (empty when no letter was issued). */
export function letterNumbers(db: DB, runId: string): Map<string, string> {
  return new Map(loadLetters(db, runId).map((l) => [l.owner, l.letter_no]));
}

/** Stores letters (insert or replace by run and owner), in one transaction. */
export function saveLetters(db: DB, rows: LetterRow[]): void {
  const put = db.prepare(
    `INSERT INTO letters (run_id, owner, letter_no, issued_on, reply_by, file) VALUES (@run_id, @owner, @letter_no, @issued_on, @reply_by, @file)
     ON CONFLICT (run_id, owner) DO UPDATE SET letter_no = excluded.letter_no, issued_on = excluded.issued_on, reply_by = excluded.reply_by, file = excluded.file`,
  );
  db.transaction(() => {
    for (const r of rows) put.run(r);
  })();
}
