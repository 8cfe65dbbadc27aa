/**
 * Progress display of a run on stderr: a live bar (cli-progress) when stderr is a terminal, plain lines
 * at intervals otherwise (logs, CI). Sites done / failed / errors / remaining, pages per second, ETA.
 * Only the CLI uses this; the runner and the site job know nothing about display.
 */
import cliProgress from 'cli-progress';
import type { Lang } from '../check-api/api.js';
import { terminalCell } from '../report/terminal.js';
import type { RunCounts, RunEvent } from './runner.js';

export function formatDuration(ms: number, lang: Lang): string {
  if (!Number.isFinite(ms) || ms < 0) return lang === 'zh' ? '未知' : '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (lang === 'zh') return h ? `${h}小时${m}分` : m ? `${m}分${sec}秒` : `${sec}秒`;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

interface Figures {
  done: number;
  total: number;
  failed: number;
  errors: number;
  remaining: number;
  pps: string;
  eta: string;
}

function line(f: Figures, lang: Lang): string {
  return lang === 'zh'
    ? `已完成 ${f.done}/${f.total}  不合格 ${f.failed}  出错 ${f.errors}  剩余 ${f.remaining}  ${f.pps} 页/秒  预计还需 ${f.eta}`
    : `done ${f.done}/${f.total}  failed ${f.failed}  errors ${f.errors}  remaining ${f.remaining}  ${f.pps} pages/s  ETA ${f.eta}`;
}

/** Returns an event handler that draws progress on `stream`. */
export function progressReporter(opts: { stream?: NodeJS.WriteStream; lang: Lang; tty?: boolean; intervalMs?: number }): (e: RunEvent) => void {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? !!stream.isTTY;
  const lang = opts.lang;
  const intervalMs = opts.intervalMs ?? 10_000;
  let started = Date.now();
  let doneAtStart = 0;
  let lastLine = 0;
  let bar: cliProgress.SingleBar | undefined;
  let counts: RunCounts | undefined;

  const figures = (c: RunCounts): Figures => {
    const elapsed = Date.now() - started;
    const doneNow = c.done - doneAtStart;
    const remaining = c.total - c.done;
    const eta = doneNow > 0 ? (elapsed / doneNow) * remaining : Number.NaN;
    return {
      done: c.done,
      total: c.total,
      failed: c.failed,
      errors: c.errors,
      remaining,
      pps: (c.pages / Math.max(elapsed / 1000, 0.001)).toFixed(1),
      eta: remaining === 0 ? formatDuration(0, lang) : formatDuration(eta, lang),
    };
  };

  return (e) => {
    if (e.type === 'start') {
      started = Date.now();
      doneAtStart = e.counts.done;
      counts = e.counts;
      const head =
        lang === 'zh'
          ? `检查批次 ${e.runId}（检查日期 ${e.asOf}）：共 ${e.counts.total} 个网站和账号，${e.resumed ? `继续未完成的 ${e.pending} 个` : `待检查 ${e.pending} 个`}`
          : `run ${e.runId} (as of ${e.asOf}): ${e.counts.total} sites and accounts, ${e.resumed ? `resuming ${e.pending} unfinished` : `${e.pending} to check`}`;
      stream.write(terminalCell(head) + '\n');
      if (tty && e.pending > 0) {
        bar = new cliProgress.SingleBar({ stream, format: `{bar} {percentage}% | {text}`, hideCursor: true, clearOnComplete: false, barsize: 24, fps: 5 }, cliProgress.Presets.shades_classic);
        bar.start(e.counts.total, e.counts.done, { text: line(figures(e.counts), lang) });
      }
      lastLine = Date.now();
      return;
    }
    if (e.type === 'site-done') {
      counts = e.counts;
      const f = figures(e.counts);
      if (bar) bar.update(e.counts.done, { text: line(f, lang) });
      else if (Date.now() - lastLine >= intervalMs) {
        stream.write(line(f, lang) + '\n');
        lastLine = Date.now();
      }
      return;
    }
    if (e.type === 'end') {
      const f = figures({ ...e.counts, done: e.counts.done });
      if (bar) {
        bar.update(e.counts.done, { text: line(f, lang) });
        bar.stop();
      } else if (counts) stream.write(line(f, lang) + '\n');
    }
  };
}
